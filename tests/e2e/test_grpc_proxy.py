"""gRPC through reverse_proxy (docs/reverse_proxy.md, "HTTP/2 to
upstreams"): a gRPC-style upstream over h2c (grpc_upstream.py, python3-h2)
behind `reverse_proxy h2c://`, called by an HTTP/2 client over TLS (ALPN
h2) and over h2c: unary and server-streaming calls with length-prefixed
messages and grpc-status trailers, a trailers-only error, many calls
multiplexed on one upstream connection, a body larger than the windows,
an upstream that resets a stream or sends GOAWAY mid-call, a refused
stream retried on a new connection, a client cancel that resets the
upstream stream, and an HTTP/1.1 client that gets grpc-status as chunked
trailers. Every wait is bounded; no assertion depends on timing."""
import os
import subprocess
import tempfile

import h2client
from grpc_upstream import GrpcUpstream, frame, messages
from ifrit_e2e import IO_TIMEOUT, Conn, E2EError, Server, check
from test_proxy_https import NAME, _pki

GRPC = [("content-type", "application/grpc"), ("te", "trailers")]
ROOT_CRT = "data/pki/authorities/local/root.crt"


def _h2c_site(body):
    return "{\n\tworkers 1\n\tservers {\n\t\tprotocols h1 h2 h2c\n\t}\n}\n:@PORT@ {\n%s\n}\n" % body


def _tls_site(body):
    return ("{\n\tstorage file_system @DIR@/data\n\thttps_port @PORT@\n\thttp_port @PORT2@\n}\n"
            "localhost {\n\ttls internal\n%s\n}\n" % body)


def _call(c, method, msg):
    r = c.response(c.request("POST", "/test.Echo/" + method, GRPC, frame(msg)))
    return r, messages(r.body)


def _trailer(r, name):
    return dict(r.trailers or []).get(name)


def test_grpc_unary_and_streaming_over_h2c(binary):
    with GrpcUpstream() as up, Server(binary, _h2c_site("\treverse_proxy h2c://%s" % up.addr)) as s:
        with h2client.H2Conn(s.port) as c:
            r, msgs = _call(c, "Unary", b"hello")
            check(r.status == 200 and msgs == [b"echo:hello"], (r, msgs))
            check(dict(r.headers).get("content-type") == "application/grpc", r.headers)
            check(_trailer(r, "grpc-status") == "0", "grpc-status trailer: %r" % r.trailers)
            r, msgs = _call(c, "Stream", b"5")
            check(msgs == [b"msg %d" % i for i in range(5)] and _trailer(r, "grpc-status") == "0", (msgs, r.trailers))
        call = up.calls[0]
        h = call["headers"]
        check(h.get(":method") == "POST" and h.get(":scheme") == "http" and h.get("te") == "trailers", h)
        check(h.get("content-type") == "application/grpc" and call["messages"] == [b"hello"], call)
        check(not any(k in h for k in ("connection", "keep-alive", "transfer-encoding", "upgrade")),
              "no connection-specific fields go up: %r" % h)


def test_grpc_trailers_only_error(binary):
    with GrpcUpstream() as up, Server(binary, _h2c_site("\treverse_proxy h2c://%s" % up.addr)) as s:
        with h2client.H2Conn(s.port) as c:
            r, msgs = _call(c, "Fail", b"x")
            fields = dict(r.headers)
            status = fields.get("grpc-status") or _trailer(r, "grpc-status")
            message = fields.get("grpc-message") or _trailer(r, "grpc-message")
            check(r.status == 200 and msgs == [] and status == "5" and message == "no such thing",
                  (r, r.headers, r.trailers))


def test_grpc_over_tls_client(binary):
    with GrpcUpstream() as up, Server(binary, _tls_site("\treverse_proxy h2c://%s" % up.addr)) as s:
        with h2client.H2Conn(s.port, tls=True) as c:
            r = c.response(c.request("POST", "/test.Echo/Unary", GRPC, frame(b"tls"), scheme="https"))
            check(messages(r.body) == [b"echo:tls"] and _trailer(r, "grpc-status") == "0", (r, r.trailers))


def test_grpc_calls_share_one_upstream_connection(binary):
    with GrpcUpstream() as up, Server(binary, _h2c_site("\treverse_proxy h2c://%s" % up.addr)) as s:
        with h2client.H2Conn(s.port) as c:
            sids = [c.request("POST", "/test.Echo/Unary", GRPC, frame(b"n%d" % i)) for i in range(20)]
            for i, sid in enumerate(sids):
                r = c.response(sid)
                check(messages(r.body) == [b"echo:n%d" % i] and _trailer(r, "grpc-status") == "0", (i, r))
        check(len(up.calls) == 20 and up.conns == 1, "20 calls on %d upstream connection(s)" % up.conns)


def test_grpc_big_message_crosses_the_windows(binary):
    size = 3 << 20   # more than the stream's and the connection's windows
    with GrpcUpstream() as up, Server(binary, _h2c_site("\treverse_proxy h2c://%s" % up.addr)) as s:
        with h2client.H2Conn(s.port) as c:
            big = b"u" * (1 << 20)
            r = c.response(c.request("POST", "/test.Echo/Unary", GRPC, frame(big)))
            check(messages(r.body) == [b"echo:" + big], "a 1 MiB request message echoed (%d bytes)" % len(r.body))
            r, msgs = _call(c, "Big", b"%d" % size)
            check(len(msgs) == 1 and len(msgs[0]) == size and _trailer(r, "grpc-status") == "0",
                  "a %d-byte response message (%d bytes)" % (size, len(r.body)))


def test_grpc_upstream_reset_mid_call_resets_the_client_stream(binary):
    with GrpcUpstream() as up, Server(binary, _h2c_site("\treverse_proxy h2c://%s" % up.addr)) as s:
        with h2client.H2Conn(s.port) as c:
            sid = c.request("POST", "/test.Echo/Reset", GRPC, frame(b"x"))
            c.wait(lambda: sid in c.streams and (c.streams[sid]["reset"] is not None or c.streams[sid]["ended"]),
                   what="the broken call's end")
            st = c.streams[sid]
            check(st["reset"] is not None and st["trailers"] is None, "reset, no grpc-status: %r" % st)
            r, msgs = _call(c, "Unary", b"after")
            check(msgs == [b"echo:after"], "the connection goes on: %r" % (r,))


def test_grpc_goaway_mid_call_finishes_it_and_moves_on(binary):
    with GrpcUpstream() as up, Server(binary, _h2c_site("\treverse_proxy h2c://%s" % up.addr)) as s:
        with h2client.H2Conn(s.port) as c:
            r, msgs = _call(c, "GoAway", b"one")
            check(msgs == [b"echo:one"] and _trailer(r, "grpc-status") == "0", (r, msgs))
            r, msgs = _call(c, "Unary", b"two")
            check(msgs == [b"echo:two"], (r, msgs))
        check([x["conn"] for x in up.calls] == [1, 2], "after GOAWAY a new connection: %r" % up.calls)


def test_h2_upstream_refused_stream_goes_again(binary):
    with GrpcUpstream() as up, Server(binary, _h2c_site("\treverse_proxy h2c://%s" % up.addr)) as s:
        with h2client.H2Conn(s.port) as c:
            r = c.response(c.request("GET", "/refuse-next"))
            check(r.status == 200 and r.body == b"ok", r)
            r = c.response(c.request("GET", "/again"))
            check(r.status == 200 and r.body == b"ok", "the refused GET went again: %r" % r)
        check([x["path"] for x in up.calls] == ["/refuse-next", "/again"] and up.calls[1]["conn"] == 2, up.calls)


def test_grpc_client_cancel_resets_the_upstream_stream(binary):
    with GrpcUpstream() as up, Server(binary, _h2c_site("\treverse_proxy h2c://%s" % up.addr)) as s:
        with h2client.H2Conn(s.port) as c:
            sid = c.request("POST", "/test.Echo/Hang", GRPC, frame(b"x"))
            c.wait(lambda: b"first" in c.streams.get(sid, {}).get("body", b""), what="the first message")
            c.h2.reset_stream(sid, error_code=8)   # CANCEL
            c.flush()
            deadline = IO_TIMEOUT * 10
            while not up.resets and deadline > 0:
                c.pump(timeout=0.1)
                deadline -= 1
            check(up.resets and up.resets[0][0] == "/test.Echo/Hang", "the upstream stream was reset: %r" % up.resets)
            r, msgs = _call(c, "Unary", b"after")
            check(msgs == [b"echo:after"], r)


def test_grpc_http11_client_gets_chunked_trailers(binary):
    with GrpcUpstream() as up, Server(binary, _h2c_site("\treverse_proxy h2c://%s" % up.addr)) as s:
        body = frame(b"h1")
        with Conn(s.port) as c:
            c.send(b"POST /test.Echo/Unary HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/grpc\r\n"
                   b"TE: trailers\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            raw = b""
            c.sock.settimeout(IO_TIMEOUT)
            while b"\r\n0\r\n" not in raw or not raw.endswith(b"\r\n\r\n"):
                chunk = c.sock.recv(65536)
                if not chunk:
                    raise E2EError("closed after %r" % raw)
                raw += chunk
            head, _, rest = raw.partition(b"\r\n\r\n")
            check(b"transfer-encoding: chunked" in head.lower(), head)
            check(b"echo:h1" in rest and b"\r\ngrpc-status: 0\r\n" in rest.lower(), rest)


def test_versions_and_h2c_scheme_errors(binary):
    for body, words in (("\treverse_proxy h2c://127.0.0.1:1 {\n\t\ttransport http {\n\t\t\ttls\n\t\t}\n\t}",
                         "h2c:// upstreams are cleartext"),
                        ("\treverse_proxy 127.0.0.1:1 {\n\t\ttransport http {\n\t\t\tversions 3\n\t\t}\n\t}",
                         "HTTP version"),
                        ("\treverse_proxy 127.0.0.1:1 {\n\t\ttransport http {\n\t\t\tversions 2\n\t\t}\n\t}",
                         "versions 2 alone needs TLS"),
                        ("\treverse_proxy h2c://127.0.0.1:1 https://127.0.0.1:2", "same scheme")):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "Caddyfile")
            with open(path, "w") as f:
                f.write(":8080 {\n%s\n}\n" % body)
            p = subprocess.run([binary, "validate", "--config", path], capture_output=True, timeout=IO_TIMEOUT)
        out = (p.stdout + p.stderr).decode(errors="replace")
        check(p.returncode != 0 and words in out and "Caddyfile:" in out, (body, out))


def test_versions_h2c_on_a_plain_upstream(binary):
    with GrpcUpstream() as up, Server(binary, _h2c_site("\treverse_proxy %s {\n\t\ttransport http {\n"
                                                        "\t\t\tversions h2c\n\t\t}\n\t}" % up.addr)) as s:
        r = h2client.get(s.port, "GET", "/plain")
        check(r.status == 200 and r.body == b"ok", r)
        check(up.calls and up.calls[0]["path"] == "/plain", up.calls)


def _tls_upstream_site(up, pki, extra=""):
    return _h2c_site("\treverse_proxy https://127.0.0.1:%d {\n\t\ttransport http {\n\t\t\ttls_trusted_ca_certs %s/ca.crt\n"
                     "\t\t\ttls_server_name %s\n%s\t\t}\n\t}" % (up.port, pki, NAME, extra))


def test_grpc_to_an_https_upstream_by_alpn(binary):
    pki = _pki()
    with GrpcUpstream(pki) as up, Server(binary, _tls_upstream_site(up, pki)) as s:
        with h2client.H2Conn(s.port) as c:
            for i in range(3):
                r, msgs = _call(c, "Unary", b"tls%d" % i)
                check(msgs == [b"echo:tls%d" % i] and _trailer(r, "grpc-status") == "0", (r, r.trailers))
            sids = [c.request("POST", "/test.Echo/Unary", GRPC, frame(b"m%d" % i)) for i in range(10)]
            for i, sid in enumerate(sids):
                check(messages(c.response(sid).body) == [b"echo:m%d" % i], i)
        check(up.alpn == ["h2"], "one TLS connection, ALPN h2: %r" % up.alpn)
        check(all(x["headers"].get(":scheme") == "https" for x in up.calls), up.calls[0])


def test_versions_1_1_keeps_an_https_upstream_on_http11(binary):
    pki = _pki()
    with GrpcUpstream(pki) as up, Server(binary, _tls_upstream_site(up, pki, "\t\t\tversions 1.1\n")) as s:
        r = h2client.get(s.port, "GET", "/plain")
        check(r.status == 502, "an h2-only upstream cannot take HTTP/1.1 (no ALPN overlap): %r" % r)
    check(up.alpn in ([], [None]) or "h2" not in up.alpn, up.alpn)
