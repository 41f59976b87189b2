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


def test_acme_restart_reuses_storage(binary):
    """The certificate, its key, Caddy's json and the account key are in
    storage in Caddy's layout; a restart on that storage serves the same
    certificate and pebble is sent no new order."""
    with _pebble() as p:
        storage = os.path.join(p.dir, "data")
        with Server(binary, _config(p, storage, sites=(HTTP01,))) as srv:
            _wait_log_count(srv, "%s: certificate in use" % HTTP01, 1)
        issuer = "127.0.0.1-%d-dir" % p.acme_port
        base = os.path.join(storage, "certificates", issuer, HTTP01, HTTP01)
        for ext in ("crt", "key", "json"):
            check(os.path.exists(base + "." + ext), "no %s.%s in storage" % (base, ext))
        check(os.stat(base + ".key").st_mode & 0o777 == 0o600, "the key is not 0600")
        account = os.path.join(storage, "acme", issuer, "users", "ops@example.test", "ops.key")
        check(os.path.exists(account), "no account key at " + account)
        root = p.root()
        first = subprocess.run(["openssl", "x509", "-in", base + ".crt", "-noout", "-serial"],
                               stdout=subprocess.PIPE, text=True).stdout.strip()
        with Server(binary, _config(p, storage, sites=(HTTP01,))) as srv:
            rc, out = _curl(p, HTTP01, p.tls_port, root)
            check(rc == 0 and out == "hello " + HTTP01, "curl after the restart: " + out[-1200:])
            check(_serial(HTTP01, p.tls_port, root) == first, "the restarted server serves another certificate")
            srv.reload()
            rc, out = _curl(p, HTTP01, p.tls_port, root)
            check(rc == 0, "curl after a reload: " + out[-1200:])
            check("ordering a certificate" not in srv.read_log(), srv.read_log()[-3000:])
        check(_orders(p) == 1, "pebble saw %d orders" % _orders(p))


def test_acme_renewal_swaps_live(binary):
    """pebble issues 30 s certificates: at 1/3 of the lifetime left (the
    default renewal_window_ratio) the ACME thread orders a new one and new
    handshakes get it, with no reload."""
    with _pebble(validity_s=30) as p, Server(binary, _config(p, "@DIR@/data", sites=(HTTP01,))) as srv:
        _wait_log_count(srv, "%s: certificate in use" % HTTP01, 1)
        root = p.root()
        first = _serial(HTTP01, p.tls_port, root)
        _wait_log_count(srv, "%s: certificate in use" % HTTP01, 2)
        second = _serial(HTTP01, p.tls_port, root)
        check(first and second and first != second, "serials %r then %r" % (first, second))
        rc, out = _curl(p, HTTP01, p.tls_port, root)
        check(rc == 0 and out == "hello " + HTTP01, "curl after the renewal: " + out[-1200:])
        check(_orders(p) == 2, "pebble saw %d orders" % _orders(p))


def test_acme_ca_down_then_up(binary):
    """The CA does not answer at first: the client's retries (logged) reach
    pebble once it is started, and the site gets its certificate."""
    with _pebble(start=False) as p, Server(binary, _config(p, "@DIR@/data", sites=(HTTP01,))) as srv:
        srv.wait_log("retry 1 in", timeout=ISSUE_TIMEOUT)
        p.start()
        _wait_log_count(srv, "%s: certificate in use" % HTTP01, 1)
        rc, out = _curl(p, HTTP01, p.tls_port, p.root())
        check(rc == 0 and out == "hello " + HTTP01, "curl: " + out[-1200:])


def test_acme_bad_nonce_retried(binary):
    """pebble refuses half of the good nonces as badNonce: each refusal is
    retried with the fresh nonce and the certificate still comes."""
    with _pebble(env={"PEBBLE_WFE_NONCEREJECT": "50"}) as p, \
            Server(binary, _config(p, "@DIR@/data", sites=(ALPN,))) as srv:
        _wait_log_count(srv, "%s: certificate in use" % ALPN, 1)
        with open(os.path.join(p.dir, "pebble.log")) as f:
            check("badNonce" in f.read() or "badNonce" in srv.read_log(), "pebble refused no nonce")
        rc, out = _curl(p, ALPN, p.tls_port, p.root())
        check(rc == 0 and out == "hello " + ALPN, "curl: " + out[-1200:])


def _curl_until(p, name, port, root, srv):
    """curl until it gets the site (bounded by ISSUE_TIMEOUT): the outcome,
    whenever the server has it."""
    deadline = time.monotonic() + ISSUE_TIMEOUT
    while True:
        rc, out = _curl(p, name, port, root)
        if rc == 0 or time.monotonic() > deadline or srv.proc.poll() is not None:
            return rc, out
        time.sleep(0.2)


def test_acme_two_processes_one_order(binary):
    """Two servers on one storage, the second started while the first
    orders: pebble sees one order, and the second serves the first's
    certificate, whichever way it came to it: waiting on the name's lock
    and then reading storage ("using the certificate another process
    obtained meanwhile"), or finding it in storage at its start. Which one
    happens depends on how fast the first order is, so the test checks the
    outcome (one order, the same serial on both, and no order from the
    second), not the interleaving. (The second listens on ports of its own:
    pebble only validates the first's.)"""
    from ifrit_e2e import free_port
    with _pebble() as p:
        storage = os.path.join(p.dir, "data")
        root = p.root()
        with Server(binary, _config(p, storage, sites=(HTTP01,))) as a:
            check(a.wait_log("%s: ordering a certificate" % HTTP01, timeout=ISSUE_TIMEOUT), a.read_log()[-3000:])
            b_https = free_port()
            other = _config(p, storage, sites=(HTTP01,), http_port=free_port(), https_port=b_https)
            with Server(binary, other) as b:
                _wait_log_count(a, "%s: certificate in use" % HTTP01, 1)
                rc, out = _curl_until(p, HTTP01, b_https, root, b)
                check(rc == 0 and out == "hello " + HTTP01, "the second server: %s\n%s" % (out[-800:],
                                                                                      b.read_log()[-3000:]))
                check(_serial(HTTP01, b_https, root) == _serial(HTTP01, p.tls_port, root),
                      "the two servers serve different certificates")
                check("ordering a certificate" not in b.read_log(), b.read_log()[-3000:])
        check(_orders(p) == 1, "pebble saw %d orders" % _orders(p))


class OcspResponder:
    """An OCSP responder on 127.0.0.1 for pebble's intermediate: each GET
    (RFC 6960 A.1) is answered by `openssl ocsp` in responder mode over an
    index file the test fills (a certificate not in it is "unknown")."""

    def __init__(self, workdir):
        import base64
        import http.server
        import threading
        import urllib.parse
        self.dir = workdir
        self.inter = os.path.join(workdir, "inter.pem")
        self.key = os.path.join(workdir, "inter.key")
        self.index = os.path.join(workdir, "index.txt")
        open(self.index, "w").close()
        self.answered = 0
        responder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                der = base64.b64decode(urllib.parse.unquote(self.path.lstrip("/")))
                req, resp = os.path.join(responder.dir, "ocsp.req"), os.path.join(responder.dir, "ocsp.resp")
                with open(req, "wb") as f:
                    f.write(der)
                r = subprocess.run(["openssl", "ocsp", "-index", responder.index, "-CA", responder.inter,
                                    "-rsigner", responder.inter, "-rkey", responder.key, "-reqin", req,
                                    "-respout", resp, "-nmin", "10"], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, timeout=30)
                body = open(resp, "rb").read() if r.returncode == 0 else b""
                responder.answered += 1
                self.send_response(200 if body else 500)
                self.send_header("Content-Type", "application/ocsp-response")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def load_issuer(self, p):
        """pebble's intermediate and its key, from its management port."""
        import ssl
        import urllib.request
        ctx = ssl.create_default_context(cafile=p.ca)
        for path, url in ((self.inter, "intermediates/0"), (self.key, "intermediate-keys/0")):
            with open(path, "wb") as f:
                f.write(urllib.request.urlopen("https://127.0.0.1:%d/%s" % (p.mgmt_port, url), context=ctx,
                                               timeout=10).read())

    def mark_good(self, cert_path):
        """Adds the certificate to the index as valid."""
        def x509(*args):
            return subprocess.run(["openssl", "x509", "-in", cert_path, "-noout"] + list(args),
                                  stdout=subprocess.PIPE, text=True).stdout.strip()
        serial = x509("-serial").split("=", 1)[1]
        subject = x509("-subject", "-nameopt", "compat").split("=", 1)[1].strip() or "/CN=-"
        with open(self.index, "a") as f:
            f.write("V\t391231235959Z\t\t%s\tunknown\t%s\n" % (serial, subject))

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_acme_ocsp_stapled(binary):
    """pebble names an OCSP responder in its certificates: ifrit fetches the
    status on its ACME thread and staples it. While the responder does not
    know the certificate nothing is stapled and the fetch is tried again at
    the next pass; once it says good, openssl s_client -status sees it."""
    import tempfile
    work = tempfile.mkdtemp(prefix="ifrit-ocsp-")
    ocsp = OcspResponder(work)
    try:
        with _pebble(start=False, ocsp_url=ocsp.url) as p:
            p.start()
            ocsp.load_issuer(p)
            with Server(binary, _config(p, "@DIR@/data", sites=(HTTP01,))) as srv:
                _wait_log_count(srv, "%s: certificate in use" % HTTP01, 1)
                srv.wait_log("%s: OCSP: the OCSP responder does not know this certificate" % HTTP01,
                             timeout=ISSUE_TIMEOUT)
                root = p.root()
                r = subprocess.run("openssl s_client -connect 127.0.0.1:%d -servername %s -CAfile %s -status "
                                   "</dev/null 2>&1" % (p.tls_port, HTTP01, root), shell=True,
                                   stdout=subprocess.PIPE, text=True, timeout=30)
                check("OCSP response: no response sent" in r.stdout, r.stdout[-2000:])
                crt = os.path.join(srv.dir, "data", "certificates", "127.0.0.1-%d-dir" % p.acme_port, HTTP01,
                                   HTTP01 + ".crt")
                ocsp.mark_good(crt)
                srv.wait_log("%s: OCSP response stapled (good)" % HTTP01, timeout=ISSUE_TIMEOUT)
                r = subprocess.run("openssl s_client -connect 127.0.0.1:%d -servername %s -CAfile %s -status "
                                   "</dev/null 2>&1" % (p.tls_port, HTTP01, root), shell=True,
                                   stdout=subprocess.PIPE, text=True, timeout=30)
                check("OCSP Response Status: successful" in r.stdout and "Cert Status: good" in r.stdout,
                      r.stdout[-2000:])
                check(ocsp.answered >= 2, "the responder answered %d times" % ocsp.answered)
    finally:
        ocsp.close()
        shutil.rmtree(work, ignore_errors=True)


def test_acme_wildcard_needs_dns(binary):
    """A public wildcard name with no certificate given is not ordered (CAs
    issue wildcards by DNS-01 only, which ifrit does not do): the log says
    so and its handshakes fail with unrecognized_name."""
    config = ("{\n\tstorage file_system @DIR@/data\n\thttp_port @PORT@\n\thttps_port @PORT2@\n"
              "\tacme_ca https://127.0.0.1:1/dir\n}\n*.wild.example.test {\n\trespond \"no\"\n}\n")
    with Server(binary, config) as srv:
        srv.wait_log("*.wild.example.test: a wildcard certificate needs the DNS challenge")
        r = subprocess.run("openssl s_client -connect 127.0.0.1:%d -servername a.wild.example.test </dev/null 2>&1"
                           % srv.port2, shell=True, stdout=subprocess.PIPE, text=True, timeout=30)
        check("unrecognized name" in r.stdout, r.stdout[-1500:])
        check("ordering a certificate" not in srv.read_log(), srv.read_log()[-2000:])


def test_acme_server_errors_retried(binary):
    """The CA's directory answers 503 twice (a front the test puts before
    pebble's directory, with pebble's own TLS certificate): each is retried
    after a backoff and the certificate still comes."""
    import http.server
    import ssl
    import threading
    import urllib.request
    with _pebble() as p:
        state = {"left": 2}
        upstream = ssl.create_default_context(cafile=p.ca)

        class Front(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if state["left"] > 0:
                    state["left"] -= 1
                    body, status = b"busy", 503
                else:
                    body, status = urllib.request.urlopen(p.directory, context=upstream, timeout=10).read(), 200
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        front = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Front)
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(p.dir + "/pebble.crt", p.dir + "/pebble.key")
        front.socket = tls.wrap_socket(front.socket, server_side=True)
        threading.Thread(target=front.serve_forever, daemon=True).start()
        try:
            config = _config(p, "@DIR@/data", sites=(HTTP01,)).replace(
                p.directory, "https://127.0.0.1:%d/dir" % front.server_address[1])
            with Server(binary, config) as srv:
                _wait_log_count(srv, "%s: certificate in use" % HTTP01, 1)
                log = srv.read_log()
                check("answered 503; retry 1 in" in log and "answered 503; retry 2 in" in log, log[-3000:])
                rc, out = _curl(p, HTTP01, p.tls_port, p.root())
                check(rc == 0 and out == "hello " + HTTP01, "curl: " + out[-1200:])
        finally:
            front.shutdown()
            front.server_close()


def test_acme_stop_during_retries(binary):
    """A stop while the ACME thread backs off from a CA that refuses
    connections: the order gives up at its wait and the server exits
    (rather than waiting out every retry)."""
    config = ("{\n\tstorage file_system @DIR@/data\n\thttp_port @PORT@\n\thttps_port @PORT2@\n"
              "\tacme_ca https://127.0.0.1:1/dir\n}\nstop.example.test {\n\trespond \"no\"\n}\n")
    with Server(binary, config) as srv:
        # The first attempt may come late on a loaded machine (the ACME
        # thread's libcurl loads the system's roots first): wait for it
        # rather than stopping before the order began.
        check(srv.wait_log("retry 1 in", timeout=ISSUE_TIMEOUT), "no retry logged:\n" + srv.read_log()[-2000:])
        srv.stop(timeout=ISSUE_TIMEOUT)
        log = srv.read_log()
        check("stopped before retry" in log, log[-2000:])


EAB_KID = "kid-ifrit"
EAB_MAC = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W"


def test_acme_external_account_binding(binary):
    """pebble requiring an external account binding (its
    externalAccountMACKeys): with acme_eab the newAccount carries the HS256
    binding, pebble accepts it and the certificate comes; the same key id
    with a wrong MAC key is refused by pebble and no order is made."""
    with _pebble(eab_keys={EAB_KID: EAB_MAC}) as p:
        good = "\tacme_eab {\n\t\tkey_id %s\n\t\tmac_key %s\n\t}\n" % (EAB_KID, EAB_MAC)
        with Server(binary, _config(p, "@DIR@/data", sites=(HTTP01,), extra=good)) as srv:
            _wait_log_count(srv, "%s: certificate in use" % HTTP01, 1)
            rc, out = _curl(p, HTTP01, p.tls_port, p.root())
            check(rc == 0 and out == "hello " + HTTP01, "curl: " + out[-1200:])
        check(_orders(p) == 1, "pebble saw %d orders" % _orders(p))
        wrong = good.replace(EAB_MAC, "A" * len(EAB_MAC))
        with Server(binary, _config(p, "@DIR@/other", sites=(HTTP01,), extra=wrong)) as srv:
            srv.wait_log("newAccount: the CA refused", timeout=ISSUE_TIMEOUT)
        check(_orders(p) == 1, "an order went out with a wrong binding: %d" % _orders(p))


def test_acme_eab_required_but_missing(binary):
    """A CA whose directory says externalAccountRequired, with no acme_eab:
    the log says what is missing."""
    with _pebble(eab_keys={EAB_KID: EAB_MAC}) as p, \
            Server(binary, _config(p, "@DIR@/data", sites=(HTTP01,))) as srv:
        srv.wait_log("requires an external account binding: give it with acme_eab", timeout=ISSUE_TIMEOUT)
        check(_orders(p) == 0, "pebble saw %d orders" % _orders(p))


def test_acme_eab_bad_mac_key_is_a_config_error(binary):
    """A mac_key that is not base64url is refused when the configuration is
    loaded, naming the option."""
    config = ("{\n\tstorage file_system @DIR@/data\n\tacme_eab {\n\t\tkey_id k\n\t\tmac_key not+base64/\n\t}\n}\n"
              "eab.example.test {\n\trespond hi\n}\n")
    srv = Server(binary, config)
    srv.port, srv.port2 = 1, 2
    srv.write_config(config)
    r = subprocess.run([binary, "validate", "--config", srv.config_path], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=30)
    srv.cleanup()
    check(r.returncode != 0 and "eab: the mac_key is not base64url" in r.stdout, r.stdout)
