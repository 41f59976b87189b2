"""forward_auth, checked against Caddy 2.6.2 with the same upstreams: the
auth service gets GET <uri> with the client's fields, X-Forwarded-Method
and X-Forwarded-Uri and no body; a 2xx copies copy_headers (From>To
renames) into the request and the routes after it run (the body still
there); any other answer goes to the client as it came. One deliberate
difference: a copy_headers field the auth answer lacks is taken out of
the request (Caddy 2.6.2 sets it to the unreplaced placeholder text,
`{http.reverse_proxy.header.Remote-Groups}`), so a client cannot forge it.

Upstreams are proxy_upstream.py servers on 127.0.0.1; every wait is bounded."""
import subprocess

from ifrit_e2e import Server, check
from proxy_upstream import Reply, Upstream, echo_app, echo_lines, saw_header, site


def auth_app(req):
    if req.header("X-Token") == "good":
        return Reply(200, {"Remote-User": "alice", "X-Extra": "1"}, b"auth")
    return Reply(401, {"WWW-Authenticate": "Basic", "X-Why": "nope"}, b"denied")


def _conf(auth, app):
    return ("forward_auth %s {\n uri /auth?x=1\n copy_headers Remote-User Remote-Groups>X-Groups\n}\n"
            "reverse_proxy %s" % (auth.addr, app.addr))


def test_forward_auth_allows_and_copies(binary):
    with Upstream(auth_app) as auth, Upstream(echo_app) as app, Server(binary, site(_conf(auth, app))) as srv:
        r = srv.request("POST", "/app/p?q=1", [("X-Token", "good"), ("Remote-User", "mallory"),
                                               ("X-Groups", "forged"), ("Content-Type", "text/plain")], b"payload")
        check(r.status == 200, "allowed: %d %r" % (r.status, r.body[:200]))
        check(echo_lines(r)[0] == "POST /app/p?q=1", "the app got the request: %r" % echo_lines(r)[:1])
        check(saw_header(r, "Remote-User") == "alice", "copied from the auth answer: %r" % saw_header(r, "Remote-User"))
        check(saw_header(r, "X-Groups") is None, "absent from the answer: taken out of the request: %r" % r.body)
        check(saw_header(r, "X-Extra") is None, "fields not listed stay behind")
        check(saw_header(r, "body-length") == "7", "the body is the app's: %r" % saw_header(r, "body-length"))
        q = auth.requests[0]
        check((q.method, q.target) == ("GET", "/auth?x=1"), "the auth request: %s %s" % (q.method, q.target))
        check(q.header("X-Forwarded-Method") == "POST" and q.header("X-Forwarded-Uri") == "/app/p?q=1",
              "X-Forwarded-Method/-Uri: %r" % q.headers)
        check(q.header("X-Token") == "good" and q.header("Content-Type") == "text/plain", "the client's fields go")
        check(q.header("Content-Length") is None and q.header("Transfer-Encoding") is None and q.body == b"",
              "no body to the auth service: %r" % q.headers)
        check(q.header("X-Forwarded-For") == "127.0.0.1", "X-Forwarded-For as reverse_proxy sets it")


def test_forward_auth_denies_with_the_auth_answer(binary):
    with Upstream(auth_app) as auth, Upstream(echo_app) as app, Server(binary, site(_conf(auth, app))) as srv:
        r = srv.request("GET", "/app/y", [("Remote-User", "mallory")])
        check(r.status == 401 and r.body == b"denied", "the auth answer: %d %r" % (r.status, r.body))
        check(r.header("WWW-Authenticate") == "Basic" and r.header("X-Why") == "nope", "its fields: %r" % r.headers)
        check(not app.requests, "the app saw nothing")
        # Keep-alive: the next request on another connection is allowed.
        r = srv.request("GET", "/app/z", [("X-Token", "good")])
        check(r.status == 200 and saw_header(r, "Remote-User") == "alice", "then allowed: %d" % r.status)


def test_forward_auth_service_down(binary):
    with Upstream(echo_app) as app, Server(binary, site("forward_auth 127.0.0.1:1 {\n uri /auth\n}\n"
                                                       "reverse_proxy %s" % app.addr)) as srv:
        r = srv.request("GET", "/x")
        check(r.status == 502 and not app.requests, "no auth service: 502: %d" % r.status)


def test_forward_auth_config_errors(binary):
    for body, needle in [("forward_auth 127.0.0.1:2", "forward_auth: the 'uri' subdirective is required"),
                         ("forward_auth 127.0.0.1:2 {\n uri /a\n copy_headers A>\n}", "copy_headers: expected a field"),
                         ("forward_auth 127.0.0.1:2 {\n uri /a\n bogus 1\n}", "unknown reverse_proxy option 'bogus'")]:
        srv = Server(binary, site(body))
        srv.port = 1
        srv.write_config(srv.config_template)
        r = subprocess.run([binary, "validate", "--config", srv.config_path], capture_output=True, timeout=30)
        out = (r.stdout + r.stderr).decode()
        check(r.returncode != 0 and needle in out, "%r: %s" % (body, out))
