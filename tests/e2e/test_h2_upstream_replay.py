"""A request whose stream an HTTP/2 upstream refused (GOAWAY past its id)
after its body had started: a body small enough to have been kept (64
KiB, docs/reverse_proxy.md) goes again, whole, on a new connection; a
longer one is a 502 as before. grpc_upstream.py refuses the stream only
once its whole body has arrived, so which case applies never depends on
timing."""
import h2client
from grpc_upstream import GrpcUpstream, frame, messages
from ifrit_e2e import Server, check

GRPC = [("content-type", "application/grpc"), ("te", "trailers")]


def _h2c_site(body):
    return "{\n\tworkers 1\n\tservers {\n\t\tprotocols h1 h2 h2c\n\t}\n}\n:@PORT@ {\n%s\n}\n" % body


def test_h2_upstream_refused_stream_with_a_kept_body_goes_again(binary):
    with GrpcUpstream() as up, Server(binary, _h2c_site("\treverse_proxy h2c://%s" % up.addr)) as s:
        with h2client.H2Conn(s.port) as c:
            r = c.response(c.request("GET", "/refuse-next-whole"))
            check(r.status == 200 and r.body == b"ok", r)
            msg = b"m" * 40000
            r = c.response(c.request("POST", "/test.Echo/Unary", GRPC, frame(msg)))
            check(r.status == 200 and messages(r.body) == [b"echo:" + msg], "the refused call went again: %r" % r.status)
        check(up.refused == [("/test.Echo/Unary", len(frame(msg)))], "refused once, whole: %r" % up.refused)
        calls = [(x["path"], x["conn"], x["messages"] == [msg]) for x in up.calls]
        check(calls == [("/refuse-next-whole", 1, False), ("/test.Echo/Unary", 2, True)], calls)


def test_h2_upstream_refused_stream_with_a_long_body_is_502(binary):
    with GrpcUpstream() as up, Server(binary, _h2c_site("\treverse_proxy h2c://%s" % up.addr)) as s:
        with h2client.H2Conn(s.port) as c:
            r = c.response(c.request("GET", "/refuse-next-whole"))
            check(r.status == 200, r)
            msg = b"m" * (100 * 1024)
            r = c.response(c.request("POST", "/test.Echo/Unary", GRPC, frame(msg)))
            check(r.status == 502, "a refused call with a body past the kept bytes: %r" % r.status)
        check([x["path"] for x in up.calls] == ["/refuse-next-whole"], "it did not go again: %r" % up.calls)
        s.wait_log("upstream reset the stream")
