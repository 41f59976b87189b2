"""proxy-wasm ticks on a timer of the worker's loop (issue 21 part 2),
with tests/plugins/pw_tick.c written against the ABI in C: a filter ticks
while no request goes through it, and a tick continues a paused request.
Every wait is bounded; no check depends on how fast ticks come."""
import time

from ifrit_e2e import Server, check
from test_proxy_wasm import pw

CONFIG = """{
	workers 1
}
:@PORT@ {
	handle /read* {
		wasm_plugin %s
		respond "read"
	}
	handle {
		wasm_plugin %s {
			config tick
		}
		respond "ticking"
	}
}
"""


def _ticks(r):
    return int(r.header("X-Ticks", "-1"))


def test_ticks_come_without_requests_through_the_filter(binary):
    with Server(binary, CONFIG % (pw("pw_tick"), pw("pw_tick"))) as s:
        r = s.request("GET", "/start")   # makes the ticking VM on the worker
        check(r.status == 200 and r.body == b"ticking", r)
        first = _ticks(s.request("GET", "/read"))
        # Only the line that does not tick serves requests from now on:
        # the count goes on growing by the worker's timer alone.
        deadline = time.monotonic() + 10
        now = first
        while now < first + 3 and time.monotonic() < deadline:
            time.sleep(0.02)
            now = _ticks(s.request("GET", "/read"))
        check(now >= first + 3, "ticks without requests through the filter: %d then %d" % (first, now))


def test_a_tick_continues_a_paused_request(binary):
    with Server(binary, CONFIG % (pw("pw_tick"), pw("pw_tick"))) as s:
        for _ in range(2):
            r = s.request("GET", "/wait")
            check(r.status == 200 and r.body == b"ticking", "continued by a tick: %r" % r)
        check("paused for" not in s.read_log(), s.read_log()[-1000:])


def test_reload_retires_the_ticking_filter(binary):
    with Server(binary, CONFIG % (pw("pw_tick"), pw("pw_tick"))) as s:
        s.request("GET", "/start")
        s.reload()
        r = s.request("GET", "/start")
        check(r.status == 200 and r.body == b"ticking", "after a reload: %r" % r)
        check(_ticks(s.request("GET", "/read")) >= 0, "shared data kept across the reload")
