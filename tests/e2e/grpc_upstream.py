"""A gRPC-style upstream over h2c for the tests, on python3-h2 (Debian):
HTTP/2 with prior knowledge (or over TLS, ALPN h2 only or h2 and
http/1.1, when given a certificate), content-type application/grpc, length-prefixed
messages (a flag byte, a 4-byte big-endian length, the payload) and
grpc-status / grpc-message trailers, as gRPC's PROTOCOL-HTTP2.md has them.

Methods, by path:
  /test.Echo/Unary   one message back, "echo:" + the request's
  /test.Echo/Stream  the request's message is a count N: N messages back
  /test.Echo/Big     one message of N bytes (more than the windows hold)
  /test.Echo/Fail    a trailers-only response: grpc-status 5
  /test.Echo/Reset   one message, then RST_STREAM (INTERNAL_ERROR)
  /test.Echo/Hang    the head and one message, then nothing (for cancels)
  /test.Echo/Silent  nothing at all (for timeouts before the head)
  /test.Echo/GoAway  a GOAWAY that keeps this stream, then the unary answer
  any other path     (a plain request) "ok", or for /refuse-next: a GOAWAY
                     whose last stream is this one, sent when the next
                     stream's head arrives, which it leaves unanswered;
                     /refuse-next-whole: the same once the next stream's
                     whole request (its body too) has arrived

Every call is recorded (path, headers, messages, connection number), and
every stream the proxy reset, so tests check multiplexing and cancels.
Each connection has a thread; every wait is bounded by the socket timeout."""
import os
import socket
import ssl
import struct
import sys
import threading

try:
    import h2  # noqa: F401
except ImportError:
    sys.path.append("/usr/lib/python3/dist-packages")
import h2.config
import h2.connection
import h2.events
import h2.exceptions

from ifrit_e2e import IO_TIMEOUT


def frame(msg, compressed=0):
    return struct.pack(">BI", compressed, len(msg)) + msg


def messages(data):
    out = []
    while len(data) >= 5:
        _, n = struct.unpack(">BI", data[:5])
        out.append(data[5:5 + n])
        data = data[5 + n:]
    return out


def raw_goaway(last_stream_id, code=0):
    return struct.pack(">I", 8)[1:] + b"\x07\x00" + struct.pack(">III", 0, last_stream_id, code)


GRPC_HEAD = [(":status", "200"), ("content-type", "application/grpc")]
OK = [("grpc-status", "0"), ("grpc-message", "")]


class GrpcUpstream:
    def __init__(self, pki=None):
        """pki: a directory with server.crt/key (test_proxy_https._pki): TLS, ALPN h2."""
        self.ctx = None
        if pki:
            self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ctx.load_cert_chain(os.path.join(pki, "server.crt"), os.path.join(pki, "server.key"))
            self.ctx.set_alpn_protocols(["h2"])
        self.alpn = []       # the protocol each TLS connection agreed
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(16)
        self.port = self.lsock.getsockname()[1]
        self.addr = "127.0.0.1:%d" % self.port
        self.lock = threading.Lock()
        self.calls = []      # {"path", "headers", "messages", "conn"}
        self.resets = []     # (path, error code) of streams the proxy reset
        self.refused = []    # (path, body bytes) of streams refused whole (/refuse-next-whole)
        self.conns = 0
        self.closed_conns = 0
        self.stopping = False
        self.threads = []
        t = threading.Thread(target=self._accept, daemon=True)
        t.start()
        self.threads.append(t)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stopping = True
        # close() alone does not wake a thread blocked in accept() on Linux;
        # shutdown() does (accept fails with EINVAL), so the join is prompt.
        try:
            self.lsock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.lsock.close()
        for t in self.threads:
            t.join(IO_TIMEOUT)

    def _accept(self):
        while not self.stopping:
            try:
                s, _ = self.lsock.accept()
            except OSError:
                return
            with self.lock:
                self.conns += 1
                n = self.conns
            t = threading.Thread(target=self._serve, args=(s, n), daemon=True)
            t.start()
            self.threads.append(t)

    def _serve(self, sock, n):
        if self.ctx:
            sock.settimeout(IO_TIMEOUT)
            try:
                sock = self.ctx.wrap_socket(sock, server_side=True)
            except (OSError, ssl.SSLError):
                sock.close()
                return
            with self.lock:
                self.alpn.append(sock.selected_alpn_protocol())
        sock.settimeout(0.2)
        conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        conn.initiate_connection()
        st = {"sock": sock, "conn": conn, "n": n, "streams": {}, "pending": {}, "refuse_after": None,
              "refuse_whole_after": None}
        sock.sendall(conn.data_to_send())
        idle = 0
        try:
            while not self.stopping and idle < IO_TIMEOUT * 5:
                try:
                    data = sock.recv(65536)
                except socket.timeout:
                    idle += 1
                    continue
                idle = 0
                if not data:
                    break
                try:
                    events = conn.receive_data(data)
                except h2.exceptions.ProtocolError:
                    break
                for ev in events:
                    self._event(st, ev)
                sock.sendall(conn.data_to_send())
        except OSError:
            pass
        finally:
            sock.close()
            with self.lock:
                self.closed_conns += 1

    def _event(self, st, ev):
        conn, streams = st["conn"], st["streams"]
        if isinstance(ev, h2.events.RequestReceived):
            streams[ev.stream_id] = {"headers": dict(ev.headers), "body": b""}
            if st["refuse_after"] is not None:
                # The stream to refuse: a GOAWAY that does not include it.
                st["sock"].sendall(conn.data_to_send() + raw_goaway(st["refuse_after"]))
                st["refuse_after"] = None
                streams[ev.stream_id]["refused"] = True
        elif isinstance(ev, h2.events.DataReceived):
            streams[ev.stream_id]["body"] += ev.data
            conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
        elif isinstance(ev, h2.events.StreamEnded):
            s = streams.get(ev.stream_id)
            if s and st["refuse_whole_after"] is not None and ev.stream_id > st["refuse_whole_after"]:
                st["sock"].sendall(conn.data_to_send() + raw_goaway(st["refuse_whole_after"]))
                st["refuse_whole_after"] = None
                s["refused"] = True
                with self.lock:
                    self.refused.append((s["headers"].get(":path"), len(s["body"])))
            if s and not s.get("refused"):
                self._dispatch(st, ev.stream_id, s)
        elif isinstance(ev, h2.events.StreamReset):
            s = streams.get(ev.stream_id)
            with self.lock:
                self.resets.append((s["headers"].get(":path") if s else None, ev.error_code))
            st["pending"].pop(ev.stream_id, None)
        elif isinstance(ev, h2.events.WindowUpdated):
            for sid in list(st["pending"]):
                self._send_pending(st, sid)

    def _send_pending(self, st, sid):
        """Sends what the windows allow of a stream's queued answer."""
        conn = st["conn"]
        p = st["pending"][sid]
        while p["data"]:
            room = min(conn.local_flow_control_window(sid), conn.max_outbound_frame_size, len(p["data"]))
            if room <= 0:
                return
            conn.send_data(sid, p["data"][:room])
            p["data"] = p["data"][room:]
        conn.send_headers(sid, p["trailers"], end_stream=True)
        del st["pending"][sid]

    def _answer(self, st, sid, msgs, trailers=OK):
        conn = st["conn"]
        conn.send_headers(sid, GRPC_HEAD)
        for m in msgs[:-1]:
            conn.send_data(sid, frame(m))
        st["pending"][sid] = {"data": frame(msgs[-1]) if msgs else b"", "trailers": trailers}
        self._send_pending(st, sid)

    def _dispatch(self, st, sid, s):
        conn, path = st["conn"], s["headers"].get(":path")
        msgs = messages(s["body"])
        with self.lock:
            self.calls.append({"path": path, "headers": s["headers"], "messages": msgs, "conn": st["n"]})
        if path == "/test.Echo/Unary":
            self._answer(st, sid, [b"echo:" + (msgs[0] if msgs else b"")])
        elif path == "/test.Echo/Stream":
            self._answer(st, sid, [b"msg %d" % i for i in range(int(msgs[0]))])
        elif path == "/test.Echo/Big":
            self._answer(st, sid, [b"x" * int(msgs[0])])
        elif path == "/test.Echo/Fail":
            conn.send_headers(sid, GRPC_HEAD + [("grpc-status", "5"), ("grpc-message", "no such thing")],
                              end_stream=True)
        elif path == "/test.Echo/Reset":
            conn.send_headers(sid, GRPC_HEAD)
            conn.send_data(sid, frame(b"partial"))
            conn.reset_stream(sid, error_code=2)
        elif path == "/test.Echo/Hang":
            conn.send_headers(sid, GRPC_HEAD)
            conn.send_data(sid, frame(b"first"))
        elif path == "/test.Echo/Silent":
            pass
        elif path == "/test.Echo/GoAway":
            st["sock"].sendall(conn.data_to_send() + raw_goaway(sid))
            self._answer(st, sid, [b"echo:" + (msgs[0] if msgs else b"")])
        else:
            if path == "/refuse-next":
                st["refuse_after"] = sid
            elif path == "/refuse-next-whole":
                st["refuse_whole_after"] = sid
            conn.send_headers(sid, [(":status", "200"), ("content-length", "2")])
            conn.send_data(sid, b"ok", end_stream=True)
