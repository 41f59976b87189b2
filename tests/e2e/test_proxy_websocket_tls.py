"""A 101 Switching Protocols from an https upstream: the tunnel relays
through the upstream connection's TLS session (Caddy tunnels WebSocket
over TLS upstreams the same way). The upstream is a Python ssl server
(certificates from test_proxy_https's _pki) that answers the upgrade with
a 101 and a few bytes, then echoes what it reads, and says "bye" and
closes when its input ends. The client speaks raw bytes to ifrit; every
wait is bounded."""
import os
import socket
import threading

from ifrit_e2e import IO_TIMEOUT, Server, check
from proxy_upstream import site
from test_proxy_https import NAME, TlsHeadServer, _pki

UPGRADE = b"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"


class TlsEchoUpstream(TlsHeadServer):
    def __init__(self, pki):
        super().__init__(pki)
        self.heads = []
        self.ended = threading.Event()   # its input ended and it said bye
        self.start()

    def answer(self, s, head, rest):
        self.heads.append(head)
        s.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nearly")
        if rest:
            s.sendall(rest)
        while True:
            d = s.recv(65536)
            if not d:
                break
            s.sendall(d)
        s.sendall(b"bye")
        self.ended.set()


def _read_exact(sock, n, have=b""):
    while len(have) < n:
        d = sock.recv(65536)
        check(d, "closed after %d of %d bytes" % (len(have), n))
        have += d
    return have[:n], have[n:]


def test_proxy_websocket_over_tls_upstream(binary):
    pki = _pki()
    up = TlsEchoUpstream(pki)
    body = ("reverse_proxy https://127.0.0.1:%d {\n transport http {\n  tls_trusted_ca_certs %s/ca.crt\n"
            "  tls_server_name %s\n }\n}" % (up.port, pki, NAME))
    try:
        with Server(binary, site(body, "workers 1")) as srv:
            c = socket.create_connection(("127.0.0.1", srv.port), timeout=IO_TIMEOUT)
            try:
                c.sendall(UPGRADE + b"first")
                buf = b""
                while b"\r\n\r\n" not in buf:
                    d = c.recv(65536)
                    check(d, "closed before the 101: %r" % buf)
                    buf += d
                head, _, rest = buf.partition(b"\r\n\r\n")
                check(head.startswith(b"HTTP/1.1 101 "), "the client gets the 101: %r" % head)
                check(b"\r\nUpgrade: websocket" in head, "with Upgrade: %r" % head)
                got, rest = _read_exact(c, len(b"earlyfirst"), rest)
                check(got == b"earlyfirst", "the upstream's early bytes, then the echo of what came with "
                      "the request: %r" % got)
                check(up.heads and b"upgrade: websocket" in up.heads[0].lower(), "the upgrade went up: %r" % up.heads)
                big = os.urandom(1 << 20)   # more than the tunnel's buffers and a TLS record, both ways
                sender = threading.Thread(target=c.sendall, args=(big,), daemon=True)
                sender.start()
                got, rest = _read_exact(c, len(big), rest)
                sender.join(IO_TIMEOUT)
                check(got == big, "1 MiB echoed intact through TLS")
                c.shutdown(socket.SHUT_WR)   # passed on as close_notify; the upstream says bye
                got, rest = _read_exact(c, 3, rest)
                check(got == b"bye", "the upstream's last bytes: %r" % got)
                check(up.ended.wait(IO_TIMEOUT), "the upstream saw the end of its input")
                tail = rest
                while True:
                    d = c.recv(65536)
                    if not d:
                        break
                    tail += d
                check(tail == b"", "then the end: %r" % tail)
            finally:
                c.close()
            # A second tunnel: a new TLS connection upstream (a tunnel's never goes back to the pool).
            c = socket.create_connection(("127.0.0.1", srv.port), timeout=IO_TIMEOUT)
            try:
                c.sendall(UPGRADE + b"again")
                buf = b""
                while b"again" not in buf:
                    d = c.recv(65536)
                    check(d, "second tunnel closed early: %r" % buf)
                    buf += d
                check(buf.startswith(b"HTTP/1.1 101 ") and buf.endswith(b"\r\n\r\nearlyagain"),
                      "second tunnel: %r" % buf)
            finally:
                c.close()
            check(len(up.heads) == 2, "two upstream connections: %d" % len(up.heads))
    finally:
        up.close()
