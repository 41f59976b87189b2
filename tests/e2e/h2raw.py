"""Raw HTTP/2 frames for the conformance and abuse tests: a client that
sends exactly the frames a test writes (hyperframe, hpack: Debian's, as
python3-h2 depends on them) and reads back every frame, so a test can say
which GOAWAY or RST_STREAM code the server answered with."""
import socket
import struct
import sys
import time

try:
    import hyperframe  # noqa: F401
except ImportError:
    sys.path.append("/usr/lib/python3/dist-packages")   # see h2client.py
import hpack
from hyperframe.frame import (ContinuationFrame, DataFrame, Frame, GoAwayFrame, HeadersFrame, PingFrame,
                              RstStreamFrame, SettingsFrame, WindowUpdateFrame)

from ifrit_e2e import IO_TIMEOUT, E2EError, SocketOwner

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

# RFC 9113 7.
NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR = 0x0, 0x1, 0x2, 0x3
SETTINGS_TIMEOUT, STREAM_CLOSED, FRAME_SIZE_ERROR, REFUSED_STREAM = 0x4, 0x5, 0x6, 0x7
CANCEL, COMPRESSION_ERROR, ENHANCE_YOUR_CALM = 0x8, 0x9, 0xB


def raw_frame(ftype, flags, stream_id, payload):
    """A frame's bytes, whatever they say (lengths and types a library
    would refuse to make)."""
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", stream_id) + payload


class RawConn(SocketOwner):
    def __init__(self, port, host="127.0.0.1", settings=None, handshake=True):
        self.sock = socket.create_connection((host, port), timeout=IO_TIMEOUT)
        self.buf = b""
        self.frames = []        # every frame received
        self.closed = False
        self.enc = hpack.Encoder()
        self.dec = hpack.Decoder()
        if handshake:
            s = SettingsFrame(0)
            s.settings = dict(settings or {})
            self.send(PREFACE + s.serialize())
            self.wait(lambda: any(isinstance(f, SettingsFrame) and "ACK" not in f.flags for f in self.frames),
                      "the server's SETTINGS")
            ack = SettingsFrame(0)
            ack.flags.add("ACK")
            self.send(ack.serialize())

    def send(self, data):
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            self.closed = True

    def send_frame(self, f):
        self.send(f.serialize())

    def headers(self, stream_id, fields, end_stream=True, end_headers=True):
        """A HEADERS frame's bytes with fields HPACK-encoded as given (no checks)."""
        f = HeadersFrame(stream_id)
        f.data = self.enc.encode(fields)
        if end_stream:
            f.flags.add("END_STREAM")
        if end_headers:
            f.flags.add("END_HEADERS")
        return f.serialize()

    def request(self, stream_id, path="/", method="GET", extra=(), end_stream=True):
        fields = [(":method", method), (":scheme", "http"), (":path", path), (":authority", "localhost")]
        self.send(self.headers(stream_id, fields + list(extra), end_stream=end_stream))

    def _parse(self):
        while len(self.buf) >= 9:
            length = int.from_bytes(self.buf[:3], "big")
            if len(self.buf) < 9 + length:
                return
            f, _ = Frame.parse_frame_header(memoryview(self.buf[:9]))
            f.parse_body(memoryview(self.buf[9:9 + length]))
            self.buf = self.buf[9 + length:]
            # Every header block decoded in order: HPACK's table is shared.
            if isinstance(f, HeadersFrame) and "END_HEADERS" in f.flags:
                f.decoded = dict(self.dec.decode(f.data))
            self.frames.append(f)

    def pump(self, timeout):
        if self.closed:
            return False
        self.sock.settimeout(max(timeout, 0.01))
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return True
        except OSError:
            data = b""
        if not data:
            self.closed = True
            return False
        self.buf += data
        self._parse()
        return True

    def wait(self, cond, what, timeout=IO_TIMEOUT):
        deadline = time.monotonic() + timeout
        while not cond():
            left = deadline - time.monotonic()
            if left <= 0:
                raise E2EError("timed out waiting for %s; got %r" % (what, self.frames[-5:]))
            if not self.pump(left) and not cond():
                raise E2EError("closed while waiting for %s; got %r" % (what, self.frames[-5:]))

    def goaway(self):
        for f in self.frames:
            if isinstance(f, GoAwayFrame):
                return f
        return None

    def rst(self, stream_id):
        for f in self.frames:
            if isinstance(f, RstStreamFrame) and f.stream_id == stream_id:
                return f
        return None

    def expect_goaway(self, code, what):
        """Waits for a GOAWAY (or the close that may follow it at once)."""
        try:
            self.wait(lambda: self.goaway() is not None, what)
        except E2EError:
            if self.goaway() is None:
                raise
        g = self.goaway()
        if g.error_code != code:
            raise E2EError("%s: GOAWAY code %#x, expected %#x" % (what, g.error_code, code))
        return g

    def expect_rst(self, stream_id, codes, what):
        """A stream error with one of codes: RST_STREAM, or a GOAWAY with
        that code (RFC 9113 5.4: an endpoint may treat a stream error as a
        connection error; nghttp2 does for some)."""
        codes = codes if isinstance(codes, tuple) else (codes,)
        self.wait(lambda: self.rst(stream_id) is not None or self.goaway() is not None, what)
        r = self.rst(stream_id) or self.goaway()
        if r.error_code not in codes:
            raise E2EError("%s: %s code %#x, expected %s" % (what, type(r).__name__, r.error_code,
                                                             " or ".join("%#x" % c for c in codes)))
        return r

    def response_status(self, stream_id, what="a response"):
        """The :status of stream_id's response HEADERS."""
        def found():
            return any(isinstance(f, HeadersFrame) and f.stream_id == stream_id for f in self.frames)
        self.wait(lambda: found() or self.rst(stream_id) is not None, what)
        for f in self.frames:
            if isinstance(f, HeadersFrame) and f.stream_id == stream_id:
                return int(f.decoded[":status"])
        raise E2EError("%s: stream %d reset with %#x" % (what, stream_id, self.rst(stream_id).error_code))

    def ended(self, stream_id):
        return any(isinstance(f, (DataFrame, HeadersFrame)) and f.stream_id == stream_id and "END_STREAM" in f.flags
                   for f in self.frames)

    def data_of(self, stream_id):
        return b"".join(f.data for f in self.frames if isinstance(f, DataFrame) and f.stream_id == stream_id)


__all__ = ["RawConn", "raw_frame", "ContinuationFrame", "DataFrame", "GoAwayFrame", "HeadersFrame", "PingFrame",
           "RstStreamFrame", "SettingsFrame", "WindowUpdateFrame"]
