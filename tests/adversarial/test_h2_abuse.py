"""Issue 17 (HTTP/2), limits and abuse: each attack on an HTTP/2 server
that found a hole in servers in the wild, against ifrit's nghttp2 session
and its own budgets (src/server/srv_h2_guard.c, docs/server.md): Rapid
Reset (CVE-2023-44487), the CONTINUATION flood (2024), SETTINGS, PING and
WINDOW_UPDATE floods, a window held at zero, streams left half-open, and a
field section too large. Each must end with the GOAWAY code it names (or
the status), a log line, and the server answering another client at once.
Counts are bounded; the timeouts are short on purpose and nothing checks a
duration, only what the server sent."""
import sys
import os

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))

from h2raw import (ENHANCE_YOUR_CALM, NO_ERROR, RawConn, raw_frame)  # noqa: E402
from ifrit_e2e import Server, check  # noqa: E402

DATA, HEADERS, PRIORITY, RST, SETTINGS, PUSH, PING, GOAWAY, WINDOW, CONT = range(10)
REQ = [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "localhost")]


def _config(timeouts=""):
    return """{
	servers {
		protocols h1 h2 h2c
		%s
	}
}
:@PORT@ {
	respond /big "%s"
	respond "ok"
}
""" % (timeouts, "b" * 100000)


def _others_served(s):
    """Another client is answered over HTTP/2 and HTTP/1.1."""
    with RawConn(s.port) as c:
        c.request(1)
        check(c.response_status(1) == 200, "another HTTP/2 client is answered")
    r = s.request("GET", "/")
    check(r.status == 200, "an HTTP/1.1 client is answered")


def _flood(binary, frame, count, what, log_word):
    with Server(binary, _config()) as s:
        with RawConn(s.port) as c:
            c.send(frame * count)
            g = c.expect_goaway(ENHANCE_YOUR_CALM, what)
            check(g is not None, what)
            c.wait(lambda: c.closed, "the close after GOAWAY")
        _others_served(s)
        check(s.wait_log(log_word), "a log line: " + s.read_log()[-800:])


def test_h2_rapid_reset(binary):
    """Streams opened and reset at once, in one burst: the budget (1000 at
    once) ends the connection before the worker has begun most of them."""
    with Server(binary, _config()) as s:
        with RawConn(s.port) as c:
            burst = b""
            for i in range(3000):
                sid = 1 + 2 * i
                burst += c.headers(sid, REQ) + raw_frame(RST, 0, sid, b"\x00\x00\x00\x08")
            c.send(burst)
            c.expect_goaway(ENHANCE_YOUR_CALM, "Rapid Reset")
            c.wait(lambda: c.closed, "the close after GOAWAY")
            answered = sum(1 for f in c.frames if type(f).__name__ == "HeadersFrame")
            check(answered < 3000, "not every reset stream was served (%d were)" % answered)
        _others_served(s)
        check(s.wait_log("Rapid Reset"), "a log line: " + s.read_log()[-800:])


def test_h2_continuation_flood(binary):
    """A header block that never ends, one CONTINUATION after another:
    cut off after 8 of them, long before its memory matters."""
    with Server(binary, _config()) as s:
        with RawConn(s.port) as c:
            c.send(raw_frame(HEADERS, 0x1, 1, c.enc.encode(REQ)[:2]))
            c.send(raw_frame(CONT, 0, 1, b"\x40\x01a\x01b") * 2000)
            c.wait(lambda: c.closed or c.goaway() is not None, "the end of the flood")
            g = c.goaway()
            check(g is not None and g.error_code == ENHANCE_YOUR_CALM, "GOAWAY ENHANCE_YOUR_CALM: %r" % g)
        _others_served(s)
        check(s.wait_log("closing the connection"), "a log line: " + s.read_log()[-800:])


def test_h2_settings_flood(binary):
    _flood(binary, raw_frame(SETTINGS, 0, 0, b"\x00\x03\x00\x00\x00\x64"), 3000, "SETTINGS flood", "SETTINGS flood")


def test_h2_ping_flood(binary):
    _flood(binary, raw_frame(PING, 0, 0, b"flooding"), 3000, "PING flood", "PING flood")


def test_h2_window_update_flood(binary):
    _flood(binary, raw_frame(WINDOW, 0, 0, b"\x00\x00\x00\x01"), 3000, "WINDOW_UPDATE flood", "WINDOW_UPDATE flood")


def test_h2_empty_data_flood(binary):
    with Server(binary, _config()) as s:
        with RawConn(s.port) as c:
            c.request(1, method="POST", end_stream=False)
            c.send(raw_frame(DATA, 0, 1, b"") * 3000)
            c.wait(lambda: c.goaway() is not None or c.rst(1) is not None, "the end of the flood")
            g = c.goaway()
            # The response to stream 1 may be whole (and the stream reset)
            # before the flood: then the empty frames are on a closed stream.
            check(g is None or g.error_code == ENHANCE_YOUR_CALM, "GOAWAY ENHANCE_YOUR_CALM: %r" % g)
        _others_served(s)


def test_h2_zero_window_held(binary):
    """A client that opens no window for the body it asked for: the
    connection ends after the idle timeout (1s here) with GOAWAY."""
    with Server(binary, _config("timeouts {\n\t\t\tidle 1s\n\t\t}")) as s:
        with RawConn(s.port, settings={4: 0}) as c:
            c.request(1, path="/big")
            c.expect_goaway(NO_ERROR, "GOAWAY once the window stayed closed")
            c.wait(lambda: c.closed, "the close after GOAWAY")
            check(not c.data_of(1), "no DATA into a window of 0")
        _others_served(s)
        check(s.wait_log("window (or socket) stayed closed"), "a log line: " + s.read_log()[-800:])


def test_h2_half_open_streams_waiting_for_bodies(binary):
    """Requests whose bodies never come, to a handler that waits for them
    (a proxy whose upstream accepts and never reads): the connection ends
    after read_body (1s here) with GOAWAY."""
    import socket
    hold = socket.socket()
    hold.bind(("127.0.0.1", 0))
    hold.listen(64)   # accepts in the kernel, never reads: the proxy waits on the body
    port = hold.getsockname()[1]
    try:
        with Server(binary, """{
	servers {
		protocols h1 h2 h2c
		timeouts {
			read_body 1s
		}
	}
}
:@PORT@ {
	reverse_proxy 127.0.0.1:%d
}
""" % port) as s:
            with RawConn(s.port) as c:
                for i in range(20):
                    c.request(1 + 2 * i, method="POST", end_stream=False)
                c.expect_goaway(NO_ERROR, "GOAWAY for streams whose bodies stopped coming")
                c.wait(lambda: c.closed, "the close after GOAWAY")
            check(s.wait_log("a request body stopped coming"), "a log line: " + s.read_log()[-800:])
    finally:
        hold.close()


def test_h2_field_section_too_large(binary):
    """Fields past 40 KiB (HTTP/1.1's request line and field limits) are
    not kept: 431, and the connection serves on."""
    with Server(binary, _config()) as s:
        with RawConn(s.port) as c:
            big = [("x-h%d" % i, "%04d" % i + "v" * 1000) for i in range(50)]
            block = c.enc.encode(REQ + big)
            frames = raw_frame(HEADERS, 0x1, 1, block[:16000])
            rest = block[16000:]
            while rest:
                frames += raw_frame(CONT, 0x4 if len(rest) <= 16000 else 0, 1, rest[:16000])
                rest = rest[16000:]
            c.send(frames)
            check(c.response_status(1) == 431, "431 for a 50 KiB field section")
            c.request(3)
            check(c.response_status(3) == 200, "the connection serves on")
        _others_served(s)


def test_h2_too_many_streams(binary):
    """251 streams open at once: past the 250 advertised, refused (stream
    or connection error), and the server answers others."""
    with Server(binary, _config()) as s:
        with RawConn(s.port) as c:
            c.send(b"".join(c.headers(1 + 2 * i, REQ, end_stream=False) for i in range(251)))
            c.wait(lambda: c.rst(501) is not None or c.goaway() is not None, "a refusal")
        _others_served(s)

