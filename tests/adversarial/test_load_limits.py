"""Issue 14 (robustness): loading a config, reloading it, guests' memory
and stopping the server all have bounds.

Item 4: every file the config names is opened without blocking, must be a
regular file and under a size cap: /dev/zero, a FIFO (as module, plugin,
import or the Caddyfile itself), a directory and an oversized module each
get a clear error at once.

Hang guards are subprocess and socket timeouts; checks are outcomes and
order, never elapsed time."""
import os
import re
import signal
import subprocess
import tempfile
import threading

from ifrit_e2e import IO_TIMEOUT, ROOT, E2EError, Server, build_request, check

GUESTS = os.environ.get("IFRIT_GUESTS") or os.path.join(ROOT, "build", "guests")
PLUGINS = os.path.join(ROOT, "build", "plugins")
# Bound on one `ifrit validate`: far above the 10 s load cap, far below a hang.
VALIDATE_GUARD = 60
# The same for a file that must be refused before a byte is read (short:
# reading /dev/zero grows the process by gigabytes while it lasts).
REFUSE_GUARD = 10


def guest(name):
    path = os.path.join(GUESTS, name + ".wasm")
    if not os.path.exists(path):
        raise E2EError("guest %s not built (scripts/build-guests.sh tests)" % path)
    return path


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
        ]
        for body, want in cases:
            r = validate(binary, d, ":8080 {\n%s}\n" % body, guard=REFUSE_GUARD)
            check(r.returncode == 1 and want in r.stderr, (body, r.returncode, r.stderr))
            check(re.search(r"Caddyfile:2:\d+:", r.stderr), r.stderr)
        # The Caddyfile itself.
        r = validate(binary, d, None, config_name="pipe", guard=REFUSE_GUARD)
        check(r.returncode == 1 and "not a regular file (a FIFO)" in r.stderr, r)
