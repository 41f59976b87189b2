"""proxy-wasm filters on the request body and trailers (issue 21 part 2),
with tests/plugins/pw_reqbody.c written against the ABI in C: the body
is kept across chunks (PAUSE from proxy_on_request_body) and rewritten
at end_of_stream, and the request's trailers pass proxy_on_request_trailers
on their way to the upstream (reverse_proxy reads the body, so the
filter sees it). Upstreams are proxy_upstream.py servers on 127.0.0.1."""
from ifrit_e2e import Conn, Server, check
from proxy_upstream import Reply, Upstream, site
from test_proxy_wasm import pw


def body_app(req):
    """Answers with the body it got, and how it was framed."""
    framing = "chunked" if req.header("Transfer-Encoding") else "length=%s" % req.header("Content-Length")
    trailers = ";".join("%s=%s" % (k.lower(), v) for k, v in req.trailers)
    return Reply(200, {"X-Framing": framing, "X-Trailers": trailers,
                       "X-Filtered": req.header("X-Pw-Filtered") or ""}, req.body)


def _conf(app):
    # The filter's byte loop over a whole 300 KB body needs more than the default fuel and time.
    return "wasm_plugin %s {\n fuel 100000000\n timeout_ms 10000\n}\nreverse_proxy %s" % (pw("pw_reqbody"), app.addr)


def _pets(size):
    body = bytearray(b"x" * size)
    for at in (0, 16383, 65534, size - 3):   # cats at and across likely read boundaries
        body[at:at + 3] = b"cat"
    return bytes(body)


def test_body_rewritten_across_chunks(binary):
    body = _pets(300000)
    want = body.replace(b"cat", b"dog") + b"[pw-req-end]"
    with Upstream(body_app) as app, Server(binary, site(_conf(app))) as srv:
        # a Content-Length body: the filter may change its length, so it goes on chunked
        r = srv.request("POST", "/up", [("Content-Type", "text/plain")], body)
        check(r.status == 200, "status %d %r" % (r.status, r.body[:200]))
        check(r.body == want, "the upstream got %d bytes, cats at %s" % (len(r.body), [i for i in range(len(r.body)) if r.body[i:i + 3] == b"cat"][:5]))
        check(r.header("X-Framing") == "chunked", "framing: %r" % r.header("X-Framing"))
        check(r.header("X-Filtered") == "1", "request headers callback ran: %r" % r.headers)
        # a chunked body sent in pieces of 1000 bytes
        c = Conn(srv.port)
        c.send("POST /up HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n")
        for i in range(0, len(body), 1000):
            piece = body[i:i + 1000]
            c.send(b"%x\r\n" % len(piece) + piece + b"\r\n")
        c.send("0\r\n\r\n")
        r = c.read_response()
        c.close()
        check(r.status == 200 and r.body == want, "chunked in pieces: %d, %d bytes" % (r.status, len(r.body)))


def test_trailers_go_through_the_filter(binary):
    with Upstream(body_app) as app, Server(binary, site(_conf(app))) as srv:
        c = Conn(srv.port)
        c.send("POST /t HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"
               "4\r\na ca\r\n3\r\nt b\r\n0\r\nX-Sum: 42\r\n\r\n")
        r = c.read_response()
        c.close()
        check(r.status == 200 and r.body == b"a dog b[pw-req-end]",
              "body across two chunks, rewritten in the trailers callback: %d %r" % (r.status, r.body))
        t = r.header("X-Trailers") or ""
        check("x-sum=42" in t and "x-pw-trailer=seen-42" in t, "the upstream's trailers: %r" % t)


def test_out_of_fuel_passes_the_body_on_unchanged(binary):
    conf = lambda app: "wasm_plugin %s\nreverse_proxy %s" % (pw("pw_reqbody"), app.addr)   # default fuel
    body = _pets(300000)
    with Upstream(body_app) as app, Server(binary, site(conf(app))) as srv:
        r = srv.request("POST", "/up", [], body)
        check(r.status == 200 and r.body == body, "fail-open: the body as sent: %d, %d bytes" % (r.status, len(r.body)))
        check("trapped in proxy_on_request_body" in srv.read_log() and "out of fuel" in srv.read_log(),
              srv.read_log()[-1500:])


def test_empty_body_and_no_body(binary):
    with Upstream(body_app) as app, Server(binary, site(_conf(app))) as srv:
        r = srv.request("GET", "/none")
        check(r.status == 200 and r.body == b"", "no body: the body callback does not run: %d %r" % (r.status, r.body))
        r = srv.request("POST", "/empty", [], b"")
        check(r.status == 200, "an empty body: %d %r" % (r.status, r.body))
