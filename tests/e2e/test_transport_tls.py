"""What goes through a client connection's transport (docs/architecture.md,
"The server: transports, sessions, exchanges"), checked over TLS, where a
byte written to the socket behind the transport's back would reach the
client unencrypted and break the session: the WebSocket tunnel (it takes
the connection's transport over), a proxied body long enough that a plain
connection splices it (the TLS transport cannot: the proxy must fall back
to send_body), and the lingering close (close_notify, then the drain)."""
import base64
import hashlib
import os
import socket
import ssl

from ifrit_e2e import IO_TIMEOUT, Conn, Server, check
from proxy_upstream import Reply, Upstream
from test_proxy_websocket import OP_BINARY, OP_CLOSE, OP_TEXT, WS_GUID, Echo, ws_frame, ws_read

GLOBAL = """{
	workers 1
	storage file_system @DIR@/data
	https_port @PORT@
	http_port @PORT2@
}
"""
ROOT_CRT = "data/pki/authorities/local/root.crt"


class TLSConn(Conn):
    """Conn over TLS to localhost, trusting the server's local root."""

    def __init__(self, srv):
        ctx = ssl.create_default_context(cafile=os.path.join(srv.dir, ROOT_CRT))
        raw = socket.create_connection(("127.0.0.1", srv.port), timeout=IO_TIMEOUT)
        self.sock = ctx.wrap_socket(raw, server_hostname="localhost")
        self.buf = b""


def _upgrade(c, extra):
    key = base64.b64encode(os.urandom(16))
    c.send(b"GET /chat HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
           b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + key + b"\r\n\r\n" + extra)
    r = c.read_response(allow_interim=True)
    check(r.status == 101, "switching protocols over TLS: %r" % r)
    want = base64.b64encode(hashlib.sha1(key + WS_GUID).digest()).decode()
    check(r.header("Sec-WebSocket-Accept") == want, "the upstream's accept key: %r" % r.headers)


def test_transport_tls_websocket_tunnel(binary):
    echo = Echo()
    with Upstream(echo.app) as up:
        config = GLOBAL + "localhost {\n\treverse_proxy %s\n}\n" % up.addr
        with Server(binary, config) as srv, TLSConn(srv) as c:
            _upgrade(c, ws_frame(OP_TEXT, b"early", True))
            check(ws_read(c._exact) == (OP_TEXT, b"hello"), "bytes sent with the 101 arrive")
            check(ws_read(c._exact) == (OP_TEXT, b"early"), "a frame sent right after the request goes up")
            big = os.urandom(1 << 20)
            for op, data in [(OP_TEXT, b"one"), (OP_BINARY, big)]:
                c.send(ws_frame(op, data, True))
                got = ws_read(c._exact)
                check(got == (op, data), "echo of a %d-byte frame over TLS (got %d bytes)" % (len(data), len(got[1])))
            c.send(b"".join(ws_frame(OP_BINARY, bytes([i]) * 70000, True) for i in range(8)))
            for i in range(8):
                check(ws_read(c._exact) == (OP_BINARY, bytes([i]) * 70000), "pipelined frame %d" % i)
            c.send(ws_frame(OP_CLOSE, b"\x03\xe8", True))
            check(ws_read(c._exact)[0] == OP_CLOSE, "close answered")
            check(c.is_closed_by_server(), "the tunnel ends after the upstream closed")


def test_transport_tls_proxied_body_not_spliced(binary):
    body = bytes(range(256)) * 8192 + b"end"   # 2 MiB and 3: far past the proxy's splice threshold
    with Upstream(lambda req: Reply(200, {"Content-Type": "application/octet-stream"}, body)) as up:
        config = GLOBAL + "localhost {\n\treverse_proxy %s\n}\n" % up.addr
        with Server(binary, config) as srv:
            for i in range(2):   # the second on the same connection: the framing held
                with TLSConn(srv) as c:
                    c.send("GET /big HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    r = c.read_response()
                    check(r.status == 200 and r.body == body, "proxied body over TLS, try %d: %d %d bytes of %d"
                          % (i + 1, r.status, len(r.body), len(body)))
                    c.send("GET /again HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    r = c.read_response()
                    check(r.status == 200 and r.body == body, "the next response on the connection: %d bytes"
                          % len(r.body))


def test_transport_tls_lingering_close_drains_the_body(binary):
    """ifrit refuses the body at once (request_body max_size) while the
    client sends all of it before reading: ifrit's close_notify and
    half-close, then the drain, let the whole body go in and the 413 out."""
    size = 16 << 20
    config = GLOBAL + "localhost {\n\trequest_body {\n\t\tmax_size 1KB\n\t}\n\trespond \"read it all\"\n}\n"
    with Server(binary, config) as srv, TLSConn(srv) as c:
        c.send("POST /up HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n" % size)
        chunk = bytes(1 << 20)
        sent = 0
        try:
            while sent < size:
                c.sock.sendall(chunk)
                sent += len(chunk)
        except OSError as e:
            raise AssertionError("sending failed after %d of %d body bytes: %s" % (sent, size, e))
        r = c.read_response()
        check(r.status == 413, "answer after the whole body: %r" % r)
        check(r.header("Connection") == "close", "the refusal closes: %r" % r.headers)
        check(c.is_closed_by_server(), "closed after the answer")
