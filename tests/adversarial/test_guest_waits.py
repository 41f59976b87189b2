"""Issue 14 (robustness), items 2 and 7: guests that wait must never stall
a worker, and a function's timeout bounds the whole request.

Item 2: a guest that sleeps (poll_oneoff on a clock) or yields
(sched_yield) is suspended inside that call and resumed from the worker's
loop, so with `workers 1` a `respond` request sent after ten sleepers is
answered while they all still sleep, and every sleeper then answers. A
sleep longer than the function's timeout ends with the timeout's 504.

Item 7: a client that trickles its body to a function with `timeout 2s`
gets the function's 504 (and the connection closes) while it is still
sending, not once the body is complete; one that never sends the body it
announced gets the same 504 instead of waiting forever.

All checks are by order or outcome: the sleeps only have to outlast the
requests that must overtake them."""
import os
import select
import time

from ifrit_e2e import GUESTS, Server, build_request, built, check

SLEEPERS = 10


def guest(name):
    """A guest of scripts/build-guests.sh; missing, the test fails."""
    return built(os.path.join(GUESTS, name + ".wasm"))


def config(body):
    return "{\n\tadmin off\n\tworkers 1\n}\n:@PORT@ {\n%s\n}\n" % body


def readable(sock):
    return bool(select.select([sock], [], [], 0)[0])


def overtaken(binary, query, want_body, timeout="30s"):
    """SLEEPERS requests to /wait?QUERY, then a respond request: the respond
    answer comes while every waiter is still waiting; then each waiter
    answers (want_body(response) says whether its answer is right)."""
    cfg = config("""
	wasm /wait %s {
		timeout %s
	}
	respond /alive "alive"
""" % (guest("fn_wait"), timeout))
    with Server(binary, cfg) as s:
        waiters = [s.conn() for _ in range(SLEEPERS)]
        try:
            for c in waiters:
                c.send(build_request("GET", "/wait?" + query))
            # The worker has a guest inside its wait before the respond
            # request is sent (a blocking sleep would hold the worker now).
            check(s.wait_log(": waiting"), s.read_log()[-2000:])
            r = s.request("GET", "/alive")
            check(r.status == 200 and r.body == b"alive", r)
            early = [i for i, c in enumerate(waiters) if readable(c.sock)]
            check(not early, "waiters %s answered before the respond request" % early)
            for i, c in enumerate(waiters):
                r = c.read_response()
                check(want_body(r), (i, r))
        finally:
            for c in waiters:
                c.close()
        # The worker is still fine afterwards.
        r = s.request("GET", "/alive")
        check(r.status == 200, r)


def test_sleepers_do_not_hold_up_the_worker(binary):
    overtaken(binary, "sleep=2000", lambda r: r.status == 200 and r.body == b"slept 2000\n")


def test_yielders_do_not_hold_up_the_worker(binary):
    overtaken(binary, "yield=2000", lambda r: r.status == 200 and r.body.startswith(b"yielded "))


def test_sleep_past_the_timeout_is_504_and_holds_up_nothing(binary):
    cfg = config("""
	wasm /wait %s {
		timeout 1s
	}
	respond /alive "alive"
""" % guest("fn_wait"))
    with Server(binary, cfg) as s:
        with s.conn() as sleeper:
            sleeper.send(build_request("GET", "/wait?sleep=60000"))
            check(s.wait_log(": waiting"), s.read_log()[-2000:])
            r = s.request("GET", "/alive")
            check(r.status == 200 and r.body == b"alive", r)
            check(not readable(sleeper.sock), "the sleeper answered before the respond request")
            r = sleeper.read_response()
            # The timeout's answer, with nothing of the guest's output: it
            # never went on as if its sleep had ended.
            check(r.status == 504 and r.body == b"", r)
            check(s.wait_log(": timed out"), s.read_log()[-2000:])
            check("slept" not in s.read_log(), s.read_log()[-2000:])


def test_trickled_body_ends_at_the_function_timeout(binary):
    cfg = config("""
	wasm /echo %s {
		timeout 2s
	}
	respond /alive "alive"
""" % guest("fn_echo"))
    length = 40   # one byte every 0.5 s: 20 s, ten times the timeout
    with Server(binary, cfg) as s:
        with s.conn() as c:
            c.send(build_request("POST", "/echo", headers=[("Content-Length", str(length))]))
            sent = 0
            while sent < length and not readable(c.sock):
                try:
                    c.send(b"x")
                except OSError:
                    break   # closed after its answer, which is read below
                sent += 1
                time.sleep(0.5)
            check(sent < length, "no answer before the whole body was sent")
            r = c.read_response()
            check(r.status == 504 and r.body == b"", r)
            check((r.header("Connection") or "").lower() == "close", r.headers)
            check(c.is_closed_by_server(), "the connection closes after the 504")
            check(s.wait_log("timed out waiting for the request body"), s.read_log()[-2000:])
        r = s.request("GET", "/alive")
        check(r.status == 200, r)


def test_body_never_sent_ends_at_the_function_timeout(binary):
    # Expect: 100-continue, then nothing: the 100 goes out, the body never
    # comes, and the function's timeout answers (no read_body is set).
    cfg = config("""
	wasm /echo %s {
		timeout 2s
	}
""" % guest("fn_echo"))
    with Server(binary, cfg) as s:
        with s.conn() as c:
            c.send(build_request("POST", "/echo", headers=[("Content-Length", "10"), ("Expect", "100-continue")]))
            r = c.read_response(allow_interim=True)
            check(r.status == 100, r)
            r = c.read_response()
            check(r.status == 504 and r.body == b"", r)
            check(c.is_closed_by_server(), "the connection closes after the 504")
