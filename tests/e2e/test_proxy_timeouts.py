"""reverse_proxy's transport http { read_timeout write_timeout } (Caddy's
names) against upstreams that stall, over HTTP/1.1 and h2c: before the
response head the client gets a 504, after it the response is cut off;
each is logged with the timeout's name. The checks are outcomes only: the
timeouts are short and every wait for them is bounded by the socket's."""
import socket
import threading
import time

from ifrit_e2e import IO_TIMEOUT, Conn, Server, build_request, check
from grpc_upstream import GrpcUpstream
from proxy_upstream import Reply, Upstream, hanging_app, site

WAIT = 15.0


def _srv(binary, upstream, options, protocols=None):
    body = "reverse_proxy %s {\n transport http {\n  %s\n }\n}" % (upstream, "\n  ".join(options))
    global_opts = "workers 1"
    if protocols:
        global_opts += "\n    servers {\n        protocols %s\n    }" % protocols
    return Server(binary, site(body, global_opts))


def _partial_app(release, declared=100, sent=b"0123456789"):
    """A head that declares more body than it sends, then nothing until release."""
    def app(req):
        def stall(c, req):
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (declared, sent))
            release.wait(WAIT)
            return False
        return Reply(custom=stall)
    return app


def _cut_off(srv, target):
    """The head arrives and the body never ends: the connection closes first."""
    with Conn(srv.port) as c:
        c.send(build_request("GET", target))
        data = c.read_until_close()
    head, _, body = data.partition(b"\r\n\r\n")
    return head, body


def test_proxy_read_timeout_before_head_is_504(binary):
    release = threading.Event()
    with Upstream(hanging_app(release, WAIT)) as up, _srv(binary, up.addr, ["read_timeout 300ms"]) as srv:
        try:
            r = srv.request("GET", "/stalls")
            check(r.status == 504, "an upstream that never answers: %d" % r.status)
            srv.wait_log("upstream %s failed for GET /stalls: read_timeout (504)" % up.addr)
        finally:
            release.set()


def test_proxy_read_timeout_in_body_cuts_off(binary):
    release = threading.Event()
    with Upstream(_partial_app(release)) as up, _srv(binary, up.addr, ["read_timeout 300ms"]) as srv:
        try:
            head, body = _cut_off(srv, "/partial")
            check(head.startswith(b"HTTP/1.1 200"), "the head went on: %r" % head[:80])
            check(body == b"0123456789", "only what the upstream sent, then the close: %r" % body)
            srv.wait_log("upstream %s: read_timeout" % up.addr)
        finally:
            release.set()


def _trickle_app(pieces, gap):
    """The body in pieces with a pause before each (Content-Length known)."""
    def app(req):
        def trickle(c, req):
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % sum(len(p) for p in pieces))
            for p in pieces:
                time.sleep(gap)
                c.sendall(p)
            return False
        return Reply(custom=trickle)
    return app


def test_proxy_read_timeout_counts_from_each_read(binary):
    # Five pieces 0.25 s apart: the whole response takes longer than
    # read_timeout, no single wait does.
    pieces = [b"ab%d\n" % i for i in range(5)]
    with Upstream(_trickle_app(pieces, 0.25)) as up, _srv(binary, up.addr, ["read_timeout 1s"]) as srv:
        r = srv.request("GET", "/trickle")
        check(r.status == 200 and r.body == b"".join(pieces), "a slow but steady upstream: %d %r" % (r.status, r.body))


class _DeafUpstream:
    """Accepts, reads a little of what comes, then reads nothing more until
    released: a request body fills the socket's buffers and stays there."""

    def __init__(self):
        self.release = threading.Event()
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(4)
        self.addr = "127.0.0.1:%d" % self.lsock.getsockname()[1]
        self.socks = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        self.lsock.settimeout(IO_TIMEOUT)
        try:
            s, _ = self.lsock.accept()
        except OSError:
            return
        self.socks.append(s)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.recv(1024)
        self.release.wait(WAIT)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(IO_TIMEOUT)
        for s in self.socks:
            s.close()
        self.lsock.close()


def test_proxy_write_timeout_is_504(binary):
    size = 64 << 20
    with _DeafUpstream() as up, _srv(binary, up.addr, ["write_timeout 300ms"]) as srv:
        with Conn(srv.port) as c:
            c.send(build_request("POST", "/upload", [("Content-Length", str(size))]))

            def feed():
                block = b"x" * (1 << 20)
                try:
                    for _ in range(size >> 20):
                        c.sock.sendall(block)
                except OSError:
                    pass   # the server answered and stopped reading
            t = threading.Thread(target=feed, daemon=True)
            t.start()
            r = c.read_response("POST")
            check(r.status == 504, "an upstream that takes no more of the body: %d" % r.status)
        t.join(IO_TIMEOUT)
        srv.wait_log("upstream %s failed for POST /upload: write_timeout (504)" % up.addr)


# -- over HTTP/2 to the upstream (h2c) ---------------------------------------------------

def test_proxy_h2c_read_timeout_before_head_is_504(binary):
    with GrpcUpstream() as up, _srv(binary, "h2c://" + up.addr, ["read_timeout 300ms"]) as srv:
        r = srv.request("GET", "/test.Echo/Silent")
        check(r.status == 504, "an h2c upstream that never answers: %d" % r.status)
        srv.wait_log("upstream %s failed for GET /test.Echo/Silent: read_timeout (504)" % up.addr)
        deadline = time.monotonic() + WAIT
        while not up.resets and time.monotonic() < deadline:
            time.sleep(0.05)
        check(up.resets and up.resets[0][0] == "/test.Echo/Silent", "the upstream stream was reset: %r" % up.resets)


def test_proxy_h2c_read_timeout_in_body_cuts_off(binary):
    with GrpcUpstream() as up, _srv(binary, "h2c://" + up.addr, ["read_timeout 300ms"]) as srv:
        head, body = _cut_off(srv, "/test.Echo/Hang")
        check(head.startswith(b"HTTP/1.1 200"), "the head went on: %r" % head[:80])
        check(not body.endswith(b"0\r\n\r\n"), "the chunked body has no last chunk: %r" % body)
        srv.wait_log("upstream %s: read_timeout" % up.addr)


def test_proxy_read_timeout_cuts_an_h2_client_stream(binary):
    # The client speaks HTTP/2 (h2c, prior knowledge): the cut-off response
    # is a reset stream, not a whole one.
    release = threading.Event()
    with Upstream(_partial_app(release)) as up, \
            _srv(binary, up.addr, ["read_timeout 300ms"], protocols="h1 h2 h2c") as srv:
        try:
            p = srv.curl("--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_code}",
                         "http://127.0.0.1:@PORT@/partial")
            # 92: HTTP/2 stream error (RST_STREAM), not 28 (curl's own timeout).
            check(p.returncode == 92, "curl saw the stream reset: rc %d, %r" % (p.returncode, p.stderr))
            check(p.stdout == b"200", "the head went on: %r" % p.stdout)
            srv.wait_log("upstream %s: read_timeout" % up.addr)
        finally:
            release.set()


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
