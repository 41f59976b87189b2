"""On-demand TLS (`tls { on_demand }` with `on_demand_tls { ask ... }`)
against Debian's pebble, validating for real (HTTP-01 on ifrit's
http_port): a certificate is obtained at the first handshake for a name
the test's ask endpoint approves; a refused name's handshake fails; the
single worker serves other requests while a handshake waits for its
certificate; interval/burst limit orders; a restart takes the certificate
from storage. The pebble helpers are test_acme_server.py's."""
import http.server
import importlib.util
import os
import subprocess
import threading
import urllib.parse

from ifrit_e2e import E2EError, Server, check

HERE = os.path.dirname(os.path.abspath(__file__))
WAIT = 120.0   # bound on waiting for an outcome (an order's retries and polls included; not a threshold)


def _server_helpers():
    spec = importlib.util.spec_from_file_location("acme_server", os.path.join(HERE, "test_acme_server.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class AskEndpoint:
    """The ask endpoint: GET /check?domain=NAME answers 200 for the names in
    `approved`, 403 otherwise. With `hold` set, answers wait for
    `release` (the test sees `asked` once a request is in)."""

    def __init__(self, approved):
        self.approved = set(approved)
        self.asked = []
        self.got = threading.Event()
        self.hold = False
        self.release = threading.Event()
        ask = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
                name = q.get("domain", [""])[0]
                ask.asked.append(name)
                ask.got.set()
                if ask.hold:
                    ask.release.wait(WAIT)
                self.send_response(200 if name in ask.approved else 403)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/check" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def _config(p, ask, storage, limit=""):
    return ("{\n\tstorage file_system %s\n\thttp_port %d\n\thttps_port %d\n\tacme_ca %s\n\tacme_ca_root %s\n"
            "\temail ops@example.test\n\tworkers 1\n\ton_demand_tls {\n\t\task %s\n%s\t}\n}\n"
            ":@PORT@ {\n\trespond \"up\"\n}\n"
            "https:// {\n\ttls {\n\t\ton_demand\n\t\tissuer acme {\n\t\t\tdisable_tlsalpn_challenge\n\t\t}\n\t}\n"
            "\trespond \"hello {host}\"\n}\n"
            % (storage, p.http_port, p.tls_port, p.directory, p.ca, ask.url, limit))


def _fetch(h, p, name):
    return h._curl(p, name, p.tls_port, p.root())


def test_acme_on_demand_approved_and_refused(binary):
    """An approved name gets its certificate at its first handshake (one
    order) and is served; a second handshake for it uses that one (no
    new order, no new ask); a name the endpoint refuses gets a failed
    handshake and a log line, and nothing is ordered for it."""
    h = _server_helpers()
    ask = AskEndpoint({"yes.example.test"})
    try:
        with h._pebble() as p, Server(binary, _config(p, ask, "@DIR@/data")) as srv:
            rc, out = _fetch(h, p, "yes.example.test")
            check(rc == 0 and out == "hello yes.example.test", "curl yes: %s\n%s" % (out[-800:], srv.read_log()[-3000:]))
            rc, out = _fetch(h, p, "yes.example.test")
            check(rc == 0 and out == "hello yes.example.test", "curl yes again: " + out[-800:])
            check(ask.asked.count("yes.example.test") == 1, "asked %r" % ask.asked)
            rc, out = _fetch(h, p, "no.example.test")
            check(rc != 0, "a refused name was served: " + out[-800:])
            srv.wait_log("on-demand: no.example.test refused (the ask endpoint answered 403)")
            check(h._orders(p) == 1, "pebble saw %d orders" % h._orders(p))
    finally:
        ask.close()


def test_acme_on_demand_worker_serves_while_waiting(binary):
    """With one worker, a handshake waiting for its certificate (the ask
    endpoint holds its answer) does not stop the worker: a plain request
    is answered while the ask is still unanswered; released, the waiting
    handshake and a second one for the same name complete on one order."""
    h = _server_helpers()
    ask = AskEndpoint({"wait.example.test"})
    ask.hold = True
    try:
        with h._pebble() as p, Server(binary, _config(p, ask, "@DIR@/data")) as srv:
            results = []
            threads = [threading.Thread(target=lambda: results.append(_fetch(h, p, "wait.example.test")))
                       for _ in range(2)]
            for t in threads:
                t.start()
            check(ask.got.wait(WAIT), "the ask endpoint was never asked:\n" + srv.read_log()[-3000:])
            r = srv.request("GET", "/")
            check(r.status == 200 and r.body == b"up", "the worker did not answer while a handshake waits: %r" % r)
            check(not ask.release.is_set() and len(results) == 0, "the handshakes ended before the release")
            ask.release.set()
            for t in threads:
                t.join(WAIT)
            check([rc for rc, _ in results] == [0, 0] and all(o == "hello wait.example.test" for _, o in results),
                  "the waiting handshakes: %r\n%s" % (results, srv.read_log()[-3000:]))
            check(ask.asked == ["wait.example.test"], "asked %r" % ask.asked)
            check(h._orders(p) == 1, "pebble saw %d orders" % h._orders(p))
    finally:
        ask.close()


def test_acme_on_demand_rate_limited(binary):
    """burst 1 per hour: the first approved name is ordered, the second is
    refused by the rate limit (logged) and not ordered."""
    h = _server_helpers()
    ask = AskEndpoint({"one.example.test", "two.example.test"})
    try:
        with h._pebble() as p, Server(binary, _config(p, ask, "@DIR@/data", "\t\tinterval 1h\n\t\tburst 1\n")) as srv:
            rc, out = _fetch(h, p, "one.example.test")
            check(rc == 0 and out == "hello one.example.test", "curl one: " + out[-800:])
            rc, out = _fetch(h, p, "two.example.test")
            check(rc != 0, "the rate limit let a second order through: " + out[-800:])
            srv.wait_log("on-demand: two.example.test: rate limited")
            check(h._orders(p) == 1, "pebble saw %d orders" % h._orders(p))
    finally:
        ask.close()


def test_acme_on_demand_restart_reuses_storage(binary):
    """A restart on the same storage: the name is asked again, its stored
    certificate serves (the same serial), pebble sees no new order."""
    h = _server_helpers()
    ask = AskEndpoint({"keep.example.test"})
    try:
        with h._pebble() as p:
            storage = os.path.join(p.dir, "data")
            root = p.root()
            with Server(binary, _config(p, ask, storage)):
                rc, out = _fetch(h, p, "keep.example.test")
                check(rc == 0, "curl before the restart: " + out[-800:])
                first = h._serial("keep.example.test", p.tls_port, root)
            with Server(binary, _config(p, ask, storage)) as srv:
                rc, out = _fetch(h, p, "keep.example.test")
                check(rc == 0 and out == "hello keep.example.test", "curl after the restart: " + out[-800:])
                check("keep.example.test approved; its certificate is in storage" in srv.read_log(),
                      srv.read_log()[-3000:])
                check(h._serial("keep.example.test", p.tls_port, root) == first, "another certificate after restart")
            check(h._orders(p) == 1, "pebble saw %d orders" % h._orders(p))
    finally:
        ask.close()


def test_acme_on_demand_needs_ask(binary):
    """tls { on_demand } without on_demand_tls { ask } is a config error at
    the tls directive."""
    config = "{\n\thttps_port @PORT2@\n}\n:@PORT@ {\n\trespond up\n}\nhttps:// {\n\ttls {\n\t\ton_demand\n\t}\n}\n"
    srv = Server(binary, config)
    srv.port, srv.port2 = 1, 2
    srv.write_config(config)
    r = subprocess.run([binary, "validate", "--config", srv.config_path], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=30)
    srv.cleanup()
    if r.returncode == 0:
        raise E2EError("validate accepted on_demand without ask")
    check("on_demand needs the global option on_demand_tls" in r.stdout, r.stdout)
