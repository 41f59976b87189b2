"""Issue 14 (robustness), item 2's last hole: a guest that opens a special
file in a directory its function mounts must not block its worker.

A FIFO opened for reading waits for a writer, one opened for writing waits
for a reader, and a device may wait or act on open: src/wasi opened them
blocking, on the worker thread, where no deadline reaches. Now only
regular files and directories open; a FIFO, a socket or a device answers
ENXIO at once, so with `workers 1` the guest's error comes back as its
200, the next request is served, and regular files still read and write.

The guest (fn_open_file) opens what its body names: "r NAME" or "w NAME"
beneath its mount, and prints the line it read or "error N: text".
Before the fix the first request never got an answer; the client's wait
is bounded (IO_TIMEOUT), and the FIFO is released afterwards so the
wedged worker can end."""
import errno
import os
import socket
import stat

from ifrit_e2e import GUESTS, IO_TIMEOUT, E2EError, Server, built, check

# WASI's ENXIO (wasi-libc's errno numbers are WASI's own).
WASI_ENXIO = 60
REFUSED = b"error %d: No such device or address\n" % WASI_ENXIO


def config():
    guest = built(os.path.join(GUESTS, "fn_open_file.wasm"))
    fn = "\t\tmount @DIR@/%s /data\n\t\ttimeout 2s\n"
    return ("{\n\tadmin off\n\tworkers 1\n\tgrace_period 1s\n}\n:@PORT@ {\n"
            "\twasm /data %s {\n%s\t}\n\twasm /dev %s {\n%s\t}\n\trespond /hi \"hi\"\n}\n"
            % (guest, fn % "data", guest, fn % "devs"))


def ask(srv, target, body):
    """One request with a bounded wait: a worker wedged in an open never
    answers, which fails the test instead of hanging it."""
    try:
        return srv.request("POST", target, body=body)
    except (socket.timeout, TimeoutError, E2EError) as e:
        raise E2EError("%s %r got no answer (%s): the worker is wedged" % (target, body, e))


def release(fifo):
    """Opens the FIFO's other ends without blocking and closes them, so an
    open waiting for either ends (the cleanup for a wedged worker)."""
    for flags in (os.O_RDONLY, os.O_WRONLY):
        try:
            os.close(os.open(fifo, flags | os.O_NONBLOCK))
        except OSError:
            pass


def test_special_files_in_a_mount_are_refused_and_the_worker_keeps_serving(binary):
    with Server(binary, config(), files={"data/note.txt": "a note\n", "devs/.keep": ""}) as srv:
        data = os.path.join(srv.dir, "data")
        fifo = os.path.join(data, "pipe")
        os.mkfifo(fifo)
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(os.path.join(data, "sock"))
        # The same devices as /dev/null and /dev/zero, when this user may make them.
        devs = []
        for name, dev in (("null", os.makedev(1, 3)), ("zero", os.makedev(1, 5))):
            try:
                os.mknod(os.path.join(srv.dir, "devs", name), stat.S_IFCHR | 0o666, dev)
                devs.append(name)
            except OSError as e:
                check(e.errno in (errno.EPERM, errno.EACCES), e)
        try:
            # No writer, then no reader: each end's open used to wait forever.
            for body in (b"r pipe", b"w pipe"):
                r = ask(srv, "/data", body)
                check(r.status == 200 and r.body == REFUSED, (body, r))
                r = ask(srv, "/hi", None)
                check(r.status == 200 and r.body == b"hi", r)
            # With a reader present a write open would succeed: still refused,
            # and nothing reaches the reader.
            reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
            try:
                r = ask(srv, "/data", b"w pipe")
                check(r.status == 200 and r.body == REFUSED, r)
                try:
                    got = os.read(reader, 100)
                except BlockingIOError:
                    got = b""
                check(got == b"", "the guest wrote into the FIFO: %r" % got)
            finally:
                os.close(reader)
            for body in (b"r sock", b"w sock"):
                r = ask(srv, "/data", body)
                check(r.status == 200 and r.body == REFUSED, (body, r))
            for name in devs:
                for mode in (b"r ", b"w "):
                    r = ask(srv, "/dev", mode + name.encode())
                    check(r.status == 200 and r.body == REFUSED, (name, mode, r))
            # Regular files still read and write, and the FIFO is untouched.
            r = ask(srv, "/data", b"r note.txt")
            check(r.status == 200 and r.body == b"a note\n", r)
            r = ask(srv, "/data", b"w out.txt")
            check(r.status == 200 and r.body == b"wrote\n", r)
            with open(os.path.join(data, "out.txt"), "rb") as f:
                check(f.read() == b"written\n", "out.txt")
            check(stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced")
            log = srv.read_log()
            check("trap" not in log and "panic" not in log, log[-2000:])
        finally:
            release(fifo)
            sock.close()
