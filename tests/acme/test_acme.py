#!/usr/bin/env python3
"""The ACME client (src/acme) against a real CA: Debian's pebble, with
pebble-challtestsrv answering its DNS with 127.0.0.1, everything on
127.0.0.1 and started here. tests/tools/acme_get drives the client and
answers the validations itself (HTTP-01 on pebble's httpPort, TLS-ALPN-01 on
its tlsPort); pebble validates for real (never PEBBLE_VA_ALWAYS_VALID).

    tests/acme/test_acme.py TOOL LABEL

Prints PASS/FAIL/SKIP lines (see tests/run.sh)."""
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

START_TIMEOUT = 20.0   # bound on waiting for pebble to listen (not a performance threshold)
RUN_TIMEOUT = 120      # bound on one acme_get run


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=RUN_TIMEOUT, **kw)


class Pebble:
    """pebble and pebble-challtestsrv in a temp dir with their own ports and
    a TLS certificate for pebble's listener from a CA made here (acme_ca_root).
    validity_s: the lifetime of the certificates pebble issues (0: its default);
    ocsp_url: the OCSP responder pebble names in them ("": none);
    eab_keys: {key_id: base64url MAC key}: pebble then requires an external
    account binding with one of them."""

    def __init__(self, env=None, start=True, validity_s=0, ocsp_url="", eab_keys=None):
        self.dir = tempfile.mkdtemp(prefix="ifrit-acme-")
        self.env = dict(os.environ, PEBBLE_VA_NOSLEEP="1", PEBBLE_WFE_NONCEREJECT="0")
        self.env.update(env or {})
        self.acme_port, self.mgmt_port = free_port(), free_port()
        self.http_port, self.tls_port, self.dns_port = free_port(), free_port(), free_port()
        self.procs = []
        d = self.dir
        self.ca = os.path.join(d, "ca.crt")
        for cmd in (
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", d + "/ca.key", "-out", self.ca, "-days", "2", "-subj", "/CN=ifrit acme test CA"],
            ["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", d + "/pebble.key", "-out", d + "/pebble.csr", "-subj", "/CN=localhost"],
        ):
            r = run(cmd)
            assert r.returncode == 0, r.stdout
        with open(d + "/ext", "w") as f:
            f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
        r = run(["openssl", "x509", "-req", "-in", d + "/pebble.csr", "-CA", self.ca, "-CAkey", d + "/ca.key",
                 "-CAcreateserial", "-out", d + "/pebble.crt", "-days", "2", "-extfile", d + "/ext"])
        assert r.returncode == 0, r.stdout
        with open(d + "/pebble.json", "w") as f:
            f.write('{"pebble":{"listenAddress":"127.0.0.1:%d","managementListenAddress":"127.0.0.1:%d",'
                    '"certificate":"%s/pebble.crt","privateKey":"%s/pebble.key","httpPort":%d,"tlsPort":%d,'
                    '"ocspResponderURL":"%s","externalAccountBindingRequired":%s%s%s}}'
                    % (self.acme_port, self.mgmt_port, d, d, self.http_port, self.tls_port, ocsp_url,
                       "true" if eab_keys else "false",
                       ',"externalAccountMACKeys":%s' % json.dumps(eab_keys) if eab_keys else "",
                       ',"certificateValidityPeriod":%d' % validity_s if validity_s else ""))
        self.directory = "https://127.0.0.1:%d/dir" % self.acme_port
        self.dns = subprocess.Popen(
            ["pebble-challtestsrv", "-dns01", "127.0.0.1:%d" % self.dns_port, "-http01", "", "-https01", "",
             "-tlsalpn01", "", "-management", "127.0.0.1:%d" % free_port(), "-defaultIPv6", ""],
            stdout=open(d + "/challtestsrv.log", "w"), stderr=subprocess.STDOUT)
        self.procs.append(self.dns)
        if start:
            self.start()

    def start(self):
        p = subprocess.Popen(["pebble", "-config", self.dir + "/pebble.json", "-strict=false",
                              "-dnsserver", "127.0.0.1:%d" % self.dns_port],
                             stdout=open(self.dir + "/pebble.log", "a"), stderr=subprocess.STDOUT, env=self.env)
        self.procs.append(p)
        ctx = ssl.create_default_context(cafile=self.ca)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                urllib.request.urlopen(self.directory, context=ctx, timeout=5).read()
                return
            except OSError:
                if time.monotonic() > deadline or p.poll() is not None:
                    raise AssertionError("pebble did not start: " + self.log())
                time.sleep(0.1)

    def root(self):
        """pebble's issuing root (regenerated at every start), from its management port."""
        ctx = ssl.create_default_context(cafile=self.ca)
        pem = urllib.request.urlopen("https://127.0.0.1:%d/roots/0" % self.mgmt_port, context=ctx, timeout=10).read()
        path = os.path.join(self.dir, "root.pem")
        with open(path, "wb") as f:
            f.write(pem)
        return path

    def log(self):
        try:
            with open(self.dir + "/pebble.log") as f:
                return f.read()[-2000:]
        except OSError:
            return "(no pebble log)"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def acme_get(tool, pebble, name, challenge="http-01", extra=(), popen=False):
    out = os.path.join(pebble.dir, "out")
    os.makedirs(out, exist_ok=True)
    cmd = [tool, "--dir", pebble.directory, "--ca-root", pebble.ca, "--email", "ops@example.test",
           "--name", name, "--out", out, "--challenge", challenge]
    cmd += ["--http-port", str(pebble.http_port)] if challenge == "http-01" else ["--tls-port", str(pebble.tls_port)]
    cmd += list(extra)
    if popen:
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True), out
    return run(cmd), out


def check_certificate(pebble, out, name):
    """The chain verifies against pebble's root, for the name asked."""
    chain = os.path.join(out, name + ".crt")
    with open(chain) as f:
        pems = f.read().split("-----END CERTIFICATE-----")
    pems = [p + "-----END CERTIFICATE-----\n" for p in pems if "BEGIN CERTIFICATE" in p]
    assert len(pems) >= 2, "the chain holds %d certificates" % len(pems)
    leaf, inter = os.path.join(out, "leaf.pem"), os.path.join(out, "inter.pem")
    with open(leaf, "w") as f:
        f.write(pems[0].lstrip())
    with open(inter, "w") as f:
        f.write("".join(p.lstrip() for p in pems[1:]))
    r = run(["openssl", "verify", "-CAfile", pebble.root(), "-untrusted", inter, leaf])
    assert r.returncode == 0 and ": OK" in r.stdout, "openssl verify: " + r.stdout
    r = run(["openssl", "x509", "-in", leaf, "-noout", "-ext", "subjectAltName"])
    assert "DNS:" + name in r.stdout, "the leaf's SAN: " + r.stdout
    key = os.path.join(out, name + ".key")
    assert os.stat(key).st_mode & 0o777 == 0o600, "the key is not 0600"
    # The key is the certificate's.
    pub_cert = run(["openssl", "x509", "-in", leaf, "-noout", "-pubkey"]).stdout
    pub_key = run(["openssl", "pkey", "-in", key, "-pubout"]).stdout
    assert pub_cert and pub_cert == pub_key, "the key does not match the certificate"


def test_http01(tool):
    with Pebble() as p:
        r, out = acme_get(tool, p, "http01.example.test")
        assert r.returncode == 0, r.stdout + p.log()
        assert "http-01 for http01.example.test: valid" in r.stdout, r.stdout
        check_certificate(p, out, "http01.example.test")


def test_tls_alpn01(tool):
    with Pebble() as p:
        r, out = acme_get(tool, p, "alpn.example.test", challenge="tls-alpn-01")
        assert r.returncode == 0, r.stdout + p.log()
        assert "tls-alpn-01 for alpn.example.test: valid" in r.stdout, r.stdout
        check_certificate(p, out, "alpn.example.test")


def test_ca_down_then_up(tool):
    """The directory fails to connect at first; the backoff retries reach
    pebble once it is started (only after the client has logged a retry)."""
    with Pebble(start=False) as p:
        proc, out = acme_get(tool, p, "late.example.test", extra=["--attempts", "30", "--backoff-ms", "100"], popen=True)
        seen = []
        try:
            for line in proc.stdout:
                seen.append(line)
                if "retry 1 in" in line:
                    break
            assert any("retry 1 in" in l for l in seen), "no retry logged: " + "".join(seen)
            p.start()
            rest, _ = proc.communicate(timeout=RUN_TIMEOUT)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        text = "".join(seen) + rest
        assert proc.returncode == 0, text + p.log()
        assert "failed (Couldn't connect to server)" in text, text
        check_certificate(p, out, "late.example.test")


def test_bad_nonce_retried(tool):
    """pebble rejects 60% of good nonces as badNonce; each is retried with the
    nonce the error carries (40 retries per request, so a run of rejections
    that long is not a realistic outcome)."""
    with Pebble(env={"PEBBLE_WFE_NONCEREJECT": "60"}) as p:
        r, out = acme_get(tool, p, "nonce.example.test", extra=["--bad-nonce-retries", "40"])
        assert r.returncode == 0, r.stdout + p.log()
        assert "badNonce, retrying with the fresh nonce" in r.stdout, r.stdout
        check_certificate(p, out, "nonce.example.test")


def test_bad_domain_refused(tool):
    with Pebble() as p:
        r, out = acme_get(tool, p, "bad_name!.example.test")
        assert r.returncode == 1, r.stdout
        assert "newOrder: the CA refused (400 urn:ietf:params:acme:error:malformed:" in r.stdout, r.stdout
        assert "illegal character" in r.stdout, r.stdout
        assert not os.path.exists(os.path.join(out, "bad_name!.example.test.crt"))


def test_validation_failure_reported(tool):
    """Nothing answers on pebble's httpPort: the authorization turns invalid
    and the log carries the challenge's problem (type and detail)."""
    with Pebble() as p:
        out = os.path.join(p.dir, "out")
        os.makedirs(out)
        r = run([tool, "--dir", p.directory, "--ca-root", p.ca, "--name", "silent.example.test", "--out", out])
        assert r.returncode == 1, r.stdout
        assert "http-01 for silent.example.test (authorization invalid): urn:ietf:params:acme:error:connection:" in r.stdout, r.stdout


def main():
    tool, label = sys.argv[1], sys.argv[2]
    tests = [(n, f) for n, f in sorted(globals().items()) if n.startswith("test_") and callable(f)]
    if not shutil.which("pebble") or not shutil.which("pebble-challtestsrv"):
        for n, _ in tests:
            print("SKIP acme/%s/%s: pebble is not installed (scripts/install-deps.sh installs it)" % (label, n[5:]))
        return 0
    if not os.access(tool, os.X_OK):
        print("FAIL acme/%s: no tool at %s" % (label, tool))
        return 1
    failed = 0
    for n, f in tests:
        try:
            f(tool)
            print("PASS acme/%s/%s" % (label, n[5:]))
        except Exception as e:  # noqa: BLE001 - every failure is reported, not raised
            failed += 1
            why = str(e) or traceback.format_exc()
            print("FAIL acme/%s/%s: %s" % (label, n[5:], why.replace("\n", " | ")[:3000]))
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
