"""reverse_proxy to an https upstream: TLS sessions are resumed across
connections (each pool keeps the last session or TLS 1.3 ticket its
upstream gave), and ALPN offers http/1.1 with `versions 1.1` (the default
offers h2 first: test_grpc_proxy). The upstream is a Python ssl
server (certificates from test_proxy_https's _pki) that answers each
connection's one request with what the handshake was, then closes; the
proxy runs with `keepalive off`, so every request is a new connection."""
import ssl

from ifrit_e2e import Server, check
from proxy_upstream import site
from test_proxy_https import NAME, TlsHeadServer, _pki


class HandshakeUpstream(TlsHeadServer):
    """One request per TLS connection; the answer says whether the session
    was resumed and which ALPN protocol was agreed."""

    def __init__(self, pki, versions):
        super().__init__(pki)
        self.ctx.minimum_version, self.ctx.maximum_version = versions
        self.ctx.set_alpn_protocols(["h2", "http/1.1"])
        self.start()

    def answer(self, s, head, rest):
        out = ("reused=%s alpn=%s" % (s.session_reused, s.selected_alpn_protocol())).encode()
        s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(out) + out)


def _run(binary, versions):
    pki = _pki()
    up = HandshakeUpstream(pki, versions)
    body = ("reverse_proxy https://127.0.0.1:%d {\n transport http {\n  tls_trusted_ca_certs %s/ca.crt\n"
            "  tls_server_name %s\n  keepalive off\n  versions 1.1\n }\n}" % (up.port, pki, NAME))
    try:
        with Server(binary, site(body, "workers 1")) as srv:
            return [srv.request("GET", "/%d" % i).body.decode() for i in range(3)]
    finally:
        up.close()


def test_proxy_https_session_resumed_tls13(binary):
    got = _run(binary, (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_3))
    check(got[0] == "reused=False alpn=http/1.1", "first connection: a full handshake, ALPN http/1.1: %r" % got)
    check(got[1:] == ["reused=True alpn=http/1.1"] * 2, "later connections resume (TLS 1.3 ticket): %r" % got)


def test_proxy_https_session_resumed_tls12(binary):
    got = _run(binary, (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2))
    check(got[0] == "reused=False alpn=http/1.1", "first connection: %r" % got)
    check(got[1:] == ["reused=True alpn=http/1.1"] * 2, "later connections resume (TLS 1.2 session): %r" % got)
