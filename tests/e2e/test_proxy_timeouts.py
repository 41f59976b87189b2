"""reverse_proxy's responses that break off, seen by HTTP/2 clients."""
import time

from ifrit_e2e import Server, check
from proxy_upstream import Reply, Upstream, site


def _srv(binary, upstream, options, protocols=None):
    body = "reverse_proxy %s {\n transport http {\n  %s\n }\n}" % (upstream, "\n  ".join(options))
    global_opts = "workers 1"
    if protocols:
        global_opts += "\n    servers {\n        protocols %s\n    }" % protocols
    return Server(binary, site(body, global_opts))


def test_proxy_broken_off_response_resets_the_h2_client_stream(binary):
    # No timeout at all: the upstream closes in the middle of the body it
    # declared. An HTTP/2 client's stream is reset (it waited forever
    # before: the stream ended neither whole nor reset).
    def app(req):
        def break_off(c, req):
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
            time.sleep(0.5)   # the head goes on to the client before the close comes
            return False
        return Reply(custom=break_off)
    with Upstream(app) as up, _srv(binary, up.addr, ["dial_timeout 3s"], protocols="h1 h2 h2c") as srv:
        p = srv.curl("--http2-prior-knowledge", "-o", "/dev/null", "http://127.0.0.1:@PORT@/broken")
        check(p.returncode == 92, "curl saw the stream reset: rc %d, %r" % (p.returncode, p.stderr))
