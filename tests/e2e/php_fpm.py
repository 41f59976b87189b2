"""Debian's php-fpm for the FastCGI tests (stdlib only): a pool of its own
written to a temp dir, listening on 127.0.0.1:<free port> and on a unix
socket there, started in the foreground as the current user (root with
-R), waited for boundedly and always stopped.

    with PhpFpm(docroot) as fpm:
        fpm.addr      # "127.0.0.1:PORT"
        fpm.sock      # "/tmp/.../php.sock"
"""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from ifrit_e2e import E2EError, Skip, free_port

PHP_FPM = shutil.which("php-fpm8.2") or "/usr/sbin/php-fpm8.2"
START_TIMEOUT = 20.0   # bound on waiting for both listeners (not a performance threshold)

POOL = """[global]
error_log = {dir}/fpm.log
daemonize = no
pid = {dir}/fpm.pid

[tcp]
listen = 127.0.0.1:{port}
{user}pm = static
pm.max_children = {children}
catch_workers_output = yes
decorate_workers_output = no
php_admin_value[display_errors] = Off
php_admin_value[log_errors] = On
php_admin_value[upload_tmp_dir] = {dir}
php_admin_value[sys_temp_dir] = {dir}

[unix]
listen = {dir}/php.sock
{user}pm = static
pm.max_children = {children}
php_admin_value[display_errors] = Off
php_admin_value[log_errors] = On
php_admin_value[upload_tmp_dir] = {dir}
php_admin_value[sys_temp_dir] = {dir}
"""


class PhpFpm:
    def __init__(self, children=2):
        if not os.path.exists(PHP_FPM):
            raise Skip("no php-fpm at %s (Debian's php-fpm package; scripts/install-deps.sh installs it)" % PHP_FPM)
        self.children = children
        self.dir = tempfile.mkdtemp(prefix="ifrit-php-fpm-")
        self.proc = None
        self.port = None
        self.sock = os.path.join(self.dir, "php.sock")

    @property
    def addr(self):
        return "127.0.0.1:%d" % self.port

    def log(self):
        try:
            with open(os.path.join(self.dir, "fpm.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def _listening(self):
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                u.connect(self.sock)
            finally:
                u.close()
            return True
        except OSError:
            return False

    def start(self):
        root = os.geteuid() == 0
        self.port = free_port()
        conf = os.path.join(self.dir, "fpm.conf")
        with open(conf, "w") as f:
            f.write(POOL.format(dir=self.dir, port=self.port, children=self.children,
                                user="user = root\ngroup = root\n" if root else ""))
        args = [PHP_FPM, "-F", "-n", "-y", conf] + (["-R"] if root else [])
        out = open(os.path.join(self.dir, "fpm.out"), "wb")
        self.proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=self.dir)
        out.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if self._listening():
                return self
            time.sleep(0.05)
        self.stop()
        with open(os.path.join(self.dir, "fpm.out"), "rb") as f:
            early = f.read().decode("utf-8", "replace")
        raise E2EError("php-fpm did not start: %s %s" % (early[-1500:], self.log()[-1500:]))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)   # graceful
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.cleanup()
            raise

    def __exit__(self, *exc):
        self.cleanup()
