"""Issue 14 (robustness), the malicious-upstream category that held: a
reverse_proxy upstream (a socket server in this test) that answers with a
garbage status line, huge or endless headers, bad chunked framing, a
Content-Length longer than what it sends, a response before the request is
read, a flood of 1xx, nothing at all, a close mid-body, a second response
after the first, or Transfer-Encoding with Content-Length. The client gets
a 502/504, or a response cut off by a close (never completed with made-up
bytes), never a smuggled or mixed response; the server stays up and a
request to a sane route works after each."""
import socket
import threading

from ifrit_e2e import E2EError, IO_TIMEOUT, Server, build_request, check

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
SMUGGLED = b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nSMUGGLED"

# (name, what the upstream does: "read" the head first or not, the bytes
# it sends, then "close" or "hang").
CASES = [
    ("garbage status line", True, b"HELLO WORLD\r\n\r\n", "close"),
    ("status of four digits", True, b"HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n", "close"),
    ("header of 200 KiB", True, b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 200000 + b"\r\n\r\n", "close"),
    ("endless headers", True, b"HTTP/1.1 200 OK\r\n" + b"X-A: b\r\n" * 200000, "hang"),
    ("bad chunk size", True, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", "close"),
    ("chunk longer than its size", True,
     b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhello\r\n0\r\n\r\n", "close"),
    ("Content-Length longer than the body", True, b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", "close"),
    ("two Content-Lengths", True, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 8\r\n\r\nokSMUGGLED", "close"),
    ("Transfer-Encoding and Content-Length", True,
     b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n", "close"),
    ("bare LF in the head", True, b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok", "close"),
    ("header with NUL", True, b"HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 2\r\n\r\nok", "close"),
    ("response before the request is read", False, OK, "hang"),
    ("a flood of 1xx", True, b"HTTP/1.1 100 Continue\r\n\r\n" * 5000 + OK, "close"),
    ("never answers", True, b"", "hang"),
    ("closes at once", True, b"", "close"),
    ("closes mid-head", True, b"HTTP/1.1 200 OK\r\nContent-Le", "close"),
    ("closes mid-body of a chunked response", True,
     b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", "close"),
    ("a second response after the first", True, OK + SMUGGLED, "hang"),
    ("101 without an upgrade asked", True, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n" + SMUGGLED, "close"),
]


# Cases whose first response is well-formed enough to pass on (as Go's
# proxy does): the client gets exactly it.
PASSED_ON = {"response before the request is read", "a second response after the first", "a flood of 1xx",
             "bare LF in the head"}


class Upstream:
    """One misbehaving upstream on a free port; each connection gets the
    same treatment."""

    def __init__(self, read_first, data, then):
        self.read_first, self.data, self.then = read_first, data, then
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.conns = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            self.conns.append(c)
            threading.Thread(target=self.one, args=(c,), daemon=True).start()

    def one(self, c):
        try:
            c.settimeout(IO_TIMEOUT)
            if self.read_first:
                buf = b""
                while b"\r\n\r\n" not in buf:
                    chunk = c.recv(65536)
                    if not chunk:
                        return
                    buf += chunk
            c.sendall(self.data)
            if self.then == "close":
                c.close()
        except OSError:
            pass

    def close(self):
        self.stop.set()
        self.thread.join()
        for c in self.conns:
            c.close()
        self.sock.close()


CONFIG = """{
	admin off
	auto_https off
}
:@PORT@ {
	respond /alive "alive"
	reverse_proxy 127.0.0.1:%d {
		transport http {
			response_header_timeout 2s
		}
	}
}
"""


def outcome(srv):
    """What a client sees: ('status', n) for a complete response, or
    ('cut', status) when the server closed it before its end."""
    with srv.conn() as c:
        c.send(build_request("GET", "/p"))
        try:
            r = c.read_response()
        except E2EError as e:
            return "cut", str(e)
        return "complete", r, c.buf


def test_hostile_upstreams(binary):
    """Issue 14, malicious upstreams: for each case the client gets a
    502/504 or a response cut off by a close, never the SMUGGLED bytes as
    a response or a body, and the server keeps serving."""
    bad = []
    for label, read_first, data, then in CASES:
        up = Upstream(read_first, data, then)
        try:
            with Server(binary, CONFIG % up.port) as srv:
                got = outcome(srv)
                if got[0] == "complete":
                    r, rest = got[1], got[2]
                    if r.status not in (502, 504) and not (label in PASSED_ON and r.body == b"ok"):
                        bad.append("%s: %r" % (label, r))
                    if b"SMUGGLED" in r.body or b"SMUGGLED" in rest:
                        bad.append("%s: smuggled bytes reached the client: %r" % (label, r))
                # The next exchange on a fresh connection is its own.
                second = outcome(srv)
                if second[0] == "complete" and b"SMUGGLED" in second[1].body:
                    bad.append("%s: the second response was smuggled: %r" % (label, second[1]))
                alive = srv.request("GET", "/alive")
                if alive.body != b"alive":
                    bad.append("%s: not serving after it: %r" % (label, alive))
        except Exception as e:   # noqa: BLE001 - collect, report all
            bad.append("%s: %s" % (label, e))
        finally:
            up.close()
    check(not bad, "%d of %d wrong:\n%s" % (len(bad), len(CASES), "\n".join(bad)))


def test_good_responses_after_hostile_ones_are_their_own(binary):
    """Issue 14, malicious upstreams: with an upstream that sends a second
    response after each first, ten requests in a row on one client
    connection each get "ok", never the extra bytes."""
    up = Upstream(True, OK + SMUGGLED, "hang")
    try:
        with Server(binary, CONFIG % up.port) as srv:
            with srv.conn() as c:
                for i in range(10):
                    c.send(build_request("GET", "/p%d" % i))
                    r = c.read_response()
                    check(r.status == 200 and r.body == b"ok", "request %d: %r" % (i, r))
    finally:
        up.close()
