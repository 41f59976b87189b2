"""proxy-wasm filters that pause a request (issue 21 part 2): the SDKs'
"pause, call an auth service, then continue or send a local 403" with
tests/plugins/pw_auth.c, a filter written against the ABI in C. The
http_call goes through ifrit's upstream client on the worker's loop: a
worker with a request paused on a slow auth service keeps serving others.

Auth services are proxy_upstream.py servers on 127.0.0.1; every wait is
bounded."""
import threading
import time

from ifrit_e2e import Conn, Server, check
from proxy_upstream import Reply, Upstream, echo_app, saw_header, site
from test_proxy_wasm import pw


def auth_app(release=None):
    """200 with x-user for x-token good, 401 'nope' otherwise; the token
    'slow' is answered (200) only once release is set. POST /check-body
    answers 'checked:' and the body it got."""
    def app(req):
        if req.target == "/check-body":
            return Reply(200, {}, b"checked:" + req.body)
        token = req.header("X-Token")
        if token == "slow":
            release.wait(15)
        if token in ("good", "slow"):
            return Reply(200, {"X-User": "alice"}, b"checked")
        return Reply(401, {}, b"nope")
    return app


def _filter(auth_addr, then):
    return 'wasm_plugin %s {\n config "%s"\n}\n%s' % (pw("pw_auth"), auth_addr, then)


def test_allowed_request_goes_on_with_what_the_auth_service_said(binary):
    with Upstream(auth_app()) as auth, Upstream(echo_app) as app, \
            Server(binary, site(_filter(auth.addr, "reverse_proxy %s" % app.addr))) as srv:
        for _ in range(2):   # the same VM pauses and resumes a second stream
            r = srv.request("GET", "/app?q=1", [("X-Token", "good")])
            check(r.status == 200, "allowed: %d %r" % (r.status, r.body[:300]))
            check(saw_header(r, "X-Auth-User") == "alice", "x-user from the call's headers: %r" % r.body)
            check(saw_header(r, "X-Auth-Body") == "checked", "the call's body: %r" % r.body)
        q = auth.requests[0]
        check((q.method, q.target) == ("GET", "/check"), "the call: %s %s" % (q.method, q.target))
        check(q.header("Host") == "auth.test" and q.header("X-Token") == "good", "its fields: %r" % q.headers)
        check(len(app.requests) == 2, "the app saw both requests")


def test_denied_request_gets_the_filters_403(binary):
    with Upstream(auth_app()) as auth, Upstream(echo_app) as app, \
            Server(binary, site(_filter(auth.addr, "reverse_proxy %s" % app.addr))) as srv:
        r = srv.request("GET", "/app", [("X-Token", "bad")])
        check(r.status == 403 and r.body == b"denied: nope", "denied: %d %r" % (r.status, r.body))
        check(not app.requests, "the app saw nothing")
        r = srv.request("GET", "/app", [("X-Token", "good")])
        check(r.status == 200, "then allowed on the same worker: %d" % r.status)


def test_auth_service_down_is_a_failed_call(binary):
    with Server(binary, site(_filter("127.0.0.1:1", 'respond "handler"'))) as srv:
        r = srv.request("GET", "/x", [("X-Token", "good")])
        check(r.status == 503 and r.body == b"auth unavailable", "no headers: the filter's 503: %d %r" % (r.status, r.body))
        check("http_call 1 to 127.0.0.1:1 failed" in srv.read_log(), srv.read_log()[-1500:])


def test_the_worker_serves_others_while_a_request_waits(binary):
    release = threading.Event()
    with Upstream(auth_app(release)) as auth, \
            Server(binary, site(_filter(auth.addr, 'respond "user={header.X-Auth-User}"'))) as srv:
        slow = {}
        t = threading.Thread(target=lambda: slow.update(r=srv.request("GET", "/slow", [("X-Token", "slow")])))
        t.start()
        try:
            deadline = time.monotonic() + 10
            while not auth.requests and time.monotonic() < deadline:
                time.sleep(0.01)
            check(auth.requests, "the auth service got the slow call")
            # One worker, its request paused on the call: others are served.
            for _ in range(3):
                r = srv.request("GET", "/open/x")
                check(r.status == 200 and r.body == b"user=", "served while one waits: %d %r" % (r.status, r.body))
            check("r" not in slow, "the slow request waited for its answer")
        finally:
            release.set()
            t.join(20)
        check(slow.get("r") and slow["r"].status == 200 and slow["r"].body == b"user=alice", "then it went on: %r" % slow)


def test_pause_with_nothing_to_resume_it_goes_on(binary):
    with Server(binary, site(_filter("127.0.0.1:1", 'respond "handler {header.X-Call-Status}"'))) as srv:
        r = srv.request("GET", "/nowait")
        check(r.status == 200 and r.body == b"handler ", "PAUSE without a call: %d %r" % (r.status, r.body))
        r = srv.request("GET", "/bad")
        check(r.body == b"handler 2", "an upstream that is no host:port: BAD_ARGUMENT (2): %r" % r.body)


def test_body_waits_for_the_call_and_is_replaced_by_its_answer(binary):
    with Upstream(auth_app()) as auth, Upstream(echo_app) as app, \
            Server(binary, site(_filter(auth.addr, "reverse_proxy %s" % app.addr))) as srv:
        for body in (b"hello", b"x" * 100000):
            r = srv.request("POST", "/body", [("Content-Type", "text/plain")], body)
            check(r.status == 200, "status %d %r" % (r.status, r.body[:200]))
            check(saw_header(r, "body-length") == str(len(b"checked:" + body)),
                  "the app got the auth answer as the body: %r" % r.body[-200:])
            q = auth.requests[-1]
            check((q.method, q.target, q.body) == ("POST", "/check-body", body),
                  "the call carried the body: %s %s %d bytes" % (q.method, q.target, len(q.body)))


def test_client_gone_while_paused(binary):
    release = threading.Event()
    with Upstream(auth_app(release)) as auth, Server(binary, site(_filter(auth.addr, 'respond "ok"'))) as srv:
        c = Conn(srv.port)
        c.send("GET /gone HTTP/1.1\r\nHost: localhost\r\nX-Token: slow\r\n\r\n")
        deadline = time.monotonic() + 10
        while not auth.requests and time.monotonic() < deadline:
            time.sleep(0.01)
        check(auth.requests, "the call was made")
        c.close()
        time.sleep(0.1)   # the server sees the close and ends the exchange (cancelling the call)
        release.set()
        r = srv.request("GET", "/after", [("X-Token", "good")])
        check(r.status == 200 and r.body == b"ok", "the server goes on: %d %r" % (r.status, r.body))
