"""End-to-end tests of functions' jobs (issue 20; docs/functions.md,
"Jobs"): Gojinn's host_enqueue and ifrit's enqueue queue a payload for a
function named by its file, an X-Gojinn-Async request is answered 202 and
runs as a job, a job's state is read at .../_sys/jobs/ID, a failing job is
tried again (max_retries, retry_backoff) and then dead-lettered with a log
line, a queued job survives a restart, and everything is refused without
the enqueue grant. The guests are tests/guests/hostapi_gojinn.c (its
commands set, get, failonce, fail run as jobs too: a cgi job's stdin is its
payload) and hostapi_ifrit.c. Outcomes only: every wait is bounded."""
import json
import os
import shutil
import tempfile
import time

from ifrit_e2e import IO_TIMEOUT, Server, check
from test_hostapi import call, config, guest

JOBS = "\t\t\tpermissions {\n\t\t\t\tkv_read\n\t\t\t\tkv_write\n\t\t\t\tenqueue\n\t\t\t}\n\t\t\tkv_namespace jobs\n"


def block(path, module, extra=""):
    return "\thandle %s* {\n\t\twasm %s {\n%s%s\t\t}\n\t}\n" % (path, module, JOBS, extra)


def files():
    g = open(guest("hostapi_gojinn"), "rb").read()
    return {"c.wasm": g, "w.wasm": g, "i.wasm": open(guest("hostapi_ifrit"), "rb").read()}


def state(s, prefix, job_id):
    r = s.request("GET", "%s/_sys/jobs/%s" % (prefix, job_id))
    check(r.status == 200, "the job's state: %d %r" % (r.status, r.body))
    return json.loads(r.body)


def enqueue(s, prefix, name, payload):
    """ifrit's enqueue through hostapi_ifrit: the job's id."""
    r = call(s, prefix, "enqueue %s %s" % (name, payload))
    parts = r.body.decode().split(" ")
    check(r.status == 200 and len(parts) == 2 and parts[0] == "0" and len(parts[1]) == 32,
          "ifrit enqueue: %d %r" % (r.status, r.body))
    return parts[1]


def wait_state(s, prefix, job_id, want):
    deadline, st = time.monotonic() + IO_TIMEOUT, None
    while time.monotonic() < deadline:
        st = state(s, prefix, job_id)
        if st["state"] == want:
            return st
        time.sleep(0.05)
    check(False, "job %s never became %s: %r" % (job_id, want, st))


def wait_value(s, key, want):
    deadline, got = time.monotonic() + IO_TIMEOUT, b""
    while time.monotonic() < deadline and got != want:
        got = call(s, "/c", "get " + key).body
        if got != want:
            time.sleep(0.05)
    check(got == want, "%s: %r, not %r" % (key, got, want))


def test_hostapi_jobs_enqueue_async_and_state(binary):
    cfg = config(block("/c", "./c.wasm") + block("/w", "./w.wasm") + block("/i", "./i.wasm") +
                 "\thandle /plain {\n\t\twasm ./c.wasm {\n\t\t\tpermissions {\n\t\t\t\tkv_read\n\t\t\t}\n\t\t}\n\t}\n")
    with Server(binary, cfg, files=files()) as s:
        # Gojinn's form: 0 queued; the job runs w.wasm with the payload on stdin.
        check(call(s, "/c", "enqueue w.wasm set k from a job").body == b"0", "host_enqueue")
        wait_value(s, "k", b"from a job")
        check(s.wait_log("queued for"), "the queuing is logged")
        # ifrit's form: the code and the id; the id's state at the end.
        job_id = enqueue(s, "/i", "./w.wasm", "set k2 second job")
        st = wait_state(s, "/i", job_id, "done")
        check(st["attempts"] == 1 and st["status"] == 200 and st["function"].endswith("/w.wasm"), "state %r" % st)
        wait_value(s, "k2", b"second job")
        # X-Gojinn-Async: 202 with the id, the request runs as a job.
        r = s.request("POST", "/c", headers=[("X-Gojinn-Async", "true")], body=b"set k3 asynchronous")
        check(r.status == 202, "async answer %d %r" % (r.status, r.body))
        body = json.loads(r.body)
        check(body["status"] == "queued" and r.header("X-Gojinn-Job-ID") == body["job_id"], "202 body %r" % body)
        check(r.header("Location") == "/c/_sys/jobs/" + body["job_id"], "Location %r" % r.header("Location"))
        wait_state(s, "/c", body["job_id"], "done")
        wait_value(s, "k3", b"asynchronous")
        # Names that designate no function, or ambiguous ones, are refused.
        check(call(s, "/c", "enqueue nope.wasm x").body == b"1", "no such function")
        check(s.wait_log("'nope.wasm' names no function"), "the refusal is logged")
        check(call(s, "/i", "enqueue .wasm x").body.startswith(b"5"), "not a file name: INVALID")
        check(s.request("GET", "/c/_sys/jobs/" + "0" * 32).status == 404, "an unknown job")
        # Without the grant: host_enqueue fails, X-Gojinn-Async is 403, and
        # the state path is the guest's own.
        check(call(s, "/plain", "enqueue w.wasm set k4 no").body == b"1", "denied")
        check(s.wait_log("host_enqueue denied: the function's permissions do not grant enqueue"), "denial logged")
        r = s.request("POST", "/plain", headers=[("X-Gojinn-Async", "true")], body=b"get k")
        check(r.status == 403, "async without the grant: %d" % r.status)
        # A payload range outside the guest's memory traps.
        check(call(s, "/c", "badenqueue").status == 500, "bad pointer")
        check(s.wait_log("host_enqueue: the payload"), "the trap names the payload")


def test_hostapi_jobs_retries_then_dead_letter(binary):
    retry = "\t\t\tmax_retries 2\n\t\t\tretry_backoff 50ms\n"
    cfg = config(block("/c", "./c.wasm") + block("/w", "./w.wasm", retry) + block("/i", "./i.wasm"))
    with Server(binary, cfg, files=files()) as s:
        once = enqueue(s, "/i", "w.wasm", "failonce f")
        st = wait_state(s, "/i", once, "done")
        check(st["attempts"] == 2, "failed once, then done: %r" % st)
        check(s.wait_log("failed, attempt 1 of 3"), "the retry is logged")
        dead = enqueue(s, "/i", "w.wasm", "fail")
        st = wait_state(s, "/i", dead, "dead")
        check(st["attempts"] == 3 and st["status"] == 500 and st["error"], "dead after 3: %r" % st)
        check(s.wait_log("job %s (" % dead) and s.wait_log("is dead after 3 attempts"), "the dead letter is logged")


def test_hostapi_jobs_survive_a_restart(binary):
    data_dir = tempfile.mkdtemp(prefix="ifrit-e2e-jobs-")
    try:
        # The modules where both processes find them (each Server has a
        # directory of its own): a job names its function by path.
        for name, data in files().items():
            with open(os.path.join(data_dir, name), "wb") as f:
                f.write(data)
        mod = lambda name: os.path.join(data_dir, name)
        retry = "\t\t\tretry_backoff 3s\n"
        cfg = config(block("/w", mod("w.wasm"), retry) + block("/i", mod("i.wasm")), data_dir=data_dir)
        with Server(binary, cfg) as s:
            job_id = enqueue(s, "/i", "w.wasm", "failonce r")
            deadline, st = time.monotonic() + IO_TIMEOUT, None
            while time.monotonic() < deadline:
                st = state(s, "/i", job_id)
                if st["attempts"] == 1 and st["state"] == "queued":
                    break
                time.sleep(0.02)
            check(st and st["state"] == "queued" and st["attempts"] == 1, "failed once, waiting: %r" % st)
            s.stop()
        with Server(binary, cfg) as s2:
            st = wait_state(s2, "/i", job_id, "done")
            check(st["attempts"] == 2, "its second attempt, after the restart: %r" % st)
            check(s2.wait_log("job %s" % job_id), "the new process ran it")
        check(os.path.exists(os.path.join(data_dir, "functions", "jobs.sqlite3")), "the jobs file")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
