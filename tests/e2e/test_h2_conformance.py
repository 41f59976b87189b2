"""An HTTP/2 conformance suite in the manner of h2spec (not packaged in
Debian), on raw frames (h2raw.py): each case sends what RFC 9113 (and RFC
7541 for HPACK) says a server must refuse or handle, on a connection of its
own, and checks the GOAWAY or RST_STREAM code, or the answer. The cases are
grouped by section, one server per group; each group prints its count, and
a failure names the case."""
import struct

from h2raw import (COMPRESSION_ERROR, FLOW_CONTROL_ERROR, FRAME_SIZE_ERROR, NO_ERROR, PROTOCOL_ERROR,
                   REFUSED_STREAM, STREAM_CLOSED, ContinuationFrame, HeadersFrame, PingFrame, RawConn,
                   RstStreamFrame, SettingsFrame, WindowUpdateFrame, raw_frame)
from ifrit_e2e import E2EError, Server

CONFIG = """{
	servers {
		protocols h1 h2 h2c
	}
}
:@PORT@ {
	respond /big "%s"
	respond "ok {http.request.method}"
}
""" % ("b" * 100000)

DATA, HEADERS, PRIORITY, RST, SETTINGS, PUSH, PING, GOAWAY, WINDOW, CONT = range(10)
REQ = [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "localhost")]


def _run_group(binary, name, cases):
    failed = []
    with Server(binary, CONFIG) as s:
        for case in cases:
            try:
                with RawConn(s.port) as c:
                    case(c)
            except Exception as e:  # noqa: BLE001 - every case reports
                failed.append("%s: %s" % (case.__name__, e))
        # After every refusal the server still answers a plain request.
        with RawConn(s.port) as c:
            c.request(1)
            if c.response_status(1) != 200:
                failed.append("a request after the group is not answered")
    print("# h2 conformance %s: %d cases, %d failed" % (name, len(cases), len(failed)))
    if failed:
        raise E2EError(" | ".join(failed))


def _works(c, sid=1):
    """The connection still serves a request on stream sid."""
    c.request(sid)
    if c.response_status(sid) != 200:
        raise E2EError("stream %d not answered 200" % sid)


# -- 3.4, 4.1, 4.2: preface, frame format, frame size ---------------------------

def frame_unknown_type_is_ignored(c):
    c.send(raw_frame(0x42, 0, 0, b"whatever"))
    _works(c)


def frame_unknown_flags_are_ignored(c):
    c.send(raw_frame(PING, 0xF0, 0, b"12345678"))
    c.wait(lambda: any(isinstance(f, PingFrame) and "ACK" in f.flags for f in c.frames), "PING ACK")
    _works(c)


def frame_data_over_max_frame_size(c):
    c.request(1, method="POST", end_stream=False)
    c.send(raw_frame(DATA, 0, 1, b"x" * 16385))
    c.expect_goaway(FRAME_SIZE_ERROR, "DATA of 16385 bytes (SETTINGS_MAX_FRAME_SIZE 16384)")


def frame_headers_over_max_frame_size(c):
    c.send(raw_frame(HEADERS, 0x5, 1, c.enc.encode(REQ) + b"\0" * 16384))
    c.expect_goaway(FRAME_SIZE_ERROR, "HEADERS of over 16384 bytes")


def frame_reserved_bit_is_ignored(c):
    f = bytearray(c.headers(1, REQ))
    f[5] |= 0x80   # the reserved bit of the stream identifier
    c.send(bytes(f))
    if c.response_status(1) != 200:
        raise E2EError("not answered")


# -- 5.1: stream states ---------------------------------------------------------

def state_data_on_idle_stream(c):
    c.send(raw_frame(DATA, 1, 1, b"x"))
    c.expect_goaway(PROTOCOL_ERROR, "DATA on an idle stream")


def state_headers_on_half_closed_remote(c):
    c.send(c.headers(1, [(":method", "GET"), (":scheme", "http"), (":path", "/big"), (":authority", "localhost")]))
    c.send(c.headers(1, [("x-late", "1")]))
    c.wait(lambda: c.rst(1) is not None or c.goaway() is not None, "STREAM_CLOSED")
    code = c.rst(1).error_code if c.rst(1) else c.goaway().error_code
    if code != STREAM_CLOSED:
        raise E2EError("HEADERS on a half-closed (remote) stream: %#x, expected STREAM_CLOSED" % code)


def state_data_on_half_closed_remote(c):
    c.send(c.headers(1, [(":method", "GET"), (":scheme", "http"), (":path", "/big"), (":authority", "localhost")]))
    c.send(raw_frame(DATA, 1, 1, b"x"))
    c.wait(lambda: c.rst(1) is not None or c.goaway() is not None, "STREAM_CLOSED")
    code = c.rst(1).error_code if c.rst(1) else c.goaway().error_code
    if code != STREAM_CLOSED:
        raise E2EError("DATA on a half-closed (remote) stream: %#x" % code)


def state_even_stream_id(c):
    c.request(2)
    c.expect_goaway(PROTOCOL_ERROR, "a client stream with an even identifier")


def state_decreasing_stream_id_is_not_served(c):
    # RFC 9113 5.1.1 asks for PROTOCOL_ERROR; nghttp2 ignores such a
    # HEADERS on purpose (it cannot tell it from a late frame of a stream
    # it forgot): never served, and the connection goes on.
    c.request(5)
    c.response_status(5)
    c.request(3)
    _works(c, 7)
    if c.goaway() is None and any(isinstance(f, HeadersFrame) and f.stream_id == 3 for f in c.frames):
        raise E2EError("stream 3, below stream 5, was served")


def state_closed_stream_reused(c):
    c.request(1)
    c.response_status(1)
    c.wait(lambda: c.ended(1), "the end of stream 1")
    c.request(1)
    c.wait(lambda: c.goaway() is not None or c.rst(1) is not None, "an error for a closed stream reused")
    code = c.goaway().error_code if c.goaway() else c.rst(1).error_code
    if code not in (STREAM_CLOSED, PROTOCOL_ERROR):
        raise E2EError("HEADERS on a closed stream: %#x" % code)


def state_concurrent_streams_over_the_limit(c):
    # 251 streams left open (no END_STREAM): the one past 250 is refused.
    # One write, so the server reads them together: sent one by one, the
    # first streams can be answered (and closed) before the last arrive.
    fields = [(":method", "POST"), (":scheme", "http"), (":path", "/"), (":authority", "localhost")]
    c.send(b"".join(c.headers(1 + 2 * i, fields, end_stream=False) for i in range(251)))
    c.expect_rst(1 + 2 * 250, (REFUSED_STREAM, PROTOCOL_ERROR), "stream 251 over SETTINGS_MAX_CONCURRENT_STREAMS 250")


# -- 4.3, RFC 7541: header compression -------------------------------------------

def hpack_invalid_index(c):
    c.send(raw_frame(HEADERS, 0x5, 1, b"\xff\x7f"))   # indexed field 254+: not in any table
    c.expect_goaway(COMPRESSION_ERROR, "an HPACK index past the tables")


def hpack_truncated_block(c):
    c.send(raw_frame(HEADERS, 0x5, 1, b"\x82\x86\x44\x0f/"))   # a literal cut short
    c.expect_goaway(COMPRESSION_ERROR, "a truncated HPACK literal")


def hpack_table_size_update_over_settings(c):
    c.send(raw_frame(HEADERS, 0x5, 1, b"\x3f\xe1\x7f" + c.enc.encode(REQ)))   # size 16384 > 4096
    c.expect_goaway(COMPRESSION_ERROR, "a dynamic table size update above SETTINGS_HEADER_TABLE_SIZE")


def hpack_table_size_update_after_field(c):
    c.send(raw_frame(HEADERS, 0x5, 1, b"\x82\x20"))   # a size update after a field
    c.expect_goaway(COMPRESSION_ERROR, "a table size update after a field")


# -- 6.1-6.4: DATA, HEADERS, PRIORITY, RST_STREAM ---------------------------------

def data_on_stream_zero(c):
    c.send(raw_frame(DATA, 0, 0, b"x"))
    c.expect_goaway(PROTOCOL_ERROR, "DATA on stream 0")


def data_padding_too_long(c):
    c.request(1, method="POST", end_stream=False)
    c.send(raw_frame(DATA, 0x8, 1, b"\x09abc"))   # 9 bytes of padding in a 4-byte frame
    c.expect_goaway(PROTOCOL_ERROR, "DATA padding longer than the frame")


def headers_on_stream_zero(c):
    c.send(raw_frame(HEADERS, 0x5, 0, c.enc.encode(REQ)))
    c.expect_goaway(PROTOCOL_ERROR, "HEADERS on stream 0")


def headers_depending_on_itself(c):
    block = c.enc.encode(REQ)
    c.send(raw_frame(HEADERS, 0x25, 1, struct.pack(">IB", 1, 15) + block))   # PRIORITY flag, depends on 1
    c.expect_rst(1, PROTOCOL_ERROR, "a stream depending on itself")


def priority_wrong_length(c):
    c.send(raw_frame(PRIORITY, 0, 1, b"\x00\x00\x00"))
    c.wait(lambda: c.rst(1) is not None or c.goaway() is not None, "FRAME_SIZE_ERROR")
    code = c.rst(1).error_code if c.rst(1) else c.goaway().error_code
    if code != FRAME_SIZE_ERROR:
        raise E2EError("PRIORITY of 3 bytes: %#x" % code)


def priority_on_stream_zero(c):
    c.send(raw_frame(PRIORITY, 0, 0, b"\x00\x00\x00\x01\x10"))
    c.expect_goaway(PROTOCOL_ERROR, "PRIORITY on stream 0")


def rst_on_stream_zero(c):
    c.send(raw_frame(RST, 0, 0, b"\x00\x00\x00\x08"))
    c.expect_goaway(PROTOCOL_ERROR, "RST_STREAM on stream 0")


def rst_on_idle_stream(c):
    c.send(raw_frame(RST, 0, 1, b"\x00\x00\x00\x08"))
    c.expect_goaway(PROTOCOL_ERROR, "RST_STREAM on an idle stream")


def rst_wrong_length(c):
    c.request(1, method="POST", end_stream=False)
    c.send(raw_frame(RST, 0, 1, b"\x00\x00\x08"))
    c.expect_goaway(FRAME_SIZE_ERROR, "RST_STREAM of 3 bytes")


def rst_then_more_streams(c):
    c.request(1, method="POST", end_stream=False)
    f = RstStreamFrame(1)
    f.error_code = 8
    c.send_frame(f)
    _works(c, 3)


# -- 6.5: SETTINGS ---------------------------------------------------------------

def settings_ack_with_payload(c):
    c.send(raw_frame(SETTINGS, 0x1, 0, b"\x00\x01\x00\x00\x10\x00"))
    c.expect_goaway(FRAME_SIZE_ERROR, "SETTINGS ACK with a payload")


def settings_on_a_stream(c):
    c.send(raw_frame(SETTINGS, 0, 1, b""))
    c.expect_goaway(PROTOCOL_ERROR, "SETTINGS on stream 1")


def settings_length_not_a_multiple_of_6(c):
    c.send(raw_frame(SETTINGS, 0, 0, b"\x00\x01\x00\x00\x10"))
    c.expect_goaway(FRAME_SIZE_ERROR, "SETTINGS of 5 bytes")


def settings_enable_push_2(c):
    c.send(raw_frame(SETTINGS, 0, 0, b"\x00\x02\x00\x00\x00\x02"))
    c.expect_goaway(PROTOCOL_ERROR, "SETTINGS_ENABLE_PUSH 2")


def settings_initial_window_too_large(c):
    c.send(raw_frame(SETTINGS, 0, 0, b"\x00\x04\x80\x00\x00\x00"))
    c.expect_goaway(FLOW_CONTROL_ERROR, "SETTINGS_INITIAL_WINDOW_SIZE 2^31")


def settings_max_frame_size_too_small(c):
    c.send(raw_frame(SETTINGS, 0, 0, b"\x00\x05\x00\x00\x3f\xff"))
    c.expect_goaway(PROTOCOL_ERROR, "SETTINGS_MAX_FRAME_SIZE 16383")


def settings_max_frame_size_too_large(c):
    c.send(raw_frame(SETTINGS, 0, 0, b"\x00\x05\x01\x00\x00\x00"))
    c.expect_goaway(PROTOCOL_ERROR, "SETTINGS_MAX_FRAME_SIZE 2^24")


def settings_unknown_is_ignored_and_acked(c):
    n = len(c.frames)
    c.send(raw_frame(SETTINGS, 0, 0, b"\x00\xff\x00\x00\x00\x01"))
    c.wait(lambda: any(isinstance(f, SettingsFrame) and "ACK" in f.flags for f in c.frames[n:]), "SETTINGS ACK")
    _works(c)


# -- 6.7, 6.8: PING, GOAWAY --------------------------------------------------------

def ping_is_answered_with_its_payload(c):
    c.send(raw_frame(PING, 0, 0, b"h2spec!!"))
    c.wait(lambda: any(isinstance(f, PingFrame) and "ACK" in f.flags and f.opaque_data == b"h2spec!!"
                       for f in c.frames), "the PING ACK with the same payload")


def ping_on_a_stream(c):
    c.send(raw_frame(PING, 0, 1, b"12345678"))
    c.expect_goaway(PROTOCOL_ERROR, "PING on stream 1")


def ping_wrong_length(c):
    c.send(raw_frame(PING, 0, 0, b"1234567"))
    c.expect_goaway(FRAME_SIZE_ERROR, "PING of 7 bytes")


def ping_ack_is_not_answered(c):
    c.send(raw_frame(PING, 0x1, 0, b"unasked!"))
    _works(c)
    if any(isinstance(f, PingFrame) and f.opaque_data == b"unasked!" for f in c.frames):
        raise E2EError("a PING ACK was answered")


def goaway_on_a_stream(c):
    c.send(raw_frame(GOAWAY, 0, 1, b"\x00\x00\x00\x00\x00\x00\x00\x00"))
    c.expect_goaway(PROTOCOL_ERROR, "GOAWAY on stream 1")


def goaway_from_client_ends_the_connection(c):
    c.request(1)
    c.response_status(1)
    c.send(raw_frame(GOAWAY, 0, 0, b"\x00\x00\x00\x01\x00\x00\x00\x00"))
    c.wait(lambda: c.closed, "the close after the client's GOAWAY")


# -- 6.9, 5.2: WINDOW_UPDATE and flow control -------------------------------------

def window_update_zero_on_connection(c):
    c.send(raw_frame(WINDOW, 0, 0, b"\x00\x00\x00\x00"))
    c.expect_goaway(PROTOCOL_ERROR, "WINDOW_UPDATE of 0 on the connection")


def window_update_zero_on_stream(c):
    c.request(1, method="POST", end_stream=False)
    c.send(raw_frame(WINDOW, 0, 1, b"\x00\x00\x00\x00"))
    c.expect_rst(1, PROTOCOL_ERROR, "WINDOW_UPDATE of 0 on a stream")


def window_update_wrong_length(c):
    c.send(raw_frame(WINDOW, 0, 0, b"\x00\x00\x01"))
    c.expect_goaway(FRAME_SIZE_ERROR, "WINDOW_UPDATE of 3 bytes")


def window_overflow_on_connection(c):
    c.send(raw_frame(WINDOW, 0, 0, b"\x7f\xff\xff\xff"))
    c.expect_goaway(FLOW_CONTROL_ERROR, "a connection window over 2^31-1")


def window_overflow_on_stream(c):
    c.request(1, method="POST", end_stream=False)
    c.send(raw_frame(WINDOW, 0, 1, b"\x7f\xff\xff\xff"))
    c.expect_rst(1, FLOW_CONTROL_ERROR, "a stream window over 2^31-1")


def flow_unread_body_ends_with_rst_no_error(c):
    # The response is whole before the request: the client may stop
    # sending (RFC 9113 8.1), and the stream's window is not held.
    c.request(1, method="POST", end_stream=False)
    c.send(raw_frame(DATA, 0, 1, b"x" * 16384))
    c.expect_rst(1, NO_ERROR, "RST_STREAM NO_ERROR after the whole response")
    if not c.ended(1):
        raise E2EError("the response did not end before the reset")
    _works(c, 3)


def flow_server_obeys_a_window_of_one(c):
    c.send(raw_frame(SETTINGS, 0, 0, b"\x00\x04\x00\x00\x00\x01"))
    c.request(1, path="/big")
    c.wait(lambda: len(c.data_of(1)) >= 1, "the first byte")
    c.pump(0.2)
    if len(c.data_of(1)) != 1:
        raise E2EError("%d bytes sent into a window of 1" % len(c.data_of(1)))
    for sid in (0, 1):
        w = WindowUpdateFrame(sid)
        w.window_increment = 200000
        c.send_frame(w)
    c.wait(lambda: c.ended(1), "the rest once the windows open")
    if len(c.data_of(1)) != 100000:
        raise E2EError("body of %d bytes" % len(c.data_of(1)))


def flow_initial_window_change_applies_to_open_streams(c):
    c.send(raw_frame(SETTINGS, 0, 0, b"\x00\x04\x00\x00\x00\x00"))
    c.request(1, path="/big")
    c.response_status(1)
    c.send(raw_frame(SETTINGS, 0, 0, b"\x00\x04\x00\x01\x00\x00"))
    w = WindowUpdateFrame(0)
    w.window_increment = 1 << 20
    c.send_frame(w)
    c.wait(lambda: len(c.data_of(1)) >= 65536, "DATA once SETTINGS_INITIAL_WINDOW_SIZE grows")


# -- 6.10: CONTINUATION ----------------------------------------------------------

def continuation_without_headers(c):
    f = ContinuationFrame(1)
    f.data = c.enc.encode(REQ)
    f.flags.add("END_HEADERS")
    c.send_frame(f)
    c.expect_goaway(PROTOCOL_ERROR, "CONTINUATION without HEADERS")


def continuation_interleaved(c):
    block = c.enc.encode(REQ)
    c.send(raw_frame(HEADERS, 0x1, 1, block[:3]))   # END_STREAM, no END_HEADERS
    c.send(raw_frame(PING, 0, 0, b"12345678"))
    c.expect_goaway(PROTOCOL_ERROR, "a frame in the middle of a header block")


def continuation_on_another_stream(c):
    block = c.enc.encode(REQ)
    c.send(raw_frame(HEADERS, 0x1, 1, block[:3]))
    c.send(raw_frame(CONT, 0x4, 3, block[3:]))
    c.expect_goaway(PROTOCOL_ERROR, "CONTINUATION of another stream")


def continuation_completes_a_block(c):
    block = c.enc.encode(REQ)
    c.send(raw_frame(HEADERS, 0x1, 1, block[:2]) + raw_frame(CONT, 0, 1, block[2:4]) +
           raw_frame(CONT, 0x4, 1, block[4:]))
    if c.response_status(1) != 200:
        raise E2EError("a block over three frames not answered")


# -- 8.1-8.3: HTTP messages --------------------------------------------------------

def _refused(c, fields, what, end_stream=True):
    c.send(c.headers(1, fields, end_stream=end_stream))
    c.expect_rst(1, PROTOCOL_ERROR, what)


def message_missing_method(c):
    _refused(c, [(":scheme", "http"), (":path", "/"), (":authority", "localhost")], "no :method")


def message_missing_path(c):
    _refused(c, [(":method", "GET"), (":scheme", "http"), (":authority", "localhost")], "no :path")


def message_empty_path(c):
    _refused(c, [(":method", "GET"), (":scheme", "http"), (":path", ""), (":authority", "localhost")],
             "an empty :path")


def message_unknown_pseudo_field(c):
    _refused(c, REQ + [(":foo", "bar")], "an unknown pseudo-field")


def message_response_pseudo_field_in_request(c):
    _refused(c, REQ + [(":status", "200")], ":status in a request")


def message_duplicate_pseudo_field(c):
    _refused(c, REQ + [(":path", "/again")], "a second :path")


def message_pseudo_after_regular(c):
    _refused(c, REQ[:3] + [("x-a", "1"), (":authority", "localhost")], "a pseudo-field after a regular one")


def message_uppercase_field_name(c):
    _refused(c, REQ + [("X-Upper", "1")], "an uppercase field name")


def message_connection_specific_field(c):
    _refused(c, REQ + [("connection", "keep-alive")], "a Connection field")


def message_te_other_than_trailers(c):
    _refused(c, REQ + [("te", "gzip")], "TE: gzip")


def message_content_length_mismatch(c):
    c.send(c.headers(1, [(":method", "POST"), (":scheme", "http"), (":path", "/"), (":authority", "localhost"),
                         ("content-length", "10")], end_stream=False))
    c.send(raw_frame(DATA, 1, 1, b"short"))
    c.expect_rst(1, PROTOCOL_ERROR, "content-length 10 with 5 bytes")


def message_trailers_with_pseudo_field(c):
    c.send(c.headers(1, [(":method", "POST"), (":scheme", "http"), (":path", "/"), (":authority", "localhost")],
                     end_stream=False))
    c.send(raw_frame(DATA, 0, 1, b"abc"))
    c.send(c.headers(1, [(":path", "/x")]))
    c.expect_rst(1, PROTOCOL_ERROR, "a pseudo-field in trailers")


def message_trailers_without_end_stream(c):
    c.send(c.headers(1, [(":method", "POST"), (":scheme", "http"), (":path", "/"), (":authority", "localhost")],
                     end_stream=False))
    c.send(c.headers(1, [("x-t", "1")], end_stream=False))
    c.expect_rst(1, PROTOCOL_ERROR, "a second HEADERS without END_STREAM")


def message_field_value_with_newline(c):
    _refused(c, REQ + [("x-a", "a\r\nx-b: b")], "CR LF in a field value")


def message_fields_over_the_limit_get_431(c):
    c.send(c.headers(1, REQ + [("x-f%d" % i, "v") for i in range(120)]))
    st = c.response_status(1)
    if st != 431:
        raise E2EError("120 fields answered %d, expected 431" % st)
    _works(c, 3)


def message_path_with_space_is_refused(c):
    # Never passed on (it could split an HTTP/1.1 request line upstream):
    # nghttp2 resets it, or ifrit answers 400.
    c.send(c.headers(1, [(":method", "GET"), (":scheme", "http"), (":path", "/a b"), (":authority", "localhost")]))
    c.wait(lambda: c.rst(1) is not None or any(isinstance(f, HeadersFrame) and f.stream_id == 1 for f in c.frames),
           "an answer")
    if c.rst(1) is None and c.response_status(1) != 400:
        raise E2EError("a :path with a space answered %d" % c.response_status(1))


def message_head_has_no_body(c):
    c.send(c.headers(1, [(":method", "HEAD"), (":scheme", "http"), (":path", "/big"), (":authority", "localhost")]))
    c.wait(lambda: c.ended(1), "the end of the HEAD response")
    if c.data_of(1):
        raise E2EError("HEAD answered with %d body bytes" % len(c.data_of(1)))


def test_h2_conformance_framing(binary):
    _run_group(binary, "framing (3.4, 4.1, 4.2)", [frame_unknown_type_is_ignored, frame_unknown_flags_are_ignored,
                                                    frame_data_over_max_frame_size, frame_headers_over_max_frame_size,
                                                    frame_reserved_bit_is_ignored])
    with Server(binary, CONFIG) as s, RawConn(s.port, handshake=False) as c:
        c.send(b"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n" + b"\0" * 9)
        c.wait(lambda: c.closed or c.goaway() is not None, "the end of a connection with a bad preface")


def test_h2_conformance_stream_states(binary):
    _run_group(binary, "stream states (5.1)", [state_data_on_idle_stream, state_headers_on_half_closed_remote,
                                              state_data_on_half_closed_remote, state_even_stream_id,
                                              state_decreasing_stream_id_is_not_served, state_closed_stream_reused,
                                              state_concurrent_streams_over_the_limit])


def test_h2_conformance_hpack(binary):
    _run_group(binary, "HPACK (4.3, RFC 7541)", [hpack_invalid_index, hpack_truncated_block,
                                                 hpack_table_size_update_over_settings,
                                                 hpack_table_size_update_after_field])


def test_h2_conformance_frames(binary):
    _run_group(binary, "DATA, HEADERS, PRIORITY, RST_STREAM (6.1-6.4)", [
        data_on_stream_zero, data_padding_too_long, headers_on_stream_zero, headers_depending_on_itself,
        priority_wrong_length, priority_on_stream_zero, rst_on_stream_zero, rst_on_idle_stream, rst_wrong_length,
        rst_then_more_streams])


def test_h2_conformance_settings_ping_goaway(binary):
    _run_group(binary, "SETTINGS, PING, GOAWAY (6.5, 6.7, 6.8)", [
        settings_ack_with_payload, settings_on_a_stream, settings_length_not_a_multiple_of_6, settings_enable_push_2,
        settings_initial_window_too_large, settings_max_frame_size_too_small, settings_max_frame_size_too_large,
        settings_unknown_is_ignored_and_acked, ping_is_answered_with_its_payload, ping_on_a_stream,
        ping_wrong_length, ping_ack_is_not_answered, goaway_on_a_stream, goaway_from_client_ends_the_connection])


def test_h2_conformance_flow_control(binary):
    _run_group(binary, "WINDOW_UPDATE and flow control (5.2, 6.9)", [
        window_update_zero_on_connection, window_update_zero_on_stream, window_update_wrong_length,
        window_overflow_on_connection, window_overflow_on_stream, flow_unread_body_ends_with_rst_no_error,
        flow_server_obeys_a_window_of_one, flow_initial_window_change_applies_to_open_streams])


def test_h2_conformance_continuation(binary):
    _run_group(binary, "CONTINUATION (6.10)", [continuation_without_headers, continuation_interleaved,
                                               continuation_on_another_stream, continuation_completes_a_block])


def test_h2_conformance_messages(binary):
    _run_group(binary, "HTTP messages (8.1-8.3)", [
        message_missing_method, message_missing_path, message_empty_path, message_unknown_pseudo_field,
        message_response_pseudo_field_in_request, message_duplicate_pseudo_field, message_pseudo_after_regular,
        message_uppercase_field_name, message_connection_specific_field, message_te_other_than_trailers,
        message_content_length_mismatch, message_trailers_with_pseudo_field, message_trailers_without_end_stream,
        message_field_value_with_newline, message_fields_over_the_limit_get_431, message_path_with_space_is_refused,
        message_head_has_no_body])
