"""End-to-end tests of the KV store's memory in front of its file
(issue 20, server/srv_fnhost_kv_cache.c): with two workers and many
clients at once, a counter under a lock (tests/guests/hostapi_gojinn.c's
lincr) hands out every number once and ends exact, counters written
without locks by one client each end exact whichever worker served each
request, and writes made just before a stop are there after a restart
(committed at the stop). Outcomes only, no timings."""
import shutil
import tempfile
import threading

from ifrit_e2e import Server, check
from test_hostapi import ALL_KV, call, config, fn_block, guest

CLIENTS = 8
PER_CLIENT = 25


def _parallel(work):
    """Runs work(i) in CLIENTS threads; their results, in order."""
    results = [None] * CLIENTS
    errors = []

    def run(i):
        try:
            results[i] = work(i)
        except Exception as e:  # reported below, in the test's thread
            errors.append("client %d: %r" % (i, e))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(not errors, "; ".join(errors))
    return results


def test_hostapi_kv_counter_exact_across_two_workers(binary):
    data = open(guest("hostapi_gojinn"), "rb").read()
    cfg = config(fn_block("/c", "./c.wasm"), workers=2)
    with Server(binary, cfg, files={"c.wasm": data}) as s:
        def locked(i):
            got = []
            for _ in range(PER_CLIENT):
                r = call(s, "/c", "lincr n")
                check(r.status == 200, "lincr answered %d %r" % (r.status, r.body))
                got.append(int(r.body))
            return got

        seen = sorted(v for vs in _parallel(locked) for v in vs)
        total = CLIENTS * PER_CLIENT
        check(seen == list(range(1, total + 1)), "each number once: %r" % seen)
        check(call(s, "/c", "get n").body == str(total).encode(), "the final count")

        def own_key(i):
            last = None
            for _ in range(PER_CLIENT):
                last = call(s, "/c", "incr own%d" % i).body
            return last

        ends = _parallel(own_key)
        check(ends == [str(PER_CLIENT).encode()] * CLIENTS, "every client's own counter: %r" % ends)


def test_hostapi_kv_writes_before_a_stop_survive_it(binary):
    data_dir = tempfile.mkdtemp(prefix="ifrit-e2e-kvstop-")
    try:
        data = open(guest("hostapi_gojinn"), "rb").read()
        cfg = config(fn_block("/c", "./c.wasm", ALL_KV + "\t\t\tkv_namespace stop\n"), data_dir=data_dir, workers=2)
        with Server(binary, cfg, files={"c.wasm": data}) as s:
            for i in range(1, 31):
                check(call(s, "/c", "incr n").body == str(i).encode(), "count %d" % i)
            check(call(s, "/c", "set last written just before the stop").body == b"ok", "set")
            s.stop()
        with Server(binary, cfg, files={"c.wasm": data}) as s2:
            check(call(s2, "/c", "get n").body == b"30", "the count after the restart")
            check(call(s2, "/c", "get last").body == b"written just before the stop", "the last value")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
