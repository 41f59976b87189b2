"""End-to-end tests of functions' cron schedules (issue 20;
docs/functions.md, "Cron"): `cron "SPEC" FILE` runs FILE with its block's
options as a job each time SPEC fires, Gojinn's six-field form and
@every, with Gojinn's event JSON on stdin; a schedule whose last run is
still going skips its tick (logged) and runs never overlap; bad schedules
are config errors naming them. The cron guest is
tests/guests/hostapi_gojinn.c run with `args record [SLOW_MS]` (it counts
its runs in KV, keeps its stdin, and notes an overlap). Outcomes only:
waits are bounded, nothing is timed."""
import json
import time

from ifrit_e2e import IO_TIMEOUT, Server, check
from test_hostapi import call, config, guest, validate

KV = "\t\t\tpermissions {\n\t\t\t\tkv_read\n\t\t\t\tkv_write\n\t\t\t}\n\t\t\tkv_namespace cron\n"


def cron_config(spec, slow=""):
    return config("\thandle /c {\n\t\twasm ./g.wasm {\n%s\t\t}\n\t}\n" % KV +
                  "\thandle /host {\n\t\twasm ./g.wasm {\n%s\t\t\targs record %s\n\t\t\tcron \"%s\" ./g.wasm\n"
                  "\t\t}\n\t}\n" % (KV, slow, spec))


def runs(s):
    body = call(s, "/c", "get runs").body
    return 0 if body == b"absent" else int(body)


def wait_runs(s, n):
    deadline = time.monotonic() + IO_TIMEOUT
    while time.monotonic() < deadline and runs(s) < n:
        time.sleep(0.1)
    check(runs(s) >= n, "the schedule ran %d times, not %d" % (runs(s), n))


def test_hostapi_cron_runs_with_gojinns_event(binary):
    files = {"g.wasm": open(guest("hostapi_gojinn"), "rb").read()}
    for spec in ("* * * * * *", "@every 1s"):
        with Server(binary, cron_config(spec), files=files) as s:
            wait_runs(s, 2)
            event = json.loads(call(s, "/c", "get event").body)
            check(event == {"event_type": "cron", "source": "gojinn_scheduler"}, "the event: %r" % event)
            check(s.wait_log('cron \\"%s\\"' % spec), "the ticks are logged (quotes escaped in the JSON log)")


def test_hostapi_cron_one_run_at_a_time(binary):
    files = {"g.wasm": open(guest("hostapi_gojinn"), "rb").read()}
    # Each run takes 2.5 s and the schedule fires every second.
    with Server(binary, cron_config("@every 1s", "2500"), files=files) as s:
        wait_runs(s, 2)
        check(s.wait_log("has not finished: this one is skipped"), "a tick during a run is skipped")
        check(call(s, "/c", "get overlap").body == b"absent", "two runs overlapped")


def test_hostapi_cron_config_errors(binary):
    for spec, want in (("61 * * * * *", "cron: second: '61' is not a value or range from 0 to 59"),
                       ("* * *", "a schedule has 6 fields"),
                       ("@every 10ms", "cron: @every needs at least 1s"),
                       ("@fortnightly", "'@fortnightly' is not a descriptor")):
        code, out = validate(binary, cron_config(spec), {"g.wasm": open(guest("hostapi_gojinn"), "rb").read()})
        check(code != 0 and want in out, (spec, out))
