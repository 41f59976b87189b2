"""reverse_proxy and `Connection: Upgrade`: a WebSocket echo upstream written
here (handshake and frames, RFC 6455, stdlib only), a client doing the
handshake through ifrit, frames both ways (one far larger than the
tunnel's buffers), and the end of the tunnel from either side."""
import base64
import hashlib
import os
import socket
import struct
import threading
import time

from ifrit_e2e import Conn, Server, check
from proxy_upstream import Reply, Upstream

WAIT = 15.0
WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC11B65"
OP_TEXT, OP_BINARY, OP_CLOSE = 1, 2, 8


def ws_frame(op, payload, mask):
    head = bytes([0x80 | op])
    n = len(payload)
    bit = 0x80 if mask else 0
    if n < 126:
        head += bytes([bit | n])
    elif n < 65536:
        head += bytes([bit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([bit | 127]) + struct.pack("!Q", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def ws_read(take):
    """One frame as (opcode, payload); take(n) returns exactly n bytes."""
    b0, b1 = take(2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", take(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", take(8))[0]
    key = take(4) if b1 & 0x80 else None
    data = take(n)
    if key:
        data = bytes(b ^ key[i % 4] for i, b in enumerate(data))
    return b0 & 0x0F, data


def sock_take(s):
    def take(n):
        out = b""
        while len(out) < n:
            got = s.recv(n - len(out))
            if not got:
                raise EOFError("peer closed")
            out += got
        return out
    return take


class Echo:
    """The upstream's WebSocket side: echoes every frame; "close-now" makes it
    start the closing handshake; a client close is answered and ends it."""

    def __init__(self):
        self.ended = threading.Event()
        self.saw_eof = False
        self.upgrade_headers = None

    def app(self, req):
        if (req.header("Upgrade") or "").lower() != "websocket":
            return Reply(200, {"Content-Type": "text/plain"}, b"plain")
        self.upgrade_headers = req.headers

        def serve(c, req):
            accept = base64.b64encode(hashlib.sha1(req.header("Sec-WebSocket-Key").encode() + WS_GUID).digest())
            # The head and a first frame in one write: ifrit must pass on
            # bytes that arrive together with the 101.
            c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n" + ws_frame(OP_TEXT, b"hello", False))
            take = sock_take(c)
            try:
                while True:
                    op, data = ws_read(take)
                    if op == OP_CLOSE:
                        c.sendall(ws_frame(OP_CLOSE, data, False))
                        break
                    if data == b"close-now":
                        c.sendall(ws_frame(OP_CLOSE, struct.pack("!H", 1000), False))
                        ws_read(take)   # the client's answer
                        break
                    c.sendall(ws_frame(op, data, False))
            except EOFError:
                self.saw_eof = True
            finally:
                self.ended.set()
            return False   # the upstream closes its socket
        return Reply(custom=serve)


def _server(binary, up):
    return Server(binary, "{\n    workers 1\n}\n:@PORT@ {\n    header X-Site ws\n    reverse_proxy %s\n}\n" % up.addr)


def _handshake(c, extra=b""):
    key = base64.b64encode(os.urandom(16))
    c.send(b"GET /chat HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n"
           b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + key + b"\r\n\r\n" + extra)
    r = c.read_response(allow_interim=True)
    check(r.status == 101, "switching protocols through ifrit: %r" % r)
    want = base64.b64encode(hashlib.sha1(key + WS_GUID).digest()).decode()
    check(r.header("Sec-WebSocket-Accept") == want, "the upstream's accept key: %r" % r.header("Sec-WebSocket-Accept"))
    check((r.header("Upgrade") or "").lower() == "websocket", "Upgrade in the 101: %r" % r.headers)
    check("upgrade" in (r.header("Connection") or "").lower(), "Connection: Upgrade in the 101: %r" % r.headers)
    check(r.header("Content-Length") is None and r.header("Transfer-Encoding") is None, "no framing on a 101")
    return r


def _take(c):
    return c._exact


def _wait(cond):
    deadline = time.monotonic() + WAIT
    while not cond() and time.monotonic() < deadline:
        time.sleep(0.02)
    return cond()


def test_proxy_websocket_echo_and_client_close(binary):
    echo = Echo()
    with Upstream(echo.app) as up, _server(binary, up) as srv:
        with Conn(srv.port) as c:
            r = _handshake(c, extra=ws_frame(OP_TEXT, b"early", True))
            check(r.header("X-Site") == "ws", "site headers on the 101: %r" % r.headers)
            check(ws_read(_take(c)) == (OP_TEXT, b"hello"), "bytes sent with the 101 arrive")
            check(ws_read(_take(c)) == (OP_TEXT, b"early"), "a frame sent right after the request goes up")
            names = [k.lower() for k, _ in echo.upgrade_headers]
            check("upgrade" in names and "connection" in names, "Upgrade and Connection forwarded: %r" % names)
            big = os.urandom(1 << 20)
            for op, data in [(OP_TEXT, b"one"), (OP_BINARY, b"\x00\x01\x02"), (OP_BINARY, big), (OP_TEXT, b"two")]:
                c.send(ws_frame(op, data, True))
                got = ws_read(_take(c))
                check(got == (op, data), "echo of a %d-byte frame (got %d bytes)" % (len(data), len(got[1])))
            # Both ways at once: many frames queued before reading any.
            c.send(b"".join(ws_frame(OP_BINARY, bytes([i]) * 70000, True) for i in range(8)))
            for i in range(8):
                check(ws_read(_take(c)) == (OP_BINARY, bytes([i]) * 70000), "pipelined frame %d" % i)
            c.send(ws_frame(OP_CLOSE, struct.pack("!H", 1000), True))
            op, _ = ws_read(_take(c))
            check(op == OP_CLOSE, "close answered")
            check(c.is_closed_by_server(), "the tunnel ends after the upstream closed")
        check(echo.ended.wait(WAIT), "the upstream saw the end")
        # The upgraded connection never goes back to the pool.
        before = up.connections
        r = srv.request("GET", "/plain")
        check(r.status == 200 and r.body == b"plain", "plain request after the tunnel: %r" % r)
        check(up.connections == before + 1, "a new upstream connection, not the upgraded one")


def test_proxy_websocket_upstream_closes(binary):
    echo = Echo()
    with Upstream(echo.app) as up, _server(binary, up) as srv:
        with Conn(srv.port) as c:
            _handshake(c)
            check(ws_read(_take(c)) == (OP_TEXT, b"hello"), "first frame")
            c.send(ws_frame(OP_TEXT, b"close-now", True))
            op, data = ws_read(_take(c))
            check(op == OP_CLOSE and data == struct.pack("!H", 1000), "the upstream's close frame")
            c.send(ws_frame(OP_CLOSE, data, True))
            check(c.is_closed_by_server(), "the client sees the end")
        check(echo.ended.wait(WAIT), "upstream done")


def test_proxy_websocket_client_drops(binary):
    echo = Echo()
    with Upstream(echo.app) as up, _server(binary, up) as srv:
        with Conn(srv.port) as c:
            _handshake(c)
            check(ws_read(_take(c)) == (OP_TEXT, b"hello"), "first frame")
        check(echo.ended.wait(WAIT) and echo.saw_eof, "the upstream sees the client's close as EOF")
        check(_wait(lambda: up.closed >= 1), "the upstream connection ended")
        check(srv.request("GET", "/plain").status == 200, "server still serves")


def test_proxy_101_without_upgrade_request_is_502(binary):
    def app(req):
        return Reply(raw=b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
    with Upstream(app) as up, _server(binary, up) as srv:
        r = srv.request("GET", "/")
        check(r.status == 502, "101 to a plain request: %r" % r)
        # Asking to upgrade with a body is not an upgrade either.
        r = srv.request("POST", "/", headers=[("Connection", "Upgrade"), ("Upgrade", "websocket")], body=b"x")
        check(r.status == 502, "101 to a POST with a body: %r" % r)


def test_proxy_websocket_server_stop_ends_tunnels(binary):
    echo = Echo()
    with Upstream(echo.app) as up, _server(binary, up) as srv:
        with Conn(srv.port) as c:
            _handshake(c)
            check(ws_read(_take(c)) == (OP_TEXT, b"hello"), "first frame")
            check(srv.stop() == 0, "the server exits while a tunnel is open")
            check(c.is_closed_by_server(), "the client sees the end")
        check(echo.ended.wait(WAIT) and echo.saw_eof, "the upstream sees the end")


def test_proxy_websocket_idle_timeout_ends_tunnel(binary):
    """A tunnel with no byte either way ends after the server's idle timeout."""
    echo = Echo()
    cfg = ("{\n    workers 1\n    servers {\n        timeouts {\n            idle 1s\n        }\n    }\n}\n"
           ":@PORT@ {\n    reverse_proxy %s\n}\n")
    with Upstream(echo.app) as up, Server(binary, cfg % up.addr) as srv:
        with Conn(srv.port) as c:
            _handshake(c)
            check(ws_read(_take(c)) == (OP_TEXT, b"hello"), "first frame")
            c.sock.settimeout(WAIT)
            check(c.is_closed_by_server(), "the idle tunnel was closed")
        check(echo.ended.wait(WAIT) and echo.saw_eof, "the upstream sees the end")
