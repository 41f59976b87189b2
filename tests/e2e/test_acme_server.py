"""Automatic HTTPS: the ifrit binary obtains its certificates from a real
ACME CA (Debian's pebble, validating for real: never PEBBLE_VA_ALWAYS_VALID)
and serves them. pebble, pebble-challtestsrv (its DNS, answering 127.0.0.1)
and ifrit all listen on 127.0.0.1; ifrit's http_port and https_port are the
ports pebble validates on, so its HTTP-01 and TLS-ALPN-01 answers are what
pebble sees. The Pebble helper is tests/acme/test_acme.py's."""
import importlib.util
import os
import re
import shutil
import subprocess
import time

from ifrit_e2e import E2EError, Server, Skip, check

HERE = os.path.dirname(os.path.abspath(__file__))
ISSUE_TIMEOUT = 120.0   # bound on waiting for a certificate (retries and polls included; not a threshold)


def _acme_helpers():
    spec = importlib.util.spec_from_file_location("acme_pebble", os.path.join(HERE, "..", "acme", "test_acme.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _pebble(**kw):
    if not shutil.which("pebble") or not shutil.which("pebble-challtestsrv"):
        raise Skip("pebble is not installed (scripts/install-deps.sh installs it)")
    return _acme_helpers().Pebble(**kw)


HTTP01 = "http01.example.test"
ALPN = "alpn.example.test"


def _config(p, storage, sites=(HTTP01, ALPN), extra="", http_port=None, https_port=None):
    text = ("{\n\tstorage file_system %s\n\thttp_port %d\n\thttps_port %d\n\tacme_ca %s\n\tacme_ca_root %s\n"
            "\temail ops@example.test\n\trenew_interval 1s\n%s}\n:@PORT@ {\n\trespond \"up\"\n}\n"
            % (storage, http_port or p.http_port, https_port or p.tls_port, p.directory, p.ca, extra))
    for name in sites:
        # Each site proves one challenge: the other is disabled.
        off = "disable_tlsalpn_challenge" if name.startswith("http01") else "disable_http_challenge"
        text += "%s {\n\ttls {\n\t\tissuer acme {\n\t\t\t%s\n\t\t}\n\t}\n\trespond \"hello %s\"\n}\n" % (name, off, name)
    return text


def _orders(p):
    """The orders pebble was sent (its log has a line per newOrder request)."""
    with open(os.path.join(p.dir, "pebble.log")) as f:
        return len(re.findall(r"POST /order-plz", f.read()))


def _wait_log_count(srv, needle, count, timeout=ISSUE_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if srv.read_log().count(needle) >= count:
            return
        if srv.proc.poll() is not None:
            break
        time.sleep(0.1)
    raise E2EError("no %d x %r in the log:\n%s" % (count, needle, srv.read_log()[-4000:]))


def _curl(p, name, port, root):
    r = subprocess.run(["curl", "-sS", "--http1.1", "--max-time", "15", "--cacert", root, "--resolve",
                        "%s:%d:127.0.0.1" % (name, port), "https://%s:%d/" % (name, port)],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30)
    return r.returncode, r.stdout


def _serial(name, port, root):
    r = subprocess.run("openssl s_client -connect 127.0.0.1:%d -servername %s -CAfile %s </dev/null 2>/dev/null"
                       " | openssl x509 -noout -serial" % (port, name, root), shell=True,
                       stdout=subprocess.PIPE, text=True, timeout=30)
    return r.stdout.strip()


def test_acme_http01_and_tlsalpn01(binary):
    """One site by HTTP-01, one by TLS-ALPN-01, each answered by ifrit
    itself; curl trusts pebble's root and gets each site over HTTPS."""
    with _pebble() as p, Server(binary, _config(p, "@DIR@/data")) as srv:
        _wait_log_count(srv, "%s: certificate in use" % HTTP01, 1)
        _wait_log_count(srv, "%s: certificate in use" % ALPN, 1)
        log = srv.read_log()
        check("answered the http-01 challenge at /.well-known/acme-challenge/" in log, log[-3000:])
        check("answered the tls-alpn-01 challenge for %s" % ALPN in log, log[-3000:])
        root = p.root()
        for name in (HTTP01, ALPN):
            rc, out = _curl(p, name, p.tls_port, root)
            check(rc == 0 and out == "hello " + name, "curl %s: %s" % (name, out[-1200:]))
        check(_orders(p) == 2, "pebble saw %d orders" % _orders(p))
