"""Issue 18: FastCGI applications that do not speak FastCGI as they should.
A responder written here reads each request (BEGIN_REQUEST, PARAMS, STDIN)
and answers with what the case wants: garbage, an HTTP answer, another
request id, a record type it may not send, a head that never ends, an
END_REQUEST of the wrong size, a close inside the head or the body, a
Content-Length it does not keep, an overloaded refusal, nothing at all.
Before the head, ifrit answers 502 (504 for read_timeout) and logs a
line naming the fault; after it, the client's connection is cut; either
way the server serves the next request. It also counts connections and
the keep-conn flag: a connection per request by default, one kept with
keepalive."""
import socket
import struct
import threading

from ifrit_e2e import Server, check

BEGIN, END, PARAMS, STDIN, STDOUT, STDERR = 1, 3, 4, 5, 6, 7
IO_TIMEOUT = 10.0


def rec(kind, rid, content=b"", pad=0):
    return struct.pack(">BBHHBB", 1, kind, rid, len(content), pad, 0) + content + b"\0" * pad


def stdout(rid, data):
    out = b""
    for i in range(0, len(data), 65535):
        out += rec(STDOUT, rid, data[i:i + 65535])
    return out


def end(rid, app=0, proto=0):
    return rec(END, rid, struct.pack(">IB3x", app, proto))


GOOD = b"Content-Type: text/plain\r\n\r\nfine"

# What the responder sends back for a request whose path ends with the key
# (None: close without a word; "hang": read the request, say nothing).
ANSWERS = {
    "good": lambda rid: stdout(rid, GOOD) + rec(STDOUT, rid) + end(rid),
    "garbage": lambda rid: b"\xde\xad\xbe\xef" * 64,
    "http": lambda rid: b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
    "other-id": lambda rid: stdout(rid + 1, GOOD) + rec(STDOUT, rid + 1) + end(rid + 1),
    "params-back": lambda rid: rec(PARAMS, rid, b"\x01\x01ab"),
    "unknown-type": lambda rid: rec(11, 0, b"\x05" + b"\0" * 7),
    "endless-head": lambda rid: stdout(rid, b"X-Long: " + b"a" * 70000),
    "bad-status": lambda rid: stdout(rid, b"Status: nope\r\n\r\n") + rec(STDOUT, rid) + end(rid),
    "chunked": lambda rid: stdout(rid, b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n") + rec(STDOUT, rid) + end(rid),
    "short-end": lambda rid: stdout(rid, GOOD) + rec(STDOUT, rid) + rec(END, rid, b"\0\0\0\0"),
    "overloaded": lambda rid: end(rid, proto=2),
    "no-head": lambda rid: rec(STDOUT, rid) + end(rid),
    "half-head": lambda rid: stdout(rid, b"Content-Type: text/pl") + rec(STDOUT, rid) + end(rid),
    "close-in-head": lambda rid: stdout(rid, b"Content-Type: text/pl"),
    "close-in-body": lambda rid: stdout(rid, b"Content-Length: 100000\r\n\r\n" + b"b" * 5000),
    "short-body": lambda rid: stdout(rid, b"Content-Length: 100\r\n\r\nonly this") + rec(STDOUT, rid) + end(rid),
    # Bodies without a length past the 2 KiB ifrit holds back: their head is out.
    "long-then-close": lambda rid: stdout(rid, b"Content-Type: text/plain\r\n\r\n" + b"c" * 10000),
    "long-then-garbage": lambda rid: stdout(rid, b"Content-Type: text/plain\r\n\r\n" + b"g" * 10000) + b"\xff" * 16,
    "after-end": lambda rid: stdout(rid, GOOD) + rec(STDOUT, rid) + stdout(rid, b"more") + end(rid),
    "stderr-flood": lambda rid: b"".join(rec(STDERR, rid, b"e" * 60000) for _ in range(40)) +
    stdout(rid, GOOD) + rec(STDOUT, rid) + end(rid),
    "close": None,
    "hang": "hang",
}


class Responder:
    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.connections = 0
        self.keep_flags = []
        self.lock = threading.Lock()
        self.hung = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def addr(self):
        return "127.0.0.1:%d" % self.sock.getsockname()[1]

    def close(self):
        self.sock.close()
        for c in self.hung:
            c.close()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, c):
        c.settimeout(IO_TIMEOUT)
        f = c.makefile("rb")
        params, keep = b"", False
        try:
            while True:
                head = f.read(8)
                if len(head) < 8:
                    return
                _, kind, rid, clen, plen, _ = struct.unpack(">BBHHBB", head)
                content = f.read(clen)
                f.read(plen)
                if kind == BEGIN:
                    keep = bool(content[2] & 1)
                    with self.lock:
                        self.keep_flags.append(keep)
                    params = b""
                elif kind == PARAMS:
                    params += content
                elif kind == STDIN and clen == 0:
                    name = _pairs(params).get("REQUEST_URI", "").partition("?")[0].rsplit("/", 1)[-1]
                    key = name if name in ANSWERS else "good"
                    answer = ANSWERS[key]
                    if answer == "hang":
                        self.hung.append(c)
                        f.detach()
                        return
                    if answer is None:
                        return
                    c.sendall(answer(rid))
                    if not keep or key != "good":
                        return
        except (OSError, ValueError, struct.error):
            return
        finally:
            if c not in self.hung:
                f.close()
                c.close()


def _pairs(data):
    """FastCGI name-value pairs (1- and 4-byte lengths) as a dict."""
    out, i = {}, 0

    def length():
        nonlocal i
        if data[i] < 128:
            i += 1
            return data[i - 1]
        i += 4
        return struct.unpack(">I", data[i - 4:i])[0] & 0x7FFFFFFF
    while i < len(data):
        nl = length()
        vl = length()
        out[data[i:i + nl].decode("latin-1")] = data[i + nl:i + nl + vl].decode("latin-1")
        i += nl + vl
    return out


def config(addr, options=""):
    return """{
	workers 1
}
:@PORT@ {
	reverse_proxy %s {
		transport fastcgi {
%s		}
	}
}
""" % (addr, options)


def test_broken_answers_before_the_head_are_502(binary):
    faults = {
        "garbage": "another version", "http": "another version", "other-id": "another request id",
        "params-back": "does not send", "unknown-type": "did not know a record type",
        "endless-head": "larger than 64 KiB", "bad-status": "CGI Status", "chunked": "Transfer-Encoding",
        "overloaded": "overloaded", "no-head": "ended without a response",
        "half-head": "ended inside its CGI head", "close-in-head": "closed the connection",
        "close": "closed the connection without responding",
        # A short body without a length is held until the end: a fault
        # there is still before anything went to the client.
        "short-end": "not 8 bytes", "after-end": "after the end of STDOUT",
    }
    up = Responder()
    try:
        with Server(binary, config(up.addr)) as srv:
            for path, words in faults.items():
                r = srv.request("GET", "/" + path)
                check(r.status == 502, "%s: %r" % (path, r))
                check(srv.wait_log(words), "%s: no log line with %r: %s" % (path, words, srv.read_log()[-1500:]))
                r = srv.request("GET", "/good")
                check(r.status == 200 and r.body == b"fine", "after %s: %r" % (path, r))
    finally:
        up.close()


def test_broken_answers_after_the_head_cut_the_response(binary):
    up = Responder()
    try:
        with Server(binary, config(up.addr)) as srv:
            for path, words in (("close-in-body", "before END_REQUEST"),
                                ("short-body", "shorter than its Content-Length"),
                                ("long-then-close", "before END_REQUEST"),
                                ("long-then-garbage", "another version")):
                with srv.conn() as c:
                    c.send(b"GET /%s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
                    data = c.read_until_close()
                check(data.startswith(b"HTTP/1.1 200") and not data.endswith(b"0\r\n\r\n"),
                      "%s: the client must see the cut: %r" % (path, data[-200:]))
                check(srv.wait_log(words), "%s: %s" % (path, srv.read_log()[-1500:]))
                check(srv.request("GET", "/good").body == b"fine", "after " + path)
    finally:
        up.close()


def test_silent_application_and_read_timeout(binary):
    up = Responder()
    try:
        with Server(binary, config(up.addr, "\t\t\tread_timeout 1s\n")) as srv:
            r = srv.request("GET", "/hang")
            check(r.status == 504, r)
            check(srv.wait_log("read_timeout"), srv.read_log()[-1500:])
            check(srv.request("GET", "/good").body == b"fine", "after the timeout")
    finally:
        up.close()


def test_stderr_flood_is_bounded(binary):
    up = Responder()
    try:
        with Server(binary, config(up.addr, "\t\t\tcapture_stderr\n")) as srv:
            r = srv.request("GET", "/stderr-flood")
            check(r.status == 200 and r.body == b"fine", r)
            check(srv.wait_log("more bytes"), srv.read_log()[-500:])
            line = [l for l in srv.read_log().splitlines() if "more bytes" in l][0]
            check(len(line) < 20000, "the stderr line should be bounded: %d bytes" % len(line))
    finally:
        up.close()


def test_connections_per_request_or_kept(binary):
    """Without keepalive, as Caddy: a connection per request and no
    FCGI_KEEP_CONN; with it, one connection serves them all (one worker)."""
    up = Responder()
    try:
        with Server(binary, config(up.addr)) as srv:
            for _ in range(10):
                check(srv.request("GET", "/good").body == b"fine", "plain")
        check(up.connections == 10 and up.keep_flags == [False] * 10, (up.connections, up.keep_flags))
    finally:
        up.close()
    up = Responder()
    try:
        with Server(binary, config(up.addr, "\t\t\tkeepalive 1m\n")) as srv:
            for _ in range(10):
                check(srv.request("GET", "/good").body == b"fine", "kept")
        check(up.connections == 1 and up.keep_flags == [True] * 10, (up.connections, up.keep_flags))
    finally:
        up.close()
