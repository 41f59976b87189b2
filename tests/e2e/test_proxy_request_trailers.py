"""reverse_proxy and a client's request trailers: a chunked request body
goes up chunked, announced by the client's Trailer field, and its trailer
fields follow the last chunk, minus hop-by-hop ones, those the request's
Connection field names and those RFC 9110 section 6.5.1 forbids in a
trailer (the list of test_proxy_trailers). Caddy 2.6.2 announces them too
but sends an empty trailer section (Go's proxy clones the request before
its body, and so its trailers, is read): ifrit passes them on.

The upstream is a raw socket on 127.0.0.1 that records the exact bytes of
each request; every wait is bounded."""
import socket
import threading

from ifrit_e2e import Server, check

WAIT = 10.0


class RawUpstream:
    """Accepts connections and reads chunked or sized requests, keeping the
    raw bytes of each; answers 200 "ok" to each."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(WAIT)
        self.port = self.sock.getsockname()[1]
        self.requests = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        # shutdown() wakes the accept() the thread is blocked in (close() alone does not).
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.thread.join(WAIT)

    def _run(self):
        try:
            while True:
                c, _ = self.sock.accept()
                threading.Thread(target=self._serve, args=(c,), daemon=True).start()
        except OSError:
            pass

    def _serve(self, c):
        c.settimeout(WAIT)
        buf = b""
        try:
            while True:
                while b"\r\n\r\n" not in buf:
                    d = c.recv(65536)
                    if not d:
                        return
                    buf += d
                head, _, rest = buf.partition(b"\r\n\r\n")
                raw = head + b"\r\n\r\n"
                lower = head.lower()
                if b"transfer-encoding: chunked" in lower:
                    # Chunks up to the last one, then the trailer section up to an empty line.
                    while True:
                        while b"\r\n" not in rest:
                            rest += c.recv(65536)
                        line, _, after = rest.partition(b"\r\n")
                        size = int(line.split(b";")[0], 16)
                        if size == 0:
                            raw += line + b"\r\n"
                            rest = after
                            while not (rest.startswith(b"\r\n") or b"\r\n\r\n" in rest):
                                rest += c.recv(65536)
                            if rest.startswith(b"\r\n"):
                                raw += b"\r\n"
                                rest = rest[2:]
                            else:
                                section, _, rest = rest.partition(b"\r\n\r\n")
                                raw += section + b"\r\n\r\n"
                            break
                        while len(after) < size + 2:
                            after += c.recv(65536)
                        raw += line + b"\r\n" + after[:size + 2]
                        rest = after[size + 2:]
                else:
                    n = 0
                    for l in lower.split(b"\r\n"):
                        if l.startswith(b"content-length:"):
                            n = int(l.split(b":")[1])
                    while len(rest) < n:
                        rest += c.recv(65536)
                    raw += rest[:n]
                    rest = rest[n:]
                self.requests.append(raw)
                buf = rest
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        except OSError:
            pass
        finally:
            c.close()


def _trailer_section(raw):
    """The bytes after the last chunk's size line."""
    head, _, body = raw.partition(b"\r\n\r\n")
    i = body.rfind(b"0\r\n")
    return body[i + 3:]


def _head_field(raw, name):
    for l in raw.partition(b"\r\n\r\n")[0].split(b"\r\n")[1:]:
        k, _, v = l.partition(b":")
        if k.strip().lower() == name.lower():
            return v.strip()
    return None


def test_proxy_request_trailers_go_up(binary):
    with RawUpstream() as up, Server(binary, "{\n workers 1\n}\n:@PORT@ {\n reverse_proxy 127.0.0.1:%d\n}\n" % up.port) as srv:
        req = (b"POST /t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum, X-Other\r\n"
               b"Connection: X-Hop\r\n\r\n"
               b"5\r\nhello\r\n6\r\n world\r\n0\r\n"
               b"X-Sum: 42\r\nContent-Type: text/evil\r\nAuthorization: Basic eDp5\r\nX-Hop: 1\r\n"
               b"TE: trailers\r\nX-Other:  two words \r\n\r\n")
        # Then a chunked request without trailers, and a sized one, on the same connection.
        req2 = b"POST /u HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
        req3 = b"POST /v HTTP/1.1\r\nHost: x\r\nTrailer: X-Sum\r\nContent-Length: 3\r\n\r\nabc"
        with srv.conn() as c:
            for data in (req, req2, req3):
                c.send(data)
                r = c.read_response()
                check(r.status == 200 and r.body == b"ok", "answer: %r" % r)
        check(len(up.requests) == 3, "requests seen: %d" % len(up.requests))
        first, second, third = up.requests
        check(_head_field(first, b"Trailer") == b"X-Sum, X-Other", "the announcement goes up: %r" % first[:400])
        check(b"5\r\nhello\r\n6\r\n world\r\n" in first, "the chunks: %r" % first)
        check(_trailer_section(first) == b"X-Sum: 42\r\nX-Other: two words\r\n\r\n",
              "the kept trailer fields, in order: %r" % _trailer_section(first))
        check(_trailer_section(second) == b"\r\n", "no trailers: a bare last chunk: %r" % second)
        check(_head_field(second, b"Trailer") is None, "nothing announced")
        check(_head_field(third, b"Trailer") is None and third.endswith(b"\r\n\r\nabc"),
              "a sized body has no trailers to announce: %r" % third)


def test_proxy_request_trailers_after_paused_body(binary):
    """A body larger than the proxy's buffers (paused and resumed), then
    the trailer section split across reads."""
    with RawUpstream() as up, Server(binary, "{\n workers 1\n}\n:@PORT@ {\n reverse_proxy 127.0.0.1:%d\n}\n" % up.port) as srv:
        chunk = b"z" * 65536
        with srv.conn() as c:
            c.send(b"PUT /big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            for _ in range(16):
                c.send(b"10000\r\n" + chunk + b"\r\n")
            c.send(b"0\r\nX-Dig")
            c.send(b"est: sha-256=abc\r\n")
            c.send(b"\r\n")
            r = c.read_response()
            check(r.status == 200, "answer: %r" % r)
        check(len(up.requests) == 1, "requests seen: %d" % len(up.requests))
        raw = up.requests[0]
        check(raw.count(b"z") == 16 * 65536, "the whole body went up: %d" % raw.count(b"z"))
        check(_trailer_section(raw) == b"X-Digest: sha-256=abc\r\n\r\n", "trailer: %r" % _trailer_section(raw)[:200])
