"""Issue 14 (robustness), the HTTP/1.1 category that held: request smuggling
and framing. A broad table of requests an attacker sends to make two
parsers disagree on where a request ends (CL+TE, duplicate or malformed
Content-Length, obfuscated Transfer-Encoding, chunk-size tricks, bare CR or
LF, obs-fold, control bytes in names and values, over-long lines, absolute
targets, Host rules), each followed on the same connection by a request for
/smuggled. Every refusal must be the status docs/server.md gives, followed
by the connection's close with nothing more: the smuggled request is never
answered (nor any byte after the refused head parsed). Requests that are
valid must be framed exactly: the body the function echoes is the body that
was sent, and the request after it is answered on its own.

tests/e2e/cases/server/errors.t has the basic vectors; this goes beyond."""
import os

from ifrit_e2e import GUESTS, Server, built, check

SMUGGLED = b"GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
LAST = b"GET /last HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"

CONFIG = """{
	admin off
	auto_https off
	servers {
		timeouts {
			read_header 3s
			read_body 3s
			idle 3s
		}
	}
}
:@PORT@ {
	respond /smuggled "SMUGGLED"
	respond /last "last"
	handle /echo* {
		wasm %s
	}
	respond "ok"
}
"""


def req(head_lines, body=b"", method="POST", target="/echo", version="HTTP/1.1"):
    """A request with exactly these header lines (no Host added)."""
    head = "%s %s %s\r\n" % (method, target, version) + "".join(line + "\r\n" for line in head_lines) + "\r\n"
    return head.encode("latin-1") + body


def te(value, body=b"0\r\n\r\n"):
    return req(["Host: a", "Transfer-Encoding: " + value], body)


def cl(value, body=b"hello"):
    return req(["Host: a", "Content-Length: " + value], body)


def chunked(body):
    return req(["Host: a", "Transfer-Encoding: chunked"], body)


def get_with(*lines):
    return req(["Host: a"] + list(lines), method="GET", target="/")


# Refusals: (name, bytes before the smuggled request, status).
REFUSED = [
    # Content-Length and Transfer-Encoding together, in either order.
    ("CL then TE", req(["Host: a", "Content-Length: 6", "Transfer-Encoding: chunked"], b"0\r\n\r\nX"), 400),
    ("TE then CL", req(["Host: a", "Transfer-Encoding: chunked", "Content-Length: 6"], b"0\r\n\r\nX"), 400),
    ("CL 0 with TE", req(["Host: a", "Content-Length: 0", "Transfer-Encoding: chunked"], b"0\r\n\r\n"), 400),
    ("CL with TE gzip, chunked", req(["Host: a", "Content-Length: 5", "Transfer-Encoding: gzip, chunked"], b"0\r\n\r\n"), 400),
    ("CL with TE on HTTP/1.0", req(["Content-Length: 5", "Transfer-Encoding: chunked"], b"0\r\n\r\n", version="HTTP/1.0"), 400),
    # Duplicate or conflicting Content-Length.
    ("two equal CL fields", req(["Host: a", "Content-Length: 5", "Content-Length: 5"], b"hello"), 400),
    ("two different CL fields", req(["Host: a", "Content-Length: 5", "Content-Length: 0"], b"hello"), 400),
    ("CL list of different values", cl("5, 0"), 400),
    ("CL list with an empty member", cl("5,"), 400),
    ("CL list of three", cl("5,5,5"), 400),
    ("CL far apart", req(["Host: a", "Content-Length: 5", "X-A: 1", "content-length: 5"], b"hello"), 400),
    # Content-Length that is not a plain decimal.
    ("CL with plus sign", cl("+5"), 400),
    ("CL negative", cl("-5"), 400),
    ("CL hex", cl("0x5"), 400),
    ("CL exponent", cl("5e0"), 400),
    ("CL decimal point", cl("5.0"), 400),
    ("CL inner space", cl("5 5"), 400),
    ("CL empty", cl(""), 400),
    ("CL letters", cl("five"), 400),
    ("CL 2^64", cl("18446744073709551616"), 400),
    ("CL 2^63", cl("9223372036854775808"), 400),
    ("CL 30 digits", cl("9" * 30), 400),
    ("CL with NUL", cl("5\x00"), 400),
    ("CL with vertical tab", cl("5\x0b"), 400),
    ("CL with form feed", cl("\x0c5"), 400),
    ("CL with comma-prefixed value", cl(",5"), 400),
    ("CL name with space before colon", req(["Host: a", "Content-Length : 5"], b"hello"), 400),
    ("CL name with tab before colon", req(["Host: a", "Content-Length\t: 5"], b"hello"), 400),
    ("CL folded onto next line", req(["Host: a", "Content-Length:", " 5"], b"hello"), 400),
    # Transfer-Encoding variants.
    ("TE chunked twice in a list", te("chunked, chunked"), 400),
    ("TE chunked in two fields", req(["Host: a", "Transfer-Encoding: chunked", "Transfer-Encoding: chunked"], b"0\r\n\r\n"), 400),
    ("TE chunked then identity fields", req(["Host: a", "Transfer-Encoding: chunked", "Transfer-Encoding: identity"], b"0\r\n\r\n"), 400),
    ("TE identity alone", te("identity"), 400),
    ("TE gzip alone", te("gzip"), 400),
    ("TE chunked then gzip", te("chunked, gzip"), 400),
    ("TE chunkedx", te("chunkedx"), 400),
    ("TE chunk", te("chunk"), 400),
    ("TE chunked with parameter", te("chunked;q=1"), 400),
    ("TE quoted chunked", te('"chunked"'), 400),
    ("TE with vertical tab", te("chunked\x0b"), 400),
    ("TE with NUL", te("chunked\x00"), 400),
    ("TE folded", req(["Host: a", "Transfer-Encoding:", " chunked"], b"0\r\n\r\n"), 400),
    ("TE name with space before colon", req(["Host: a", "Transfer-Encoding : chunked"], b"0\r\n\r\n"), 400),
    ("TE name with tab before colon", req(["Host: a", "Transfer-Encoding\t: chunked"], b"0\r\n\r\n"), 400),
    ("TE name with NUL", req(["Host: a", "Transfer\x00Encoding: chunked"], b"0\r\n\r\n"), 400),
    ("TE name with leading space (obs-fold)", req(["Host: a", " Transfer-Encoding: chunked"], b"0\r\n\r\n"), 400),
    ("TE on HTTP/1.0", req(["Transfer-Encoding: chunked"], b"5\r\nhello\r\n0\r\n\r\n", version="HTTP/1.0"), 400),
    ("TE on HTTP/1.0 with Host", req(["Host: a", "Transfer-Encoding: chunked"], b"0\r\n\r\n", version="HTTP/1.0"), 400),
    ("TE unknown coding before chunked", te("x-smuggle, chunked"), 501),
    ("TE deflate before chunked", te("deflate, chunked"), 501),
    # Chunked framing the echo function reads.
    ("chunk size of 16 hex digits", chunked(b"ffffffffffffffff\r\nhello\r\n0\r\n\r\n"), 400),
    ("chunk size of 20 hex digits", chunked(b"1" + b"0" * 19 + b"\r\nhello\r\n0\r\n\r\n"), 400),
    ("chunk size negative", chunked(b"-5\r\nhello\r\n0\r\n\r\n"), 400),
    ("chunk size with plus", chunked(b"+5\r\nhello\r\n0\r\n\r\n"), 400),
    ("chunk size with 0x", chunked(b"0x5\r\nhello\r\n0\r\n\r\n"), 400),
    ("chunk size not hex", chunked(b"zz\r\nhello\r\n0\r\n\r\n"), 400),
    ("chunk size empty", chunked(b"\r\nhello\r\n0\r\n\r\n"), 400),
    ("chunk size with inner space", chunked(b"5 5\r\nhello\r\n0\r\n\r\n"), 400),
    ("chunk size bare LF", chunked(b"5\nhello\r\n0\r\n\r\n"), 400),
    ("chunk size bare CR", chunked(b"5\rhello\r\n0\r\n\r\n"), 400),
    ("chunk data longer than its size", chunked(b"3\r\nhello\r\n0\r\n\r\n"), 400),
    ("chunk data shorter than its size", chunked(b"9\r\nhello\r\n0\r\n\r\n"), 400),
    ("chunk data ends in bare LF", chunked(b"5\r\nhello\n0\r\n\r\n"), 400),
    ("chunk data ends in nothing", chunked(b"5\r\nhello0\r\n\r\n"), 400),
    ("chunk extension with bare LF", chunked(b"5;a=b\nhello\r\n0\r\n\r\n"), 400),
    ("chunk extension with NUL", chunked(b"5;a=\x00\r\nhello\r\n0\r\n\r\n"), 400),
    ("chunk size line over 4 KiB", chunked(b"5;" + b"a" * 5000 + b"\r\nhello\r\n0\r\n\r\n"), 400),
    ("trailer with bare LF", chunked(b"5\r\nhello\r\n0\r\nX-T: 1\n\r\n"), 400),
    ("trailer without colon", chunked(b"5\r\nhello\r\n0\r\nnot a field\r\n\r\n"), 400),
    ("trailer folded", chunked(b"5\r\nhello\r\n0\r\nX-T: 1\r\n folded\r\n\r\n"), 400),
    ("trailer with NUL", chunked(b"5\r\nhello\r\n0\r\nX-T: \x00\r\n\r\n"), 400),
    # Line endings and header syntax.
    ("bare LF after the request line", b"GET / HTTP/1.1\nHost: a\r\n\r\n", 400),
    ("bare LF ending the head", b"GET / HTTP/1.1\r\nHost: a\n\n", 400),
    ("bare CR in the request line", b"GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ("bare CR inside a value", get_with("X-A: a\rb"), 400),
    ("LF CR instead of CRLF", b"GET / HTTP/1.1\n\rHost: a\n\r\n\r", 400),
    ("obs-fold with tab", get_with("X-A: 1", "\tfolded"), 400),
    ("header name with space inside", get_with("X A: 1"), 400),
    ("header name empty", get_with(": 1"), 400),
    ("header line without colon", get_with("X-A 1"), 400),
    ("header name with DEL", get_with("X-\x7fA: 1"), 400),
    ("header name with a non-token byte", get_with("X-(A): 1"), 400),
    ("header name with 8-bit byte", get_with("X-\xe9: 1"), 400),
    ("header value with DEL", get_with("X-A: a\x7fb"), 400),
    ("header value with escape", get_with("X-A: a\x1bb"), 400),
    ("NUL in the request line", b"GET /\x00 HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ("NUL in a header name", get_with("X-\x00A: 1"), 400),
    ("NUL as the first byte", b"\x00GET / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    # The request line.
    ("two spaces after the method", b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ("tab between method and target", b"GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ("space in the target", b"GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ("trailing space after the version", b"GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400),
    ("lower-case version", b"GET / http/1.1\r\nHost: a\r\n\r\n", 400),
    ("version with two digits", b"GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400),
    ("version without minor", b"GET / HTTP/1\r\nHost: a\r\n\r\n", 400),
    ("method with a slash", b"G/T / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ("empty method", b" / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ("target not starting with / nor a scheme", b"GET a/b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ("request line of HTTP/0.9", b"GET /\r\n", 400),
    ("HTTP/3.0", b"GET / HTTP/3.0\r\nHost: a\r\n\r\n", 505),
    ("HTTP/0.9 spelt out", b"GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505),
    ("request line over 8 KiB in the query", b"GET /?" + b"q" * 9000 + b" HTTP/1.1\r\nHost: a\r\n\r\n", 414),
    # Sizes of the head.
    ("one header line over 32 KiB", get_with("X-Big: " + "v" * 33000), 431),
    ("101 header fields", get_with(*["X-%d: v" % i for i in range(100)]), 431),
    ("many folded lines", get_with("X-A: 1", *[" f"] * 20), 400),
    ("folded lines past 100 fields", get_with("X-A: 1", *[" f"] * 200), 431),
    # Host rules.
    ("Host missing on HTTP/1.1", b"GET / HTTP/1.1\r\nX-A: 1\r\n\r\n", 400),
    ("Host twice with the same value", get_with("Host: a"), 400),
    ("Host with a space", b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
    ("Host with a slash", b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400),
    ("Host with userinfo", b"GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", 400),
    ("Host with a bad port", b"GET / HTTP/1.1\r\nHost: a:abc\r\n\r\n", 400),
    ("Host with a port past 65535", b"GET / HTTP/1.1\r\nHost: a:65536\r\n\r\n", 400),
    ("Host with two ports", b"GET / HTTP/1.1\r\nHost: a:1:2\r\n\r\n", 400),
    ("Host as a list", b"GET / HTTP/1.1\r\nHost: a, b\r\n\r\n", 400),
    ("Host with NUL", b"GET / HTTP/1.1\r\nHost: a\x00b\r\n\r\n", 400),
    ("absolute target with a bad port", b"GET http://a:x/ HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ("absolute target with userinfo", b"GET http://u@a/ HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ("absolute target with user and password", b"GET http://u:p@a/x HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ("absolute target with an empty host", b"GET http:/// HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ("absolute target with a port and no host", b"GET http://:80/ HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ("absolute target with a fragment", b"GET http://a/#f HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ("absolute target of another scheme", b"GET ftp://a/ HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ("absolute target with a backslash", b"GET http://a\\b/ HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ("CONNECT authority form", b"CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n", 501),
    ("asterisk form on GET", b"GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    # A refused request followed by more than one pipelined request.
    ("bad CL then two requests", cl("x") + SMUGGLED, 400),
    ("Expect other than 100-continue", req(["Host: a", "Expect: 200-ok", "Content-Length: 5"], b"hello"), 417),
]

# Valid framing: (name, bytes, the echoed body). LAST follows each; both
# are answered and the connection closes after LAST.
ACCEPTED = [
    ("CL with leading and trailing OWS", cl(" 5\t"), b"hello"),
    ("CL zero", cl("0", b""), b""),
    ("CL with leading zeros", cl("0005"), b"hello"),
    ("TE mixed case", te("ChUnKeD", b"5\r\nhello\r\n0\r\n\r\n"), b"hello"),
    ("TE with OWS", te(" chunked \t", b"5\r\nhello\r\n0\r\n\r\n"), b"hello"),
    ("chunk size upper-case hex", chunked(b"A\r\n0123456789\r\n0\r\n\r\n"), b"0123456789"),
    ("chunk size with many leading zeros", chunked(b"0" * 30 + b"5\r\nhello\r\n" + b"0" * 30 + b"\r\n\r\n"), b"hello"),
    ("chunk extensions are ignored", chunked(b"5;name=value;x\r\nhello\r\n0;last\r\n\r\n"), b"hello"),
    ("chunk extension with quoted string", chunked(b'5;a="b;c"\r\nhello\r\n0\r\n\r\n'), b"hello"),
    ("chunk extension with OWS", chunked(b"5 ;a=b\r\nhello\r\n0\r\n\r\n"), b"hello"),
    ("trailers are dropped", chunked(b"5\r\nhello\r\n0\r\nX-T: 1\r\nX-U: 2\r\n\r\n"), b"hello"),
    ("a body holding a request", cl(str(len(SMUGGLED)), SMUGGLED), SMUGGLED),
    ("a chunk holding a request", chunked(b"%x\r\n%s\r\n0\r\n\r\n" % (len(SMUGGLED), SMUGGLED)), SMUGGLED),
    ("many small chunks", chunked(b"".join(b"1\r\n%c\r\n" % c for c in b"abcdefghij") + b"0\r\n\r\n"), b"abcdefghij"),
    ("HTTP/1.0 with CL and keep-alive",
     req(["Connection: keep-alive", "Content-Length: 5"], b"hello", version="HTTP/1.0"), b"hello"),
    ("absolute-form target", req(["Host: a", "Content-Length: 5"], b"hello", target="http://other/echo"), b"hello"),
]


def echo_guest():
    return built(os.path.join(GUESTS, "fn_echo.wasm"))


def refused_case(srv, name, data, status):
    with srv.conn() as c:
        try:
            c.send(data + SMUGGLED)
        except OSError:
            pass   # the server may close while a long request is still going out
        r = c.read_response("POST")
        check(r.status == status, "%s: expected %d, got %r" % (name, status, r))
        check(r.header("Connection", "").lower() == "close", "%s: no Connection: close on %r" % (name, r))
        rest = c.read_until_close()
        check(b"SMUGGLED" not in rest and b"HTTP/1." not in rest,
              "%s: more after the refusal: %r" % (name, rest[:300]))


def accepted_case(srv, name, data, body):
    with srv.conn() as c:
        c.send(data + LAST)
        r = c.read_response("POST")
        check(r.status == 200 and r.body == body, "%s: expected 200 %r, got %r" % (name, body, r))
        r = c.read_response()
        check(r.status == 200 and r.body == b"last", "%s: the next request: %r" % (name, r))
        rest = c.read_until_close()
        check(rest == b"", "%s: more after the last response: %r" % (name, rest[:300]))


def test_smuggling_refusals(binary):
    """Issue 14, smuggling and framing: each vector of REFUSED gets its
    status with Connection: close, and the pipelined /smuggled request
    after it is never answered."""
    failures = []
    with Server(binary, CONFIG % echo_guest()) as srv:
        for name, data, status in REFUSED:
            try:
                refused_case(srv, name, data, status)
            except Exception as e:   # collect all, report together
                failures.append(str(e))
        check(srv.request("GET", "/").body == b"ok", "the server stopped serving")
    check(not failures, "%d of %d refusals wrong:\n%s" % (len(failures), len(REFUSED), "\n".join(failures)))


def test_smuggling_valid_framing(binary):
    """Issue 14, smuggling and framing: the valid forms around each refusal
    (OWS, leading zeros, extensions, trailers, a body that looks like a
    request) are framed exactly: the echoed body is the one sent and the
    next request is answered on its own."""
    failures = []
    with Server(binary, CONFIG % echo_guest()) as srv:
        for name, data, body in ACCEPTED:
            try:
                accepted_case(srv, name, data, body)
            except Exception as e:
                failures.append(str(e))
    check(not failures, "%d of %d valid requests wrong:\n%s" % (len(failures), len(ACCEPTED), "\n".join(failures)))


def test_request_after_a_400_is_not_parsed(binary):
    """Issue 14, smuggling: a request refused mid-head ends the connection;
    a well-formed request sent after the 400 on the same connection (after
    the client read the refusal) gets no answer."""
    with Server(binary, CONFIG % echo_guest()) as srv:
        with srv.conn() as c:
            c.send(b"GET / HTTP/1.1\r\nHost: a\r\nBad Name: 1\r\n\r\n")
            r = c.read_response()
            check(r.status == 400, r)
            try:
                c.send(SMUGGLED)
            except OSError:
                pass
            rest = c.read_until_close()
            check(b"SMUGGLED" not in rest and rest == b"", "answered after the 400: %r" % rest[:300])


def test_pipelined_requests_after_valid_ones_then_refused(binary):
    """Issue 14, smuggling: in one pipelined send, the valid requests before
    a refused one are answered in order, the refused one gets 400, and the
    /smuggled request after it never runs."""
    with Server(binary, CONFIG % echo_guest()) as srv:
        with srv.conn() as c:
            good = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
            c.send(good + cl("5") + good + cl("5, 5") + SMUGGLED)
            statuses = [c.read_response("POST").status for _ in range(4)]
            check(statuses == [200, 200, 200, 400], statuses)
            rest = c.read_until_close()
            check(rest == b"", "more after the refusal: %r" % rest[:300])
