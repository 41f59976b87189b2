"""reverse_proxy to https upstreams (docs/reverse_proxy.md, "HTTPS
upstreams"): a Python ssl server as the upstream, with a CA, a server
certificate and a client certificate made here with the openssl command.
Verified with tls_trusted_ca_certs, refused when the name or the issuer
is wrong (502 and a log line naming the reason), tls_insecure_skip_verify,
tls_server_name as SNI and the name verified, tls_client_auth against an
upstream that requires a client certificate, one pooled connection for
several requests, large bodies both ways, and a handshake that stalls
(tls_timeout)."""
import hashlib
import os
import socket
import ssl
import subprocess
import tempfile
import threading

from ifrit_e2e import IO_TIMEOUT, Server, check, free_port
from proxy_upstream import site

NAME = "upstream.test"


def _openssl(d, *args):
    p = subprocess.run(["openssl"] + list(args), cwd=d, capture_output=True, timeout=IO_TIMEOUT + 5)
    check(p.returncode == 0, "openssl %s: %s" % (" ".join(args), p.stderr.decode(errors="replace")))


def _pki():
    """A directory with ca.crt, server.crt/key (for upstream.test only) and
    client.crt/key, both signed by the CA."""
    d = tempfile.mkdtemp(prefix="ifrit-proxy-https-")
    _openssl(d, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
             "ca.key", "-out", "ca.crt", "-subj", "/CN=proxy test CA", "-days", "2")
    for leaf, san in (("server", "subjectAltName=DNS:" + NAME), ("client", "extendedKeyUsage=clientAuth")):
        with open(os.path.join(d, leaf + ".ext"), "w") as f:
            f.write(san + "\n")
        _openssl(d, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                 leaf + ".key", "-out", leaf + ".csr", "-subj", "/CN=" + leaf)
        _openssl(d, "x509", "-req", "-in", leaf + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                 "-out", leaf + ".crt", "-days", "2", "-extfile", leaf + ".ext")
    return d


class TlsHeadServer:
    """A TLS server on 127.0.0.1 with one exchange per connection: after
    the handshake and the request head, self.answer(s, head, rest) runs on
    the connection's own thread (rest: what came after the head). A
    subclass sets up self.ctx, then calls start()."""

    def __init__(self, pki):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(os.path.join(pki, "server.crt"), os.path.join(pki, "server.key"))
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]

    def start(self):
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, raw):
        raw.settimeout(IO_TIMEOUT)
        try:
            s = self.ctx.wrap_socket(raw, server_side=True)
            buf = b""
            while b"\r\n\r\n" not in buf:
                d = s.recv(65536)
                if not d:
                    return
                buf += d
            head, _, rest = buf.partition(b"\r\n\r\n")
            self.answer(s, head, rest)
            s.close()
        except (ssl.SSLError, OSError):
            raw.close()

    def close(self):
        self.sock.close()


class TlsUpstream:
    """An HTTP/1.1 keep-alive server over TLS on 127.0.0.1. Answers GET /big
    with BIG, anything else with the connection's number, the SNI it got,
    the client certificate's CN and the request body's length and sha256.
    stall: accept and never answer the handshake."""

    BIG = bytes(range(256)) * (2 * 4096)   # 2 MiB

    def __init__(self, pki, require_client_cert=False, stall=False):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(os.path.join(pki, "server.crt"), os.path.join(pki, "server.key"))
        if require_client_cert:
            self.ctx.verify_mode = ssl.CERT_REQUIRED
            self.ctx.load_verify_locations(os.path.join(pki, "ca.crt"))
        self.sni = ""
        self.ctx.sni_callback = self._on_sni
        self.stall = stall
        self.connections = 0
        self.requests = 0
        self.held = []
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.done = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _on_sni(self, sslobj, name, ctx):
        self.sni = name or ""

    def _accept(self):
        while not self.done:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
                n = self.connections
                self.held.append(c)
            if not self.stall:
                threading.Thread(target=self._serve, args=(c, n), daemon=True).start()

    def _serve(self, raw, n):
        raw.settimeout(IO_TIMEOUT)
        try:
            s = self.ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()
            return
        f = s.makefile("rb")
        try:
            while True:
                head = b""
                while not head.endswith(b"\r\n\r\n"):
                    line = f.readline()
                    if not line:
                        return
                    head += line
                lines = head.decode("latin-1").split("\r\n")
                target = lines[0].split(" ")[1]
                length = 0
                for h in lines[1:]:
                    k, _, v = h.partition(":")
                    if k.strip().lower() == "content-length":
                        length = int(v.strip())
                body = f.read(length) if length else b""
                with self.lock:
                    self.requests += 1
                if target == "/big":
                    out = self.BIG
                else:
                    peer = s.getpeercert()
                    cn = ""
                    if peer:
                        cn = dict(x[0] for x in peer["subject"]).get("commonName", "")
                    out = ("conn=%d sni=%s client=%s len=%d sha=%s" % (
                        n, self.sni, cn, len(body),
                        hashlib.sha256(body).hexdigest())).encode()
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(out) + out)
        except (ssl.SSLError, OSError):
            return
        finally:
            s.close()

    def close(self):
        self.done = True
        self.sock.close()
        with self.lock:
            for c in self.held:
                c.close()


def _proxy(binary, up, transport="", scheme="https://127.0.0.1", options=""):
    body = "reverse_proxy %s:%d {\n%s  transport http {\n%s\n  }\n}" % (scheme, up.port, options, transport)
    return Server(binary, site(body, "workers 1"))


def _ca(pki):
    return "    tls_trusted_ca_certs %s/ca.crt\n" % pki


def _refused(srv, needle):
    r = srv.request("GET", "/")
    check(r.status == 502, "expected 502, got %d %r" % (r.status, r.body[:200]))
    check(srv.wait_log(needle), "log line %r missing; log:\n%s" % (needle, srv.read_log()[-2000:]))


def test_proxy_https_verified_with_server_name(binary):
    pki = _pki()
    up = TlsUpstream(pki)
    try:
        with _proxy(binary, up, _ca(pki) + "    tls_server_name %s\n" % NAME) as srv:
            r = srv.request("GET", "/")
            check(r.status == 200, "status %d %r" % (r.status, r.body))
            check(b"sni=" + NAME.encode() in r.body, "the upstream saw SNI %s: %r" % (NAME, r.body))
    finally:
        up.close()


def test_proxy_https_wrong_name_refused(binary):
    pki = _pki()
    up = TlsUpstream(pki)
    try:
        # The certificate names upstream.test, not 127.0.0.1 (the dialed host) ...
        with _proxy(binary, up, _ca(pki)) as srv:
            _refused(srv, "certificate verify failed: IP address mismatch")
        # ... nor other.test.
        with _proxy(binary, up, _ca(pki) + "    tls_server_name other.test\n") as srv:
            _refused(srv, "certificate verify failed: hostname mismatch")
    finally:
        up.close()


def test_proxy_https_untrusted_refused_and_insecure_accepted(binary):
    pki = _pki()
    up = TlsUpstream(pki)
    try:
        # The system store does not know the test CA.
        with _proxy(binary, up, "    tls_server_name %s\n" % NAME) as srv:
            _refused(srv, "certificate verify failed: unable to get local issuer certificate")
        with _proxy(binary, up, "    tls_insecure_skip_verify\n") as srv:
            r = srv.request("GET", "/")
            check(r.status == 200 and b"conn=" in r.body, "insecure: %d %r" % (r.status, r.body))
        # tls in the transport turns TLS on for a host:port upstream too.
        with _proxy(binary, up, "    tls\n    tls_insecure_skip_verify\n", scheme="127.0.0.1") as srv:
            r = srv.request("GET", "/")
            check(r.status == 200 and b"conn=" in r.body, "tls option: %d %r" % (r.status, r.body))
    finally:
        up.close()


def test_proxy_https_client_auth(binary):
    pki = _pki()
    up = TlsUpstream(pki, require_client_cert=True)
    base = _ca(pki) + "    tls_server_name %s\n" % NAME
    try:
        with _proxy(binary, up, base) as srv:
            r = srv.request("GET", "/")
            check(r.status == 502, "no client certificate: expected 502, got %d %r" % (r.status, r.body))
        auth = "    tls_client_auth %s/client.crt %s/client.key\n" % (pki, pki)
        with _proxy(binary, up, base + auth) as srv:
            r = srv.request("GET", "/")
            check(r.status == 200 and b"client=client" in r.body, "client certificate: %d %r" % (r.status, r.body))
    finally:
        up.close()


def test_proxy_https_keepalive_reuse_and_large_bodies(binary):
    pki = _pki()
    up = TlsUpstream(pki)
    try:
        with _proxy(binary, up, _ca(pki) + "    tls_server_name %s\n" % NAME) as srv:
            for i in range(5):
                r = srv.request("GET", "/")
                check(r.status == 200 and b"conn=1 " in r.body, "request %d on connection 1: %r" % (i, r.body))
            big_up = os.urandom(3 << 20)
            r = srv.request("POST", "/", [("Content-Type", "application/octet-stream")], big_up)
            want = ("len=%d sha=%s" % (len(big_up), hashlib.sha256(big_up).hexdigest())).encode()
            check(r.status == 200 and want in r.body, "3 MiB up: %d %r" % (r.status, r.body[:200]))
            r = srv.request("GET", "/big")
            check(r.status == 200 and r.body == TlsUpstream.BIG, "2 MiB down: %d, %d bytes" % (r.status, len(r.body)))
            r = srv.request("GET", "/")
            check(b"conn=1 " in r.body, "still the first connection: %r" % r.body)
            check(up.connections == 1, "the upstream saw %d connections" % up.connections)
    finally:
        up.close()


def test_proxy_https_stalled_handshake(binary):
    pki = _pki()
    up = TlsUpstream(pki, stall=True)
    try:
        with _proxy(binary, up, "    tls_insecure_skip_verify\n    tls_timeout 1s\n") as srv:
            _refused(srv, "TLS handshake timeout (tls_timeout)")
    finally:
        up.close()


def test_proxy_https_config(binary):
    port = free_port()
    cases = [
        ("reverse_proxy https://127.0.0.1:9000 127.0.0.1:9001", "same scheme"),
        ("reverse_proxy https://127.0.0.1 {\n transport http {\n tls_trusted_ca_certs /nonexistent/ca.pem\n }\n}",
         "cannot read '/nonexistent/ca.pem'"),
        ("reverse_proxy https://127.0.0.1 {\n transport http {\n tls_client_auth /nonexistent/c.pem\n }\n}",
         "tls_client_auth"),
        ("reverse_proxy https://127.0.0.1 {\n transport http {\n tls_server_name {host}\n }\n}", "placeholders"),
    ]
    for body, needle in cases:
        d = tempfile.mkdtemp(prefix="ifrit-proxy-https-cfg-")
        path = os.path.join(d, "Caddyfile")
        with open(path, "w") as f:
            f.write(site(body).replace("@PORT@", str(port)))
        p = subprocess.run([binary, "validate", "--config", path], capture_output=True, timeout=IO_TIMEOUT + 5)
        out = (p.stdout + p.stderr).decode(errors="replace")
        check(p.returncode != 0 and needle in out, "%r: expected an error with %r, got %d %s" % (body, needle, p.returncode, out))


def test_proxy_https_health_checks_over_tls(binary):
    pki = _pki()
    up = TlsUpstream(pki)
    try:
        opts = "  health_uri /health\n  health_interval 200ms\n"
        with _proxy(binary, up, _ca(pki) + "    tls_server_name %s\n" % NAME, options=opts) as srv:
            r = srv.request("GET", "/")   # the first request starts the checks
            check(r.status == 200, "status %d" % r.status)
            deadline = 50
            while up.requests < 3 and deadline:
                threading.Event().wait(0.1)
                deadline -= 1
            check(up.requests >= 3, "health probes over TLS reached the upstream: %d requests" % up.requests)
            check("unhealthy" not in srv.read_log(), "an upstream judged unhealthy:\n%s" % srv.read_log()[-2000:])
    finally:
        up.close()
