"""Issue 14 (robustness), item 5, the engine's part: a 43-byte module
declaring 65,536 initial pages (4 GiB) cost 14-21 s and 4.2 GB of RSS on
every validate, start and reload, because the load-time image read every
page. Declared memory must cost nothing until the guest touches it.

Measured as outcomes, not times: the peak RSS of `ifrit validate` (from
getrusage of a helper whose only child it is) and of a running server
(VmHWM in /proc/<pid>/status), and the minor page faults of each (a page
read or written for the first time is one fault, so reading all of 4 GiB
is a million of them, which shows the cost even where the kernel maps
untouched pages to its zero page and RSS stays low)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from ifrit_e2e import IO_TIMEOUT, SANITIZER_REPORT, Server, check, free_port

# Generous bounds: a few tens of MB and some thousands of faults are what
# the process itself costs (more under ASan); 4 GiB is 4,096 MB and a
# million faults.
RSS_MAX_KB = 200 * 1024
FAULTS_MAX = 200000

# memory_limit: the default cap of functions may be smaller than 4 GiB.
CONFIG = """:@PORT@ {
	wasm /big ./big.wasm {
		memory_limit 4GiB
	}
	respond "other"
}
"""


def big_module():
    """(module (memory 65536) (func (export "_start"))): 43 bytes."""
    types = b"\x01\x04\x01\x60\x00\x00"
    funcs = b"\x03\x02\x01\x00"
    memory = b"\x05\x05\x01\x00\x80\x80\x04"          # 65,536 pages, no maximum
    exports = b"\x07\x0a\x01\x06_start\x00\x00"
    code = b"\x0a\x04\x01\x02\x00\x0b"
    m = b"\0asm\x01\0\0\0" + types + funcs + memory + exports + code
    check(len(m) == 43, "the module is 43 bytes, not %d" % len(m))
    return m


# A helper process whose only child is the command: its RUSAGE_CHILDREN
# figures are the command's alone.
MEASURE = r"""
import json, resource, subprocess, sys
p = subprocess.run(sys.argv[1:], capture_output=True, timeout=120)
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": p.returncode, "out": (p.stdout + p.stderr).decode("utf-8", "replace"),
                  "maxrss_kb": ru.ru_maxrss, "minflt": ru.ru_minflt}))
"""


def measured(cmd, cwd):
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
    p = subprocess.run([sys.executable, "-c", MEASURE] + cmd, capture_output=True, timeout=180, cwd=cwd, env=env)
    check(p.returncode == 0, "measuring helper failed: %r" % p.stderr[-1500:])
    return json.loads(p.stdout)


def proc_status(pid):
    """VmHWM in kB and minor faults of a running process."""
    with open("/proc/%d/status" % pid) as f:
        hwm = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    with open("/proc/%d/stat" % pid) as f:
        minflt = int(f.read().rsplit(")", 1)[1].split()[7])
    return hwm, minflt


def test_validate_big_declared_memory(binary):
    d = tempfile.mkdtemp(prefix="ifrit-adv-mem-")
    try:
        with open(os.path.join(d, "big.wasm"), "wb") as f:
            f.write(big_module())
        with open(os.path.join(d, "Caddyfile"), "w") as f:
            f.write(CONFIG.replace("@PORT@", str(free_port())))
        r = measured([binary, "validate", "--config", "Caddyfile"], d)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    check(not SANITIZER_REPORT.search(r["out"]), "sanitizer report: %s" % r["out"][-2000:])
    check(r["rc"] == 0, "validate refused the module: %s" % r["out"][-1500:])
    check(r["maxrss_kb"] < RSS_MAX_KB, "validate peaked at %d kB of RSS" % r["maxrss_kb"])
    check(r["minflt"] < FAULTS_MAX, "validate took %d page faults: it read the untouched memory" % r["minflt"])


def test_server_start_request_reload_big_declared_memory(binary):
    with Server(binary, CONFIG, files={"big.wasm": big_module()}) as s:
        pid = s.proc.pid
        hwm, faults = proc_status(pid)
        check(hwm < RSS_MAX_KB, "the server peaked at %d kB of RSS after start" % hwm)
        check(faults < FAULTS_MAX, "start took %d page faults: it read the untouched memory" % faults)
        # The function runs (or, if a memory budget refuses 4 GiB, is
        # answered 5xx); either way no page of its memory is read.
        r = s.request("GET", "/big")
        check(r.status < 600, r)
        check(s.request("GET", "/").body == b"other", "the server keeps serving")
        s.reload()
        check(s.wait_log("configuration reloaded", timeout=IO_TIMEOUT), s.read_log()[-2000:])
        r = s.request("GET", "/big")
        check(r.status < 600, r)
        hwm2, faults2 = proc_status(pid)
        check(hwm2 < RSS_MAX_KB, "the server peaked at %d kB of RSS after a request and a reload" % hwm2)
        check(faults2 - faults < FAULTS_MAX,
              "a request and a reload took %d page faults: they read the untouched memory" % (faults2 - faults))
