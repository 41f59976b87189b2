"""Issue 14 (robustness), items 3, 4, 5 and 6: loading a config, reloading
it, guests' memory and stopping the server all have bounds.

Item 3: a function whose start section loops forever (or whose `_start`
never reaches its first read) cannot hang `ifrit validate`, a reload, or
SIGTERM during a reload: a load takes the function's timeout, at most 10 s,
and fails with an error naming the file.

Item 4: every file the config names is opened without blocking, must be a
regular file and under a size cap: /dev/zero, a FIFO (as module, plugin,
import or the Caddyfile itself, for validate and fmt), a directory and an oversized module each
get a clear error at once; so does a `log output file` FIFO nobody reads.

Item 5: a function without `memory_limit` is capped at 128 MiB, so
concurrent memory hogs end with a 500 and a log line while the server's
peak RSS stays bounded; past the server-wide `wasm_memory_budget`,
requests wait for memory up to their timeout, then get 503.

Item 6: a worker wedged in a blocking call does not keep SIGTERM from
ending the server once grace_period is over.

Hang guards are subprocess and socket timeouts; checks are outcomes and
order, never elapsed time."""
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading

from ifrit_e2e import GUESTS, IO_TIMEOUT, E2EError, Server, build_request, built, check

# Bound on one `ifrit validate`: far above the 10 s load cap, far below a hang.
VALIDATE_GUARD = 60
# The same for a file that must be refused before a byte is read (short:
# reading /dev/zero grows the process by gigabytes while it lasts).
REFUSE_GUARD = 10


def guest(name):
    return built(os.path.join(GUESTS, name + ".wasm"))


def config(body, options=""):
    return "{\n\tadmin off\n\tworkers 1\n%s}\n:@PORT@ {\n%s\n}\n" % (options, body)


def wait_log_count(srv, needle, n):
    """Waits (bounded) until the server log holds needle n times."""
    for _ in range(int(IO_TIMEOUT / 0.02)):
        if srv.read_log().count(needle) >= n:
            return True
        threading.Event().wait(0.02)
    return False


def section(sid, body):
    return bytes([sid, len(body)]) + body


def start_loop_module():
    """A WASI-command-shaped module whose start section is `loop br 0 end`."""
    return (b"\0asm\1\0\0\0"
            + section(1, b"\x01\x60\x00\x00")                  # type 0: () -> ()
            + section(3, b"\x01\x00")                          # func 0: type 0
            + section(7, b"\x01\x06_start\x00\x00")            # export _start = func 0
            + section(8, b"\x00")                              # start = func 0
            + section(10, b"\x01\x07\x00\x03\x40\x0c\x00\x0b\x0b"))


def validate(binary, cwd, text, config_name="Caddyfile", guard=VALIDATE_GUARD):
    path = os.path.join(cwd, config_name)
    if text is not None:
        with open(path, "w") as f:
            f.write(text)
    try:
        return subprocess.run([binary, "validate", "--config", path], capture_output=True, text=True,
                              cwd=cwd, timeout=guard)
    except subprocess.TimeoutExpired:
        raise E2EError("ifrit validate hung (no outcome within %ds)" % guard)


def test_validate_refuses_a_start_section_that_loops(binary):
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "spin_start.wasm"), "wb") as f:
            f.write(start_loop_module())
        # Bounded by the function's timeout...
        r = validate(binary, d, ":8080 {\n\twasm spin_start.wasm {\n\t\ttimeout 1s\n\t}\n}\n")
        check(r.returncode == 1, r)
        check("spin_start.wasm" in r.stderr and "start function did not finish within 1s" in r.stderr, r.stderr)
        check(re.search(r"Caddyfile:2:\d+:", r.stderr), r.stderr)
        # ... and without one by the load cap, not the 60 s request timeout.
        r = validate(binary, d, ":8080 {\n\twasm spin_start.wasm\n}\n")
        check(r.returncode == 1 and "did not finish within 10s" in r.stderr, r)


def test_validate_bounds_a_start_that_never_reads(binary):
    # loop.wasm spins in _start before any read: no snapshot, but the load
    # ends at the cap instead of the function's 60 s timeout.
    with tempfile.TemporaryDirectory() as d:
        r = validate(binary, d, ":8080 {\n\twasm %s\n}\n" % guest("loop"))
        check(r.returncode == 0, r)
        check("did not read stdin within the 10s a load may take" in r.stderr, r.stderr)


def test_reload_refuses_a_start_that_loops_and_keeps_serving(binary):
    good = config("\trespond \"old\"")
    bad = config("\twasm @DIR@/spin_start.wasm {\n\t\ttimeout 1s\n\t}")
    with Server(binary, good, files={"spin_start.wasm": start_loop_module()}) as srv:
        r = srv.reload(bad, use_command=True)
        err = r.stderr.decode()
        check(r.returncode == 1 and "refused" in err, r)
        check("spin_start.wasm" in err and "did not finish within 1s" in err, err)
        check(srv.request("GET", "/").body == b"old", "the old config keeps serving")
        # SIGHUP alone: refused the same way, and the server still answers.
        srv.send_signal(signal.SIGHUP)
        check(wait_log_count(srv, "reload refused", 2), srv.read_log()[-2000:])
        check(srv.request("GET", "/").body == b"old", "the old config keeps serving after SIGHUP")
        # A good reload after the bad ones is taken.
        r = srv.reload(config("\trespond \"new\""), use_command=True)
        check(r.returncode == 0, r)
        check(srv.request("GET", "/").body == b"new", "the good reload is taken")


def test_sigterm_during_a_long_reload_stops_the_server(binary):
    good = config("\trespond \"old\"")
    slow = config("\twasm @DIR@/spin_start.wasm")   # the load runs to the 10 s cap
    with Server(binary, good, files={"spin_start.wasm": start_loop_module()}) as srv:
        srv.write_config(slow)
        srv.send_signal(signal.SIGHUP)
        check(srv.wait_log("reloading"), "the reload did not start: " + srv.read_log()[-2000:])
        check(srv.request("GET", "/").body == b"old", "serving while the reload loads")
        status = srv.stop()
        log = srv.read_log()
        check(status == 0, "exit status %s" % status)
        # Stopped while the load was still running, not after it ended.
        check("the configuration load in progress" in log and "reload refused" not in log, log[-2000:])


def test_special_and_oversized_files_are_refused(binary):
    with tempfile.TemporaryDirectory() as d:
        fifo = os.path.join(d, "pipe")
        os.mkfifo(fifo)
        big = os.path.join(d, "big.wasm")
        with open(big, "wb") as f:
            f.truncate(300 << 20)   # sparse: no disk used
        plugin_fifo = "\twasm_plugin %s\n\trespond hi\n" % fifo
        cases = [
            ("\twasm %s\n" % fifo, "not a regular file (a FIFO)"),
            ("\timport %s\n" % fifo, "not a regular file (a FIFO)"),
            (plugin_fifo, "not a regular file (a FIFO)"),
            ("\twasm /etc\n", "is a directory"),
            ("\twasm %s\n" % big, "larger than 256 MiB (the limit)"),
            ("\twasm /dev/zero\n", "not a regular file (a character device)"),
            # Written, not read, but opening it must not wait for a reader either.
            ("\tlog {\n\t\toutput file %s\n\t}\n" % fifo, "a FIFO that no process reads"),
        ]
        for body, want in cases:
            r = validate(binary, d, ":8080 {\n%s}\n" % body, guard=REFUSE_GUARD)
            check(r.returncode == 1 and want in r.stderr, (body, r.returncode, r.stderr))
            check(re.search(r"Caddyfile:\d:\d+:", r.stderr), r.stderr)
        # The Caddyfile itself, to validate and to fmt.
        r = validate(binary, d, None, config_name="pipe", guard=REFUSE_GUARD)
        check(r.returncode == 1 and "not a regular file (a FIFO)" in r.stderr, r)
        try:
            r = subprocess.run([binary, "fmt", fifo], capture_output=True, text=True, timeout=REFUSE_GUARD)
        except subprocess.TimeoutExpired:
            raise E2EError("ifrit fmt hung on a FIFO")
        check(r.returncode == 1 and "pipe: is not a regular file (a FIFO)" in r.stderr, r)


def test_memory_hogs_stop_at_the_default_limit(binary):
    hogs = 4
    cfg = "{\n\tadmin off\n\tworkers 2\n}\n:@PORT@ {\n\twasm %s\n}\n" % guest("fn_memhog")
    with Server(binary, cfg) as srv:
        results = []

        # Each hog touches 128 MiB in the interpreter: under ASan, with the
        # suite's other tests running beside it, that takes a while.
        def one():
            try:
                results.append(srv.request("GET", "/", timeout=IO_TIMEOUT * 4).status)
            except Exception as e:   # reported below
                results.append(repr(e))

        threads = [threading.Thread(target=one) for _ in range(hogs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(IO_TIMEOUT * 5)
        check(results == [500] * hogs, results)
        log = srv.read_log()
        check(log.count("(memory_limit, the default): an allocation most likely failed") == hogs, log[-3000:])
        with open("/proc/%d/status" % srv.proc.pid) as f:
            hwm = int(re.search(r"VmHWM:\s+(\d+) kB", f.read()).group(1)) << 10
        # Each hog stops at 128 MiB; without the cap each would take 1 GiB.
        check(hwm < 1 << 30, "peak RSS %d MiB" % (hwm >> 20))


def test_past_the_memory_budget_requests_wait_then_get_503(binary):
    body = """	wasm /hold %s {
		timeout 3s
	}
	wasm /quick %s {
		timeout 1s
	}
	wasm /patient %s {
		timeout 20s
	}
	wasm /huge %s {
		memory_limit 512MiB
	}
	log""" % (guest("fn_spin"), guest("fn_hello"), guest("fn_hello"), guest("fn_hello"))
    # 200 MiB: room for one 128 MiB sandbox at a time.
    with Server(binary, config(body, "\twasm_memory_budget 200MiB\n")) as srv:
        r = srv.request("GET", "/huge")
        check(r.status == 503, r)
        check(srv.wait_log("memory_limit (512 MiB) is larger than the whole guest memory budget (200 MiB"),
              srv.read_log()[-2000:])
        done = []
        lock = threading.Lock()

        def fetch(path):
            try:
                status = srv.request("GET", path).status
            except Exception as e:
                status = repr(e)
            with lock:
                done.append((path, status))

        hold = threading.Thread(target=fetch, args=("/hold",))
        hold.start()
        check(srv.wait_log("spinning"), "the holder never ran: " + srv.read_log()[-2000:])
        # The holder keeps its 128 MiB for 3 s: a 1 s request gets 503...
        fetch("/quick")
        check(done == [("/quick", 503)], done)
        check(srv.wait_log("the guest memory budget (200 MiB, wasm_memory_budget) stayed in use"),
              srv.read_log()[-2000:])
        # ... a patient one waits for the holder to end (504), then runs:
        # the access log (written as each exchange ends) has them in order.
        fetch("/patient")
        hold.join(IO_TIMEOUT)
        check(sorted(done) == [("/hold", 504), ("/patient", 200), ("/quick", 503)], done)
        # An exchange's line is written after its answer went out.
        check(srv.wait_log('"uri":"/patient"'), srv.read_log()[-2000:])
        ended = re.findall(r'"uri":"(/\w+)"', srv.read_log())
        check(ended == ["/huge", "/quick", "/hold", "/patient"], ended)


# Keeps one thread of a process stopped, as a blocking call that never
# returns would: PTRACE_SEIZE + PTRACE_INTERRUPT, then stays its tracer (so
# it stays stopped) until the thread is gone, reaping it when the process
# exits. A separate process, so the test's own waits are not mixed with it.
STOPPER = r"""
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
tid = int(sys.argv[1])
for request in (0x4206, 0x4207):   # PTRACE_SEIZE, PTRACE_INTERRUPT
    if libc.ptrace(request, tid, None, None) != 0:
        sys.exit("ptrace: " + os.strerror(ctypes.get_errno()))
print("stopped", flush=True)
while True:
    _, status = os.waitpid(tid, 0x40000000)   # __WALL; stops stay stopped
    if os.WIFEXITED(status) or os.WIFSIGNALED(status):
        break
"""


def worker_thread(pid):
    """The one thread of an idle `workers 1` server waiting in its event
    loop (looked for until it is there: it may still be ending a request)."""
    found = []
    for _ in range(int(IO_TIMEOUT / 0.02)):
        found = []
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/wchan" % (pid, tid)) as f:
                if "epoll" in f.read():
                    found.append(int(tid))
        if len(found) == 1:
            return found[0]
        threading.Event().wait(0.02)
    raise E2EError("threads waiting in epoll: %s" % found)


def test_a_wedged_worker_does_not_outlast_the_grace_period(binary):
    # A guest can no longer wedge a worker (src/wasi refuses FIFOs and
    # devices, test_guest_fifo), so the worker thread is stopped from
    # outside: to the server it is a worker stuck in a call that never
    # returns, with a request waiting for it.
    with Server(binary, config("\trespond hi", "\tgrace_period 1s\n"), expect_exit=1) as srv:
        check(srv.request("GET", "/").status == 200, "the server does not answer")
        stopper = subprocess.Popen([sys.executable, "-c", STOPPER, str(worker_thread(srv.proc.pid))],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        conn = srv.conn()
        try:
            if stopper.stdout.readline() != "stopped\n":
                stopper.wait(IO_TIMEOUT)
                raise E2EError("could not stop the worker: %s" % stopper.stderr.read())
            conn.send(build_request("GET", "/"))
            status = srv.stop()
            check(status == 1, "exit status %s" % status)
            check("stopped without waiting for the workers that did not finish" in srv.read_log(),
                  srv.read_log()[-2000:])
            stopper.wait(IO_TIMEOUT)
        finally:
            conn.close()
            if stopper.poll() is None:
                stopper.kill()
                stopper.wait()
