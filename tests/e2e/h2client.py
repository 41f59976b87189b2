"""A small synchronous HTTP/2 client for the tests, on python3-h2 (Debian):
prior knowledge over cleartext (h2c) or TLS with ALPN h2. It also exposes
the raw connection, so conformance and abuse tests can send frames h2
would refuse to make and read every event the server sends back."""
import socket
import ssl
import sys
import time

try:
    import h2  # noqa: F401
except ImportError:
    # Debian's python3-h2 is pure Python in the system's dist-packages,
    # which a python3 of its own (pyenv) does not search: last on the path.
    sys.path.append("/usr/lib/python3/dist-packages")
import h2.config
import h2.connection
import h2.events
import h2.exceptions

from ifrit_e2e import IO_TIMEOUT, E2EError, Response, SocketOwner


class H2Conn(SocketOwner):
    def __init__(self, port, host="127.0.0.1", tls=False, server_name="localhost", timeout=IO_TIMEOUT,
                 validate=True):
        raw = socket.create_connection((host, port), timeout=timeout)
        if tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            ctx.set_alpn_protocols(["h2"])
            raw = ctx.wrap_socket(raw, server_hostname=server_name)
            if raw.selected_alpn_protocol() != "h2":
                raise E2EError("ALPN chose %r, not h2" % raw.selected_alpn_protocol())
        self.sock = raw
        self.sock.settimeout(timeout)
        cfg = h2.config.H2Configuration(client_side=True, header_encoding="utf-8",
                                        validate_outbound_headers=validate, validate_inbound_headers=validate,
                                        normalize_outbound_headers=validate)
        self.h2 = h2.connection.H2Connection(config=cfg)
        self.h2.initiate_connection()
        self.flush()
        self.events = []       # every event received, in order
        self.closed = False    # the server closed the socket
        self.streams = {}      # stream id -> {"headers", "body", "trailers", "ended", "reset", "interim"}
        self.hold = set()      # streams whose window is not opened again (the connection's is)

    def flush(self):
        data = self.h2.data_to_send()
        if data:
            self.sock.sendall(data)

    def send_raw(self, data):
        self.sock.sendall(data)

    def _record(self, ev):
        self.events.append(ev)
        sid = getattr(ev, "stream_id", None)
        st = self.streams.setdefault(sid, {"headers": None, "body": b"", "trailers": None, "ended": False,
                                           "reset": None, "interim": []}) if sid else None
        if isinstance(ev, h2.events.ResponseReceived):
            st["headers"] = ev.headers
        elif isinstance(ev, h2.events.InformationalResponseReceived):
            st["interim"].append(ev.headers)
        elif isinstance(ev, h2.events.DataReceived):
            st["body"] += ev.data
            if ev.flow_controlled_length and ev.stream_id in self.hold:
                self.h2.increment_flow_control_window(ev.flow_controlled_length)
            elif ev.flow_controlled_length:
                try:
                    self.h2.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                except h2.exceptions.StreamClosedError:
                    self.h2.increment_flow_control_window(ev.flow_controlled_length)
        elif isinstance(ev, h2.events.TrailersReceived):
            st["trailers"] = ev.headers
        elif isinstance(ev, h2.events.StreamEnded):
            st["ended"] = True
        elif isinstance(ev, h2.events.StreamReset):
            st["reset"] = ev.error_code

    def pump(self, timeout=None):
        """Reads what comes within timeout (or the socket's): False once closed."""
        if self.closed:
            return False
        if timeout is not None:
            self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return True
        except (ConnectionResetError, ssl.SSLError, OSError):
            data = b""
        finally:
            if timeout is not None:
                self.sock.settimeout(IO_TIMEOUT)
        if not data:
            self.closed = True
            return False
        try:
            for ev in self.h2.receive_data(data):
                self._record(ev)
        except h2.exceptions.ProtocolError as e:
            raise E2EError("the server broke HTTP/2: %s" % e)
        self.flush()
        return True

    def wait(self, cond, timeout=IO_TIMEOUT, what="a response"):
        deadline = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > deadline:
                raise E2EError("timed out waiting for %s" % what)
            if not self.pump(timeout=max(0.05, deadline - time.monotonic())) and not cond():
                raise E2EError("connection closed while waiting for %s" % what)

    def goaway(self):
        """The GOAWAY the server sent (an h2 event), or None."""
        for ev in self.events:
            if isinstance(ev, h2.events.ConnectionTerminated):
                return ev
        return None

    def request(self, method, path, headers=(), body=None, authority="localhost", scheme="http", end=True):
        sid = self.h2.get_next_available_stream_id()
        hdrs = [(":method", method), (":path", path), (":scheme", scheme), (":authority", authority)]
        hdrs += [(k.lower(), v) for k, v in headers]
        self.h2.send_headers(sid, hdrs, end_stream=end and not body)
        if body:
            self.send_body(sid, body, end=end)
        self.flush()
        return sid

    def send_body(self, sid, body, end=True):
        """Sends body as the windows allow, reading the server's frames
        (its WINDOW_UPDATEs) while it waits."""
        view = memoryview(body)
        while view:
            room = min(self.h2.local_flow_control_window(sid), self.h2.max_outbound_frame_size, len(view))
            if room <= 0:
                self.flush()
                if not self.pump(timeout=IO_TIMEOUT):
                    raise E2EError("connection closed while sending a body")
                st = self.streams.get(sid)
                if st and (st["reset"] is not None or st["ended"]):
                    return
                continue
            self.h2.send_data(sid, bytes(view[:room]))
            view = view[room:]
            self.flush()
        if end:
            self.h2.end_stream(sid)
        self.flush()

    def response(self, sid, what=None):
        self.wait(lambda: sid in self.streams and (self.streams[sid]["ended"] or
                                                    self.streams[sid]["reset"] is not None),
                  what=what or "stream %d" % sid)
        st = self.streams[sid]
        if st["reset"] is not None and st["headers"] is None:
            raise E2EError("stream %d reset with %s" % (sid, st["reset"]))
        hdrs = [(k, v) for k, v in st["headers"] if not k.startswith(":")]
        status = int(dict(st["headers"])[":status"])
        r = Response("HTTP/2", status, "", hdrs, st["body"])
        r.trailers = st["trailers"]
        r.reset = st["reset"]
        r.interim = st["interim"]
        return r


def get(port, method, path, headers=(), body=None, tls=False):
    """One request on a new connection: the Response."""
    with H2Conn(port, tls=tls) as c:
        return c.response(c.request(method, path, headers, body, scheme="https" if tls else "http"))
