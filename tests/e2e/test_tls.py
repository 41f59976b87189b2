"""HTTPS (docs/tls.md): the local CA trusted by curl, tls CERT KEY, SNI with
two certificates, default_sni, client certificates, protocols, the
HTTP->HTTPS redirect, auto_https off, and bad input (a garbage ClientHello,
a stalled handshake, a client that stops mid-record, an unknown name,
expired and mismatched certificate files, a reload with a bad one).

Test certificates are made with the openssl command in each test's
directory; the expired one with Python's cryptography (openssl's req
cannot date a certificate in the past). Every server keeps its data
directory in its own directory (storage file_system)."""
import datetime
import os
import socket
import ssl
import subprocess
import time

from ifrit_e2e import IO_TIMEOUT, Server, Skip, check

# The global options every TLS test starts from: its own data directory,
# the TLS port the harness waits on, the HTTP port second.
GLOBAL = """{
	storage file_system @DIR@/data
	https_port @PORT@
	http_port @PORT2@
}
"""
ROOT_CRT = "data/pki/authorities/local/root.crt"


def _run(args, cwd, input_bytes=None):
    return subprocess.run(args, cwd=cwd, capture_output=True, input=input_bytes, timeout=IO_TIMEOUT + 5)


def _openssl(d, *args):
    p = _run(["openssl"] + list(args), d)
    check(p.returncode == 0, "openssl %s: %s" % (" ".join(args), p.stderr.decode(errors="replace")))


def _self_signed(d, name, sans=None):
    """NAME.crt / NAME.key: a self-signed P-256 certificate for the names."""
    sans = sans or ["DNS:" + name]
    _openssl(d, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", name + ".key", "-out", name + ".crt", "-subj", "/CN=" + name, "-days", "2",
             "-addext", "subjectAltName=" + ",".join(sans))
    os.chmod(os.path.join(d, name + ".key"), 0o600)


def _client_ca(d):
    """ca.crt, and client.crt/client.key signed by it."""
    _self_signed(d, "ca")
    _openssl(d, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
             "client.key", "-out", "client.csr", "-subj", "/CN=client")
    _openssl(d, "x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "client.crt", "-days", "2")


def _curl(port, name, path="/", cacert=None, extra=()):
    """curl https://NAME:PORT/PATH resolved to 127.0.0.1: (status, body, stderr, exit)."""
    args = ["curl", "-sS", "--max-time", str(int(IO_TIMEOUT)), "--resolve", "%s:%d:127.0.0.1" % (name, port),
            "-o", "-", "-w", "\n%{http_code}"]
    if cacert:
        args += ["--cacert", cacert]
    p = subprocess.run(args + list(extra) + ["https://%s:%d%s" % (name, port, path)], capture_output=True,
                       timeout=IO_TIMEOUT + 5)
    out = p.stdout.decode(errors="replace")
    body, _, status = out.rpartition("\n")
    return status, body, p.stderr.decode(errors="replace"), p.returncode


def _wait_reloads(s, n):
    """Waits (bounded) until the server has applied n reloads."""
    deadline = time.monotonic() + IO_TIMEOUT
    while time.monotonic() < deadline:
        if s.read_log().count("configuration reloaded") >= n:
            return True
        time.sleep(0.02)
    return False


def _peer_subject(port, servername):
    """The certificate subject openssl s_client gets for servername, or None
    when the handshake fails."""
    args = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-brief"]
    if servername:
        args += ["-servername", servername]
    else:
        args += ["-noservername"]
    p = subprocess.run(args, input=b"", capture_output=True, timeout=IO_TIMEOUT + 5)
    err = p.stderr.decode(errors="replace")
    for line in err.splitlines():
        if line.startswith("Peer certificate:"):
            return line.split(":", 1)[1].strip()
    return None


def test_tls_internal_localhost_and_ip_trusted_by_local_root(binary):
    config = GLOBAL + """localhost, 127.0.0.1 {
	tls internal
	respond "{scheme} {tls_version} {http.request.tls.server_name} {tls_cipher}"
}
"""
    with Server(binary, config) as s:
        root = os.path.join(s.dir, ROOT_CRT)
        check(os.path.exists(root), "no root certificate at %s" % root)
        status, body, err, _ = _curl(s.port, "localhost", cacert=root)
        check(status == "200" and body.startswith("https tls1.3 localhost TLS_"), "localhost: %s %r %s"
              % (status, body, err))
        status, body, err, _ = _curl(s.port, "127.0.0.1", cacert=root)
        check(status == "200" and body.startswith("https tls1.3  TLS_"), "127.0.0.1: %s %r %s" % (status, body, err))
        # Without the local root curl refuses the certificate.
        status, _, err, code = _curl(s.port, "localhost")
        check(code != 0 and "certificate" in err, "untrusted: exit %d %s" % (code, err))
        for rel, mode in (("data/pki/authorities/local/root.key", 0o600),
                          ("data/certificates/local/localhost/localhost.key", 0o600)):
            got = os.stat(os.path.join(s.dir, rel)).st_mode & 0o777
            check(got == mode, "%s has mode %o" % (rel, got))
        check(os.path.exists(os.path.join(s.dir, "data/certificates/local/127.0.0.1/127.0.0.1.crt")),
              "no stored leaf for 127.0.0.1")


def test_tls_localhost_without_directive(binary):
    config = GLOBAL + """localhost {
	respond "plain name"
}
"""
    with Server(binary, config) as s:
        status, body, err, _ = _curl(s.port, "localhost", cacert=os.path.join(s.dir, ROOT_CRT))
        check(status == "200" and body == "plain name", "%s %r %s" % (status, body, err))


def test_tls_reload_reuses_the_stored_certificate(binary):
    config = GLOBAL + """localhost {
	respond "x"
}
"""
    with Server(binary, config) as s:
        leaf = os.path.join(s.dir, "data/certificates/local/localhost/localhost.crt")
        with open(leaf, "rb") as f:
            before = f.read()
        s.reload()
        check(s.wait_log("configuration reloaded"), "no reload: " + s.read_log()[-800:])
        with open(leaf, "rb") as f:
            check(f.read() == before, "the reload issued a new certificate")


def _served_cert(port, name, cafile):
    """The DER certificate a verified handshake for name gets."""
    ctx = ssl.create_default_context(cafile=cafile)
    with socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT) as raw:
        with ctx.wrap_socket(raw, server_hostname=name) as tls:
            return tls.getpeercert(binary_form=True)


def test_tls_local_leaf_renews_while_serving(binary):
    """A leaf of 4 s (issuer internal lifetime) is due after a third of it
    is left; the renewal thread (renew_interval 1s) swaps a new one in and
    new handshakes get it, verified by the same root."""
    config = GLOBAL.replace("{\n", "{\n\trenew_interval 1s\n", 1) + """localhost {
	tls {
		issuer internal {
			lifetime 4s
		}
	}
	respond "renewing"
}
"""
    with Server(binary, config) as s:
        root = os.path.join(s.dir, ROOT_CRT)
        first = _served_cert(s.port, "localhost", root)
        check(s.wait_log("renewed the local certificate for localhost"), "no renewal: " + s.read_log()[-800:])
        second = _served_cert(s.port, "localhost", root)
        check(second != first, "the same certificate after the renewal")
        status, body, err, _ = _curl(s.port, "localhost", cacert=root)
        check(status == "200" and body == "renewing", "%s %r %s" % (status, body, err))


def test_tls_redirect_to_https(binary):
    config = GLOBAL + """localhost, 127.0.0.1 {
	respond "secure"
}
"""
    with Server(binary, config) as s:
        p = subprocess.run(["curl", "-sS", "--max-time", str(int(IO_TIMEOUT)), "-o", "/dev/null", "-w",
                            "%{http_code} %{redirect_url}", "-H", "Host: localhost",
                            "http://127.0.0.1:%d/a/b?q=1" % s.port2], capture_output=True, timeout=IO_TIMEOUT + 5)
        got = p.stdout.decode()
        check(got == "308 https://localhost:%d/a/b?q=1" % s.port, "redirect: %r %s" % (got, p.stderr))
        # The site's second host is redirected too; a host no TLS site has is not.
        for host, want in (("127.0.0.1", "308 https://127.0.0.1:%d/" % s.port), ("other.test", "200 ")):
            p = subprocess.run(["curl", "-sS", "--max-time", str(int(IO_TIMEOUT)), "-o", "/dev/null", "-w",
                                "%{http_code} %{redirect_url}", "-H", "Host: " + host,
                                "http://127.0.0.1:%d/" % s.port2], capture_output=True, timeout=IO_TIMEOUT + 5)
            check(p.stdout.decode() == want, "%s: %r" % (host, p.stdout))


def test_tls_two_hosts_one_site_validate(binary):
    """Both hosts of one site get a redirect site; the second used to end
    the load with an empty error."""
    srv = Server(binary, ALIVE)
    try:
        code, err = _validate(binary, srv.dir, "{\n\tstorage file_system %s/data\n}\nlocalhost, 127.0.0.1 {\n"
                              "\ttls internal\n}\nhttps://[::1]:8443 {\n\ttls internal\n}\n" % srv.dir)
        check(code == 0, "validate: %d %s" % (code, err))
    finally:
        srv.cleanup()


def test_tls_disable_redirects(binary):
    config = """{
	storage file_system @DIR@/data
	https_port @PORT@
	http_port @PORT2@
	auto_https disable_redirects
}
localhost {
	respond "secure"
}
"""
    with Server(binary, config) as s:
        try:
            socket.create_connection(("127.0.0.1", s.port2), timeout=IO_TIMEOUT).close()
            listening = True
        except ConnectionRefusedError:
            listening = False
        check(not listening, "the http_port listens although redirects are disabled")
        status, body, err, _ = _curl(s.port, "localhost", cacert=os.path.join(s.dir, ROOT_CRT))
        check(status == "200", "%s %s" % (status, err))


def test_tls_auto_https_off_serves_plain_http(binary):
    config = """{
	auto_https off
	http_port @PORT@
	https_port @PORT2@
}
localhost {
	respond "plain {scheme}"
}
"""
    with Server(binary, config) as s:
        p = subprocess.run(["curl", "-sS", "--max-time", str(int(IO_TIMEOUT)), "-H", "Host: localhost",
                            "http://127.0.0.1:%d/" % s.port], capture_output=True, timeout=IO_TIMEOUT + 5)
        check(p.stdout == b"plain http", "auto_https off: %r %s" % (p.stdout, p.stderr))


def test_tls_cert_key_sni_default_and_fallback_sni(binary):
    config = GLOBAL + """https://a.test {
	tls a.test.crt a.test.key
	respond "site a"
}
https://b.test {
	tls b.test.crt b.test.key
	respond "site b"
}
"""
    srv = Server(binary, config)
    _self_signed(srv.dir, "a.test")
    _self_signed(srv.dir, "b.test")
    with srv as s:
        for name in ("a.test", "b.test"):
            status, body, err, _ = _curl(s.port, name, cacert=os.path.join(s.dir, name + ".crt"))
            check(status == "200" and body == "site " + name[0], "%s: %s %r %s" % (name, status, body, err))
            check(_peer_subject(s.port, name) == "CN = " + name, "s_client %s got %r" % (name, _peer_subject(s.port, name)))
        # A name nobody serves: the handshake fails, no certificate is sent.
        check(_peer_subject(s.port, "unknown.test") is None, "unknown SNI got a certificate")
        check(_peer_subject(s.port, None) is None, "no SNI got a certificate")
        # default_sni: a ClientHello without SNI gets b's certificate; an
        # unknown name still fails (that is fallback_sni's), as in Caddy.
        s.reload(GLOBAL.replace("{\n", "{\n\tdefault_sni b.test\n", 1) + config[len(GLOBAL):])
        check(s.wait_log("configuration reloaded"), "no reload: " + s.read_log()[-800:])
        check(_peer_subject(s.port, None) == "CN = b.test", "default_sni, no SNI: %r" % _peer_subject(s.port, None))
        check(_peer_subject(s.port, "unknown.test") is None, "default_sni answered an unknown name")
        check(_peer_subject(s.port, "a.test") == "CN = a.test", "a.test after default_sni")
        s.reload(GLOBAL.replace("{\n", "{\n\tfallback_sni a.test\n", 1) + config[len(GLOBAL):])
        check(_wait_reloads(s, 2), "no second reload: " + s.read_log()[-800:])
        check(_peer_subject(s.port, "unknown.test") == "CN = a.test", "fallback_sni: %r"
              % _peer_subject(s.port, "unknown.test"))
        check(_peer_subject(s.port, None) is None, "fallback_sni answered a ClientHello without SNI")


def test_tls_client_auth_require_and_verify(binary):
    config = GLOBAL + """localhost {
	tls internal {
		client_auth {
			mode require_and_verify
			trusted_ca_cert_file ca.crt
		}
	}
	respond "client ok {tls_client_subject}|{tls_client_issuer}|{tls_client_serial}|{tls_client_fingerprint}"
}
"""
    srv = Server(binary, config)
    _client_ca(srv.dir)
    with srv as s:
        root = os.path.join(s.dir, ROOT_CRT)
        status, body, err, code = _curl(s.port, "localhost", cacert=root)
        check(status != "200" and code != 0, "no client certificate was served: %s %r" % (status, body))
        status, body, err, _ = _curl(s.port, "localhost", cacert=root,
                                     extra=("--cert", os.path.join(s.dir, "client.crt"),
                                            "--key", os.path.join(s.dir, "client.key")))
        p = _run(["openssl", "x509", "-in", "client.crt", "-noout", "-serial", "-fingerprint", "-sha256"], s.dir)
        fields = dict(line.split("=", 1) for line in p.stdout.decode().splitlines())
        want = "client ok CN=client|CN=ca|%d|%s" % (int(fields["serial"], 16),
                                                  fields["sha256 Fingerprint"].replace(":", "").lower())
        check(status == "200" and body == want, "with the client certificate: %s %r (want %r) %s"
              % (status, body, want, err))
        # A certificate from another CA is refused too.
        _self_signed(s.dir, "stranger")
        status, body, err, code = _curl(s.port, "localhost", cacert=root,
                                        extra=("--cert", os.path.join(s.dir, "stranger.crt"),
                                               "--key", os.path.join(s.dir, "stranger.key")))
        check(status != "200" and code != 0, "a stranger's certificate was accepted: %s %r" % (status, body))


def test_tls_protocols_tls13_only(binary):
    config = GLOBAL + """localhost {
	tls internal {
		protocols tls1.3
	}
	respond "{tls_version}"
}
"""
    with Server(binary, config) as s:
        root = os.path.join(s.dir, ROOT_CRT)
        status, body, err, code = _curl(s.port, "localhost", cacert=root, extra=("--tls-max", "1.2"))
        check(code != 0, "a TLS 1.2 client was served: %s %r" % (status, body))
        status, body, err, _ = _curl(s.port, "localhost", cacert=root)
        check(status == "200" and body == "tls1.3", "%s %r %s" % (status, body, err))


def test_tls_default_is_tls12_and_13_only(binary):
    config = GLOBAL + """localhost {
	respond "{tls_version}"
}
"""
    with Server(binary, config) as s:
        root = os.path.join(s.dir, ROOT_CRT)
        status, body, err, _ = _curl(s.port, "localhost", cacert=root, extra=("--tls-max", "1.2"))
        check(status == "200" and body == "tls1.2", "TLS 1.2: %s %r %s" % (status, body, err))
        for flag in ("-tls1", "-tls1_1"):
            p = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % s.port, "-servername",
                                "localhost", flag, "-cipher", "DEFAULT@SECLEVEL=0"], input=b"",
                               capture_output=True, timeout=IO_TIMEOUT + 5)
            check("Cipher is (NONE)" in p.stdout.decode(errors="replace") or p.returncode != 0,
                  "%s was accepted" % flag)


def _still_serves(s):
    status, body, err, _ = _curl(s.port, "localhost", cacert=os.path.join(s.dir, ROOT_CRT))
    check(status == "200" and body == "alive", "the server stopped serving: %s %r %s" % (status, body, err))


ALIVE = GLOBAL + """localhost {
	respond "alive"
}
"""


def test_tls_garbage_client_hello(binary):
    # Each is refused at once (no byte looks like the start of an SSLv2
    # record, which would wait for its length: that is the stalled case).
    with Server(binary, ALIVE) as s:
        for junk in (b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", b"\x16\x03\x01\x00\x05hello",
                     b"\x16\x03\x01\xff\xff" + bytes(range(256)) * 4,
                     # application data before any handshake
                     b"\x17\x03\x03\x00\x10" + b"\x00" * 16, b"\x00" * 2048):
            c = socket.create_connection(("127.0.0.1", s.port), timeout=IO_TIMEOUT)
            try:
                c.sendall(junk)
                got = b""
                while True:
                    chunk = c.recv(4096)
                    if not chunk:
                        break
                    got += chunk
            except ConnectionResetError:
                got = b""
            finally:
                c.close()
            # At most a TLS alert record comes back, never HTTP.
            check(not got.startswith(b"HTTP"), "garbage %r answered %r" % (junk[:16], got[:60]))
        _still_serves(s)


def test_tls_stalled_handshake_is_closed(binary):
    # The handshake counts against read_header, as in Go's server.
    config = GLOBAL.replace("{\n", "{\n\tservers {\n\t\ttimeouts {\n\t\t\tread_header 2s\n\t\t}\n\t}\n", 1) + \
        ALIVE[len(GLOBAL):]
    with Server(binary, config) as s:
        # Half a ClientHello, then silence: the timeout closes it.
        c = socket.create_connection(("127.0.0.1", s.port), timeout=IO_TIMEOUT)
        try:
            c.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
            try:
                closed = c.recv(4096) == b""
            except ConnectionResetError:
                closed = True
            except socket.timeout:
                closed = False
            check(closed, "a stalled handshake was still open after %ss" % IO_TIMEOUT)
        finally:
            c.close()
        _still_serves(s)


def test_tls_client_closes_mid_record(binary):
    with Server(binary, ALIVE) as s:
        ctx = ssl.create_default_context(cafile=os.path.join(s.dir, ROOT_CRT))
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
        raw = socket.create_connection(("127.0.0.1", s.port), timeout=IO_TIMEOUT)
        try:
            while True:
                try:
                    tls.do_handshake()
                    break
                except ssl.SSLWantReadError:
                    raw.sendall(outgoing.read())
                    data = raw.recv(65536)
                    check(data, "the server closed during the handshake")
                    incoming.write(data)
            raw.sendall(outgoing.read())
            tls.write(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
            record = outgoing.read()
            raw.sendall(record[:len(record) // 2])   # half a record, then gone
        finally:
            raw.close()
        _still_serves(s)


def _expired_cert(d, name):
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        raise Skip("python3-cryptography is not installed (it makes the expired certificate)")
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=3))
            .not_valid_after(now - datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .sign(key, hashes.SHA256()))
    with open(os.path.join(d, name + ".crt"), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(os.path.join(d, name + ".key"), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    os.chmod(os.path.join(d, name + ".key"), 0o600)


def _validate(binary, d, config):
    with open(os.path.join(d, "Caddyfile"), "w") as f:
        f.write(config)
    p = _run([binary, "validate", "--config", "Caddyfile"], d)
    return p.returncode, p.stderr.decode(errors="replace")


def test_tls_bad_certificate_files_are_config_errors(binary):
    srv = Server(binary, ALIVE)
    d = srv.dir
    try:
        _expired_cert(d, "old.test")
        _self_signed(d, "a.test")
        _self_signed(d, "b.test")
        site = "{\n\tstorage file_system %s/data\n}\nhttps://a.test:8443 {\n\ttls %s %s\n}\n"
        code, err = _validate(binary, d, site % (d, "old.test.crt", "old.test.key"))
        # Paths as the Caddyfile wrote them (relative to its directory).
        check(code == 1 and "Caddyfile:5:2: tls: certificate file old.test.crt: the certificate expired on"
              in err, "expired: %d %s" % (code, err))
        code, err = _validate(binary, d, site % (d, "a.test.crt", "b.test.key"))
        check(code == 1 and "Caddyfile:5:2: tls: key file b.test.key does not match the certificate in a.test.crt"
              in err, "mismatch: %d %s" % (code, err))
        code, err = _validate(binary, d, site % (d, "none.crt", "none.key"))
        check(code == 1 and "Caddyfile:5:2: tls: cannot read the certificate file none.crt" in err,
              "missing: %d %s" % (code, err))
        os.chmod(os.path.join(d, "a.test.key"), 0o644)
        code, err = _validate(binary, d, site % (d, "a.test.crt", "a.test.key"))
        check(code == 0 and "a.test.key can be read by anyone (mode 644): chmod 600 it" in err,
              "readable key: %d %s" % (code, err))
    finally:
        srv.cleanup()


def test_tls_reload_with_bad_certificate_keeps_serving(binary):
    with Server(binary, ALIVE) as s:
        _expired_cert(s.dir, "old.test")
        s.reload(GLOBAL + "localhost {\n\ttls old.test.crt old.test.key\n\trespond \"new\"\n}\n")
        check(s.wait_log("reload refused"), "the reload was not refused: " + s.read_log()[-800:])
        check("old.test.crt: the certificate expired" in s.read_log(), "the refusal does not name the file")
        _still_serves(s)


def test_tls_seen_by_matchers_plugins_and_upstreams(binary):
    """protocol https, plugins' is_tls and X-Forwarded-Proto see the TLS
    connection; a file of many records comes through whole, also to a
    client that reads slowly."""
    from proxy_upstream import Reply, Upstream
    from ifrit_e2e import PLUGINS, built

    built(os.path.join(PLUGINS, "echo.wasm"))
    up = Upstream(lambda req: Reply(200, {}, ("proto=%s" % req.header("X-Forwarded-Proto")).encode())).start()
    config = GLOBAL + """localhost {
	@secure protocol https
	handle /proto {
		respond @secure "secure"
		respond "plain"
	}
	handle /plugin* {
		wasm_plugin @ROOT@/build/plugins/echo.wasm
	}
	handle /up {
		reverse_proxy 127.0.0.1:%d
	}
	handle /big {
		root * @DIR@
		rewrite * /big.bin
		file_server
	}
}
""" % up.port
    big = bytes(range(256)) * 32768 + b"end"   # 8 MiB and 3 bytes: more than a socket buffer holds
    try:
        with Server(binary, config, files={"big.bin": big}) as s:
            root = os.path.join(s.dir, ROOT_CRT)
            status, body, err, _ = _curl(s.port, "localhost", "/proto", cacert=root)
            check(body == "secure", "protocol https: %s %r %s" % (status, body, err))
            status, body, err, _ = _curl(s.port, "localhost", "/plugin", cacert=root)
            check("tls=1\n" in body, "is_tls: %s %r %s" % (status, body, err))
            status, body, err, _ = _curl(s.port, "localhost", "/up", cacert=root)
            check(body == "proto=https", "X-Forwarded-Proto: %s %r %s" % (status, body, err))
            p = subprocess.run(["curl", "-sS", "--max-time", str(int(IO_TIMEOUT)), "--cacert", root, "--resolve",
                                "localhost:%d:127.0.0.1" % s.port, "https://localhost:%d/big" % s.port],
                               capture_output=True, timeout=IO_TIMEOUT + 5)
            check(p.stdout == big, "file over TLS: %d bytes of %d, %s" % (len(p.stdout), len(big), p.stderr))
            # A client with a tiny receive buffer: the server's socket is
            # full again and again, records wait in OpenSSL, all arrive.
            raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            raw.settimeout(IO_TIMEOUT)
            raw.connect(("127.0.0.1", s.port))
            ctx = ssl.create_default_context(cafile=root)
            with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                tls.sendall(b"GET /big HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                got = b""
                while True:
                    chunk = tls.recv(1024)
                    if not chunk:
                        break
                    got += chunk
            check(got.endswith(b"\r\n\r\n" + big), "slow reader got %d bytes, tail %r" % (len(got), got[-20:]))
    finally:
        up.stop()


TESTSSL = "/usr/bin/testssl"
# What testssl.sh must not find: a protocol older than TLS 1.2, a weak
# cipher category, missing forward secrecy, a vulnerability.
TESTSSL_BAD = ("VULNERABLE", "SSLv2      offered", "SSLv3      offered", "TLS 1      offered", "TLS 1.1    offered",
               "NULL ciphers (no encryption)                  offered",
               "Anonymous NULL Ciphers (no authentication)    offered",
               "Export ciphers (w/o ADH+NULL)                 offered",
               "LOW: 64 Bit + DES, RC[2,4] (w/o export)       offered",
               "Triple DES Ciphers / IDEA                     offered", "PFS is not offered")


def test_tls_testssl_findings(binary):
    """testssl.sh (Debian's) against a default TLS site: protocols, cipher
    categories, forward secrecy and the vulnerability checks. Its findings
    are printed as comment lines before the result."""
    if not os.path.exists(TESTSSL):
        raise Skip("testssl.sh is not installed (%s; make deps installs it)" % TESTSSL)
    with Server(binary, ALIVE) as s:
        p = subprocess.run([TESTSSL, "--quiet", "--color", "0", "--warnings", "off", "--ip", "127.0.0.1", "-p", "-s",
                            "-f", "-U", "localhost:%d" % s.port], capture_output=True, timeout=600)
        out = p.stdout.decode(errors="replace")
        findings = [line.strip() for line in out.splitlines()
                    if "offered" in line or "vulnerable" in line.lower() or "PFS" in line]
        for line in findings:
            print("# testssl: " + line, flush=True)
        check(findings, "testssl.sh printed no findings (exit %d): %s" % (p.returncode, out[-800:]))
        bad = [line for line in out.splitlines() if any(b in line for b in TESTSSL_BAD)]
        check(not bad, "testssl.sh found: " + " | ".join(x.strip() for x in bad))
        _still_serves(s)


def test_tls_session_from_one_site_does_not_resume_on_another(binary):
    """A session (ticket) made with one site must not skip another site's
    client_auth by resumption: each site's context has its own session id
    context."""
    config = GLOBAL + """localhost {
	tls internal
	respond "open"
}
b.localhost {
	tls internal {
		client_auth {
			trusted_ca_cert_file ca.crt
		}
	}
	respond "guarded"
}
"""
    srv = Server(binary, config)
    _client_ca(srv.dir)
    with srv as s:
        sess = os.path.join(s.dir, "sess.pem")
        base = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % s.port, "-CAfile", os.path.join(s.dir, ROOT_CRT)]
        # A request and its answer on each connection: a TLS 1.3 ticket
        # arrives after the handshake, so s_client must not hang up first.
        ask = b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        for version in ("-tls1_3", "-tls1_2"):
            p = subprocess.run(base + [version, "-servername", "localhost", "-sess_out", sess, "-ign_eof"], input=ask,
                               capture_output=True, timeout=IO_TIMEOUT + 5)
            check(b"open" in p.stdout and os.path.exists(sess), "first handshake %s: %s" % (version, p.stderr[-300:]))
            p = subprocess.run(base + [version, "-servername", "localhost", "-sess_in", sess, "-ign_eof"], input=ask,
                               capture_output=True, timeout=IO_TIMEOUT + 5)
            check(b"Reused," in p.stdout, "%s: the same site does not resume its own session" % version)
            req = b"GET / HTTP/1.1\r\nHost: b.localhost\r\nConnection: close\r\n\r\n"
            p = subprocess.run(base + [version, "-servername", "b.localhost", "-sess_in", sess, "-ign_eof"],
                               input=req, capture_output=True, timeout=IO_TIMEOUT + 5)
            check(b"Reused," not in p.stdout and b"guarded" not in p.stdout,
                  "%s: a session of localhost resumed on b.localhost without a client certificate" % version)
            os.unlink(sess)


def test_tls_client_auth_host_must_match_sni(binary):
    """Caddy's strict_sni_host, on by itself with client_auth: a benign SNI
    (localhost) with the Host of the client_auth site gets 421 Misdirected
    Request (as Caddy 2.7+; 2.6 answered 403), not that site's content
    without a certificate."""
    config = GLOBAL + """localhost {
	tls internal
	respond "open"
}
b.localhost {
	tls internal {
		client_auth {
			trusted_ca_cert_file ca.crt
		}
	}
	respond "guarded"
}
"""
    srv = Server(binary, config)
    _client_ca(srv.dir)
    with srv as s:
        root = os.path.join(s.dir, ROOT_CRT)
        status, body, err, _ = _curl(s.port, "localhost", cacert=root, extra=("-H", "Host: b.localhost"))
        check(status == "421" and "guarded" not in body, "fronted request: %s %r %s" % (status, body, err))
        status, body, err, _ = _curl(s.port, "localhost", cacert=root)
        check(status == "200" and body == "open", "matching Host: %s %r %s" % (status, body, err))
        status, body, err, _ = _curl(s.port, "b.localhost", cacert=root,
                                     extra=("--cert", os.path.join(s.dir, "client.crt"),
                                            "--key", os.path.join(s.dir, "client.key")))
        check(status == "200" and body == "guarded", "with a certificate: %s %r %s" % (status, body, err))


def test_tls_trust_prints_the_root_without_installing_as_non_root(binary):
    """ifrit trust run as a user (nobody, through setpriv when the tests
    run as root) creates the CA in the Caddyfile's storage and prints the
    root's path; installing needs root, so nothing is installed. untrust as
    a user is refused with a reason."""
    srv = Server(binary, ALIVE)
    try:
        d = srv.dir
        os.chmod(d, 0o777)
        config = os.path.join(d, "Caddyfile.trust")
        with open(config, "w") as f:
            f.write("{\n\tstorage file_system %s/data\n}\n:1 {\n}\n" % d)
        os.chmod(config, 0o644)
        as_user = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"] if os.geteuid() == 0 else []
        p = _run(as_user + [binary, "trust", "--config", config], d)
        out = p.stdout.decode(errors="replace")
        root = os.path.join(d, ROOT_CRT)
        check(p.returncode == 0 and ("the local CA's root certificate: " + root) in out and "not installed" in out,
              "trust: %d %s %s" % (p.returncode, out, p.stderr.decode(errors="replace")))
        check(os.path.exists(root), "no root at %s" % root)
        p = _run(as_user + [binary, "untrust", "--config", config], d)
        check(p.returncode == 1 and b"run it as root" in p.stderr, "untrust: %d %r" % (p.returncode, p.stderr))
    finally:
        srv.cleanup()


def test_tls_access_log_has_the_tls_object(binary):
    """The access log line of a TLS request carries Caddy's "tls" object:
    resumed, version and cipher_suite as wire numbers, proto, server_name."""
    import json
    config = GLOBAL + """localhost {
	log {
		output file @DIR@/access.log
	}
	respond "logged"
}
"""
    with Server(binary, config) as s:
        status, body, err, _ = _curl(s.port, "localhost", cacert=os.path.join(s.dir, ROOT_CRT))
        check(status == "200", "%s %s" % (status, err))
        s.stop()
        with open(os.path.join(s.dir, "access.log")) as f:
            line = json.loads(f.readline())
        tls = line["request"].get("tls")
        # curl offers h2 first, and HTTP/2 is on by default.
        check(line["request"].get("proto") == "HTTP/2.0", "proto: %r" % line["request"])
        check(tls == {"resumed": False, "version": 0x0304, "cipher_suite": tls and tls.get("cipher_suite"),
                      "proto": "h2", "server_name": "localhost"} and tls["cipher_suite"] in (0x1301, 0x1302, 0x1303),
              "tls object: %r" % tls)


def test_tls_websocket_through_reverse_proxy(binary):
    """A WebSocket over TLS through reverse_proxy to a plain upstream: the
    tunnel's client side is the TLS transport (no splice there), frames
    both ways, one far larger than a record."""
    import base64
    import hashlib
    from proxy_upstream import Upstream
    from test_proxy_websocket import OP_CLOSE, OP_TEXT, WS_GUID, Echo, sock_take, ws_frame, ws_read

    echo = Echo()
    with Upstream(echo.app) as up:
        config = GLOBAL + "localhost {\n\treverse_proxy %s\n}\n" % up.addr
        with Server(binary, config) as s:
            ctx = ssl.create_default_context(cafile=os.path.join(s.dir, ROOT_CRT))
            raw = socket.create_connection(("127.0.0.1", s.port), timeout=IO_TIMEOUT)
            with ctx.wrap_socket(raw, server_hostname="localhost") as c:
                key = base64.b64encode(os.urandom(16))
                c.sendall(b"GET /chat HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                          b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + key + b"\r\n\r\n")
                head = b""
                while b"\r\n\r\n" not in head:
                    got = c.recv(1)
                    check(got, "the connection closed before the 101: %r" % head)
                    head += got
                check(head.startswith(b"HTTP/1.1 101"), "no 101: %r" % head)
                want = base64.b64encode(hashlib.sha1(key + WS_GUID).digest())
                check(want in head, "the upstream's accept key is missing: %r" % head)
                take = sock_take(c)
                check(ws_read(take) == (OP_TEXT, b"hello"), "the upstream's first frame")
                big = bytes(range(256)) * 1200   # 300 KiB: many records each way
                for payload in (b"small", big):
                    c.sendall(ws_frame(OP_TEXT, payload, True))
                    check(ws_read(take) == (OP_TEXT, payload), "echo of %d bytes" % len(payload))
                c.sendall(ws_frame(OP_CLOSE, b"\x03\xe8", True))
                check(ws_read(take)[0] == OP_CLOSE, "the close is answered")
