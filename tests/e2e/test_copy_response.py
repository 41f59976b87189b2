"""copy_response in reverse_proxy's handle_response, past what the compat
cases reach (tests/compat/cases/proxy.txt has the Caddy-compared ones): a
chunked upstream body and a large one come through whole, and a body over
the 16 MiB ifrit keeps is a 502, not a short answer."""
from ifrit_e2e import Server, check
from proxy_upstream import Reply, Upstream, site

CONF = ("reverse_proxy %s {\n @any status 2xx 4xx\n handle_response @any {\n"
        "  header X-Copied yes\n  copy_response 203\n }\n}")


def _app(req):
    if req.target == "/chunked":
        return Reply(404, {"X-Up": "1"}, chunks=[b"abc", b"d" * 70000, b"e"])
    if req.target == "/big":
        return Reply(200, {}, stream_len=3 * 1024 * 1024)
    return Reply(200, {}, stream_len=17 * 1024 * 1024)


def test_copy_response_chunked_and_large(binary):
    with Upstream(_app) as up, Server(binary, site(CONF % up.addr)) as srv:
        r = srv.request("GET", "/chunked")
        check(r.status == 203 and r.body == b"abc" + b"d" * 70000 + b"e", "chunked body copied: %d %d bytes"
              % (r.status, len(r.body)))
        check(r.header("X-Up") == "1" and r.header("X-Copied") == "yes", "fields: %r" % r.headers)
        r = srv.request("GET", "/big")
        check(r.status == 203 and len(r.body) == 3 * 1024 * 1024, "3 MiB copied: %d %d" % (r.status, len(r.body)))


def test_copy_response_over_the_cap_is_502(binary):
    with Upstream(_app) as up, Server(binary, site(CONF % up.addr)) as srv:
        r = srv.request("GET", "/huge")
        check(r.status == 502 and r.body == b"", "over 16 MiB: %d, %d bytes" % (r.status, len(r.body)))
        check("is over 16 MiB: nothing to copy_response" in srv.read_log(), "the log says why")
