"""reverse_proxy and trailer fields, as Go's httputil.ReverseProxy (Caddy)
handles them over HTTP/1.1: an upstream's chunked response trailers go on
after the client's last chunk, minus hop-by-hop and forbidden fields; an
HTTP/1.0 client or an encoded body gets none; an oversized trailer section
cuts the response off; `TE: trailers` goes up, other TE values do not.

Upstreams are raw sockets on 127.0.0.1 (proxy_upstream.py with custom
replies); the client reads raw bytes. Every wait is bounded; no assertion
depends on how long something took."""
import gzip

from ifrit_e2e import E2EError, Server, check
from proxy_upstream import Reply, Upstream, echo_app


def _srv(binary, body):
    return Server(binary, "{\n    workers 1\n}\n:@PORT@ {\n%s\n}\n" % body)


# The upstream's trailer section: two fields that go on, then every kind
# that must not (framing, routing, auth, controls, hop-by-hop, and the one
# its Connection field names).
KEPT = b"X-Checksum: abc123\r\nX-Other:  two words \r\n"
DROPPED = (b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\nHost: evil.test\r\nContent-Type: text/evil\r\n"
           b"Authorization: Basic eDp5\r\nSet-Cookie: a=b\r\nCache-Control: no-store\r\nTrailer: X-More\r\n"
           b"Connection: close\r\nKeep-Alive: timeout=1\r\nTE: trailers\r\nX-Hop: 1\r\n")
BODY_PARTS = (b"hello ", b"world")


def _trailer_app(section, head_extra=b""):
    def app(req):
        def send(c, req):
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTrailer: X-Checksum, X-Other\r\n"
                      b"Connection: X-Hop\r\n" + head_extra + b"Transfer-Encoding: chunked\r\n\r\n")
            for p in BODY_PARTS:
                c.sendall(b"%x\r\n%s\r\n" % (len(p), p))
            c.sendall(b"0\r\n" + section + b"\r\n")
            return True
        return Reply(custom=send)
    return app


def _recv(c):
    chunk = c.sock.recv(65536)
    if not chunk:
        raise E2EError("closed by the server after %r" % c.buf[-200:])
    c.buf += chunk


def _take_line(c):
    while b"\r\n" not in c.buf:
        _recv(c)
    line, c.buf = c.buf.split(b"\r\n", 1)
    return line


def read_raw_chunked(c):
    """Reads one chunked response off Conn c: (head lines, body, the raw
    bytes from the last chunk's size line to the end). Leaves what follows
    in c.buf, so the connection can be used again."""
    head = []
    while True:
        line = _take_line(c)
        if not line:
            break
        head.append(line)
    check(any(l.lower() == b"transfer-encoding: chunked" for l in head), "chunked response: %r" % head)
    body = b""
    while True:
        size_line = _take_line(c)
        size = int(size_line, 16)
        if size == 0:
            break
        while len(c.buf) < size + 2:
            _recv(c)
        body += c.buf[:size]
        check(c.buf[size:size + 2] == b"\r\n", "chunk ends with CRLF")
        c.buf = c.buf[size + 2:]
    tail = size_line + b"\r\n"
    while True:
        line = _take_line(c)
        tail += line + b"\r\n"
        if not line:
            return head, body, tail


def _header(head, name):
    for l in head:
        k, _, v = l.decode("latin-1").partition(":")
        if k.lower() == name.lower():
            return v.strip()
    return None


def test_proxy_trailers_passed_on(binary):
    """Kept fields after the last chunk, in order, OWS trimmed; the
    Trailer field announcing them stays; forbidden ones are gone; both
    connections are reused."""
    with Upstream(_trailer_app(KEPT + DROPPED)) as up, _srv(binary, "reverse_proxy %s" % up.addr) as srv:
        with srv.conn() as c:
            for i in range(3):
                c.send(b"GET /t%d HTTP/1.1\r\nHost: x\r\nTE: trailers\r\n\r\n" % i)
                head, body, tail = read_raw_chunked(c)
                check(head[0].startswith(b"HTTP/1.1 200"), "status: %r" % head)
                check(body == b"".join(BODY_PARTS), "body: %r" % body)
                check(tail == b"0\r\nX-Checksum: abc123\r\nX-Other: two words\r\n\r\n", "trailers: %r" % tail)
                check(_header(head, "Trailer") == "X-Checksum, X-Other", "Trailer field: %r" % head)
                check(_header(head, "X-Hop") is None and _header(head, "Connection") is None, "head: %r" % head)
            check(c.buf == b"", "nothing after the response: %r" % c.buf)
        check(up.connections == 1, "one upstream connection for all: %d" % up.connections)


def test_proxy_trailers_only_forbidden_ones(binary):
    """A section with nothing that may go on ends with a bare last chunk."""
    with Upstream(_trailer_app(DROPPED)) as up, _srv(binary, "reverse_proxy %s" % up.addr) as srv:
        with srv.conn() as c:
            c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            _, body, tail = read_raw_chunked(c)
            check(body == b"".join(BODY_PARTS) and tail == b"0\r\n\r\n", "tail: %r" % tail)


def test_proxy_trailers_not_to_http10(binary):
    """HTTP/1.0 has no chunks: the body ends at the close, no trailer bytes."""
    with Upstream(_trailer_app(KEPT)) as up, _srv(binary, "reverse_proxy %s" % up.addr) as srv:
        with srv.conn() as c:
            c.send(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
            data = c.read_until_close()
            head, _, body = data.partition(b"\r\n\r\n")
            check(head.startswith(b"HTTP/1.1 200"), "status: %r" % head)
            check(b"transfer-encoding" not in head.lower(), "not chunked: %r" % head)
            check(body == b"".join(BODY_PARTS), "only the body: %r" % body)


def test_proxy_trailers_dropped_under_encode(binary):
    """encode re-codes the body: the upstream's trailers no longer describe
    it, and the client gets a bare last chunk."""
    with Upstream(_trailer_app(KEPT)) as up, _srv(binary, "encode gzip\nreverse_proxy %s" % up.addr) as srv:
        with srv.conn() as c:
            c.send(b"GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n")
            head, body, tail = read_raw_chunked(c)
            check(_header(head, "Content-Encoding") == "gzip", "encoded: %r" % head)
            check(gzip.decompress(body) == b"".join(BODY_PARTS), "body")
            check(tail == b"0\r\n\r\n", "no trailers: %r" % tail)
            c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            _, body, tail = read_raw_chunked(c)
            check(body == b"".join(BODY_PARTS) and tail.startswith(b"0\r\nX-Checksum: abc123\r\n"),
                  "not encoded: trailers go on: %r" % tail)


def test_proxy_trailers_oversized_cut_off(binary):
    """A trailer section past 8 KiB: the client's response stops before the
    last chunk and its connection closes; the log names the upstream; the
    server goes on serving."""
    big = b"".join(b"X-Pad-%d: %s\r\n" % (i, b"v" * 1000) for i in range(10))
    with Upstream(_trailer_app(big)) as up, _srv(binary, "reverse_proxy %s" % up.addr) as srv:
        with srv.conn() as c:
            c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            data = c.read_until_close()
            check(data.startswith(b"HTTP/1.1 200"), "head went out: %r" % data[:100])
            check(b"\r\n0\r\n" not in data and b"X-Pad" not in data, "cut off: %r" % data[-200:])
        line = "upstream %s: malformed chunked response body: trailer section too large" % up.addr
        check(srv.wait_log(line), "log line %r missing; log:\n%s" % (line, srv.read_log()[-2000:]))
        with srv.conn() as c:
            c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            data = c.read_until_close()
            check(data.startswith(b"HTTP/1.1 200"), "still serving: %r" % data[:100])


def test_proxy_trailers_malformed_cut_off(binary):
    """obs-fold and a bare CR in a trailer are refused as in a header."""
    for bad in (b"X-A: 1\r\n folded\r\n", b"X-A: 1\rX-B: 2\r\n"):
        with Upstream(_trailer_app(bad)) as up, _srv(binary, "reverse_proxy %s" % up.addr) as srv:
            with srv.conn() as c:
                c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                data = c.read_until_close()
                check(data.startswith(b"HTTP/1.1 200") and b"\r\n0\r\n" not in data, "cut off: %r" % data[-200:])
            check(srv.wait_log("upstream %s: malformed chunked response body" % up.addr), "logged")


def test_proxy_te_trailers_kept(binary):
    """TE: trailers goes up as exactly that; any other TE value stays behind."""
    cases = [(["trailers"], "trailers"), (["gzip, Trailers"], "trailers"), (["gzip", "trailers"], "trailers"),
             (["gzip"], None), (["deflate;q=0.5"], None), ([], None)]
    with Upstream(echo_app) as up, _srv(binary, "reverse_proxy %s" % up.addr) as srv:
        for values, want in cases:
            r = srv.request("GET", "/te", headers=[("TE", v) for v in values] + [("Connection", "TE")])
            check(r.status == 200, "status %d" % r.status)
            seen = [v for k, v in up.requests[-1].headers if k.lower() == "te"]
            check(seen == ([want] if want else []), "TE %r went up as %r" % (values, seen))
