"""workerd serving an edge bundle, for the edge tests (tests/edge/run.py).

    with Workerd(root, binary, caddyfile_path, cwd) as wd:
        with wd.conn() as c: ...

Writes the bundle with `BINARY edge config` (run in cwd, so relative roots
resolve as for the native server), starts the workerd from npm
(edge/node_modules) on a 127.0.0.1 socket the test binds, waits until it
listens, and always stops it and removes the bundle. Every wait is bounded.
"""
import os
import shutil
import socket
import subprocess
import tempfile

from ifrit_e2e import START_TIMEOUT, Conn, E2EError, Server


def workerd_binary(root):
    return os.path.join(root, "edge", "node_modules", ".bin", "workerd")


class Workerd:
    def __init__(self, root, binary, caddyfile, cwd):
        self.root = root
        self.binary = binary
        self.caddyfile = caddyfile
        self.cwd = cwd
        self.dir = tempfile.mkdtemp(prefix="ifrit-edge-")
        self.log_path = os.path.join(self.dir, "workerd.log")
        self.proc = None
        self.port = None

    def start(self):
        out = os.path.join(self.dir, "bundle")
        gen = subprocess.run(
            [self.binary, "edge", "config", "--config", self.caddyfile, "--out", out,
             "--wasm", os.path.join(self.root, "build", "edge", "ifrit.wasm"), "--outbound", "private"],
            cwd=self.cwd, capture_output=True, text=True, timeout=60)
        if gen.returncode != 0:
            raise E2EError("edge config failed: " + gen.stderr[-2000:])
        # The listening socket is made here and handed over (--socket-fd),
        # so no other process can take the port between choosing and binding
        # it, and whatever answers on it is this workerd.
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.bind(("127.0.0.1", 0))
            listener.listen(128)
            self.port = listener.getsockname()[1]
            self.log = open(self.log_path, "ab")
            self.proc = subprocess.Popen(
                [workerd_binary(self.root), "serve", os.path.join(out, "config.capnp"),
                 "--socket-fd", "http=%d" % listener.fileno()],
                stdout=self.log, stderr=subprocess.STDOUT, cwd=out, pass_fds=(listener.fileno(),))
        finally:
            listener.close()
        # Server.wait_listening only needs .proc; borrow it rather than repeat it.
        if not Server.wait_listening(self, self.port, timeout=START_TIMEOUT):
            raise E2EError("workerd did not start listening; log:\n" + self.read_log()[-3000:])
        return self

    def conn(self):
        return Conn(self.port)

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.__exit__()
            raise

    def __exit__(self, *exc):
        self.stop()
        try:
            self.log.close()
        except Exception:  # noqa: BLE001 - never opened
            pass
        shutil.rmtree(self.dir, ignore_errors=True)
