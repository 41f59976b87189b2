"""intercept (Caddy 2.8; Debian's Caddy 2.6.2 lacks it, so these are e2e
tests, not compat cases): replace_status changes the status of the
response a later handler writes, fields and body untouched; the request
matcher limits it; handle_response inside intercept is a config error
naming it."""
import os
import subprocess
import tempfile

from ifrit_e2e import Server, check
from proxy_upstream import Reply, Upstream, site

BLOCK = " {\n @missing status 404\n @teapot {\n  header X-Kind tea*\n }\n" \
        " replace_status @missing 200\n replace_status @teapot 418\n}\n"


def test_intercept_replace_status_on_respond(binary):
    conf = ("intercept /i/*" + BLOCK +
            "header X-Kind teapot\nrespond /i/gone \"gone\" 404\nrespond /i/made \"made\" 201\n"
            "respond /other \"other\" 404\nrespond \"plain\" 200")
    with Server(binary, site(conf)) as srv:
        r = srv.request("GET", "/i/gone")
        check(r.status == 200 and r.body == b"gone", "404 became 200, body kept: %d %r" % (r.status, r.body))
        r = srv.request("GET", "/i/made")
        check(r.status == 418 and r.body == b"made" and r.header("X-Kind") == "teapot",
              "the header matcher took it: %d %r" % (r.status, r.body))
        r = srv.request("GET", "/other")
        check(r.status == 404 and r.body == b"other", "outside the request matcher: %d" % r.status)


def test_intercept_leaves_errors_alone(binary):
    """As in Caddy, where an error goes back up past intercept's writer."""
    with Server(binary, site("intercept {\n replace_status 200\n}\nerror /e \"no\" 404\nrespond \"x\" 404")) as srv:
        r = srv.request("GET", "/e")
        check(r.status == 404, "the error's status: %d" % r.status)
        r = srv.request("GET", "/r")
        check(r.status == 200 and r.body == b"x", "a written 404 is intercepted: %d" % r.status)


def test_intercept_replace_status_on_proxy(binary):
    def app(req):
        return Reply(404 if req.target == "/nope" else 200, {"X-Up": "1"}, body=b"from up " + req.target.encode())
    with Upstream(app) as up, \
            Server(binary, site("intercept {\n @missing status 404\n replace_status @missing 203\n}\n"
                                "reverse_proxy %s" % up.addr)) as srv:
        r = srv.request("GET", "/nope")
        check(r.status == 203 and r.body == b"from up /nope" and r.header("X-Up") == "1", "proxied 404: %r" % r)
        r = srv.request("GET", "/yes")
        check(r.status == 200 and r.body == b"from up /yes", "proxied 200 untouched: %r" % r)


def _validate(binary, body):
    with tempfile.TemporaryDirectory(prefix="ifrit-intercept-") as d:
        path = os.path.join(d, "Caddyfile")
        with open(path, "w") as f:
            f.write("{\n\tadmin off\n}\n:8080 {\n%s\n}\n" % body)
        out = subprocess.run([binary, "validate", "--config", path], capture_output=True, timeout=30)
        return out.returncode, (out.stdout + out.stderr).decode()


def test_intercept_errors_name_the_option(binary):
    cases = [
        ("\tintercept {\n\t\thandle_response {\n\t\t\trespond x\n\t\t}\n\t}", "Caddyfile:6:3", "handle_response"),
        ("\tintercept {\n\t\treplace_stat 200\n\t}", "Caddyfile:6:3", "intercept option"),
        ("\tintercept", "Caddyfile:5:2", "expected a block"),
        ("\tintercept {\n\t\treplace_status @nope 200\n\t}", "Caddyfile:6:18", "response matcher @nope is not defined"),
    ]
    for body, where, word in cases:
        rc, msg = _validate(binary, body)
        check(rc != 0 and where in msg and word in msg, "%r: %r" % (body, msg))
