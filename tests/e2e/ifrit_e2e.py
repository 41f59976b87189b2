"""End-to-end test library for ifrit (Python 3 stdlib only).

Starts the real binary on a free 127.0.0.1 port with a Caddyfile, waits
until it listens, talks to it over raw sockets or curl, and always cleans
up (temp dir removed) even when a test fails. When a `with Server` block
ends the server is stopped the way an operator stops it (SIGTERM, a second
one if connections linger), and the test fails unless it exits with the
status it should (0 by default) and its log holds no sanitizer report: an
ASan or UBSan finding at shutdown is a failure like any other.

    with Server(binary, ':@PORT@ {\n respond "hi"\n}\n') as srv:
        r = srv.request("GET", "/")
        assert r.status == 200 and r.body == b"hi"

Every server listens on 127.0.0.1 only (loopback_only adds `default_bind
127.0.0.1` to its Caddyfile). Config text may use @PORT@ (the main port),
@PORT2@ (a second free port), @DIR@ (the server's temp dir, where `files`
are written) and @ROOT@ (the repository root).
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

ROOT = os.environ.get("IFRIT_ROOT") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
IO_TIMEOUT = 15.0       # bound on any single socket wait (not a performance threshold)
START_TIMEOUT = 20.0    # bound on waiting for the server to listen
# How long a stopped server may finish its in-flight requests before a
# second SIGTERM closes them (what an operator's second signal does; not a
# performance threshold: a slower exit is forced, never failed).
GRACE_WAIT = 5.0
# What ASan, LeakSanitizer and UBSan print when they find something.
SANITIZER_REPORT = re.compile(r"==\d+==ERROR: \w+Sanitizer|SUMMARY: \w+Sanitizer|:\d+:\d+: runtime error: ")


class E2EError(Exception):
    """A test expectation failed; the message says what and why."""


class Skip(Exception):
    """Raise from a Python test to report SKIP with a reason."""


GUESTS = os.environ.get("IFRIT_GUESTS") or os.path.join(ROOT, "build", "guests")
PLUGINS = os.path.join(ROOT, "build", "plugins")


def built(path):
    """path, a file scripts/build-guests.sh builds (under GUESTS or PLUGINS):
    when it is missing the test fails, it is never skipped."""
    if not os.path.exists(path):
        raise E2EError("%s not built (scripts/build-guests.sh tests)" % path)
    return path


def check(cond, what):
    """Fails the test with `what` (a message or the offending response)."""
    if not cond:
        raise AssertionError(what)


def free_port():
    """A port that was free a moment ago (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Response:
    def __init__(self, version, status, reason, headers, body):
        self.version = version      # "HTTP/1.1"
        self.status = status        # int
        self.reason = reason
        self.headers = headers      # list of (name, value) in order, as str
        self.body = body            # bytes

    def header(self, name, default=None):
        """The first value of a header (case-insensitive), or default."""
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def __repr__(self):
        return "<Response %d %r %r>" % (self.status, self.headers, self.body[:200])


class SocketOwner:
    """A client holding one socket in self.sock: closed by close() or at
    the end of a with block (shared by Conn and the HTTP/2 clients)."""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Conn(SocketOwner):
    """One raw TCP connection with an HTTP/1.x response reader."""

    def __init__(self, port, host="127.0.0.1", timeout=IO_TIMEOUT):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""


    def send(self, data):
        if isinstance(data, str):
            data = data.encode("latin-1")
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise E2EError("connection closed by the server (after %d unread bytes: %r)" % (len(self.buf), self.buf[:200]))
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_response(self, method="GET", allow_interim=False):
        """Reads one response. 1xx responses are skipped unless allow_interim.
        Framing follows RFC 9112 section 6.3."""
        while True:
            status_line = self._line().decode("latin-1")
            parts = status_line.split(" ", 2)
            if len(parts) < 2 or not parts[0].startswith("HTTP/"):
                raise E2EError("bad status line %r" % status_line)
            status = int(parts[1])
            headers = []
            while True:
                line = self._line()
                if not line:
                    break
                k, _, v = line.decode("latin-1").partition(":")
                headers.append((k, v.strip()))
            resp = Response(parts[0], status, parts[2] if len(parts) > 2 else "", headers, b"")
            if 100 <= status < 200:
                if allow_interim:
                    return resp
                continue
            break
        if method == "HEAD" or status in (204, 304):
            return resp
        te = resp.header("Transfer-Encoding")
        cl = resp.header("Content-Length")
        if te is not None:
            if te.lower() != "chunked":
                raise E2EError("unexpected Transfer-Encoding %r" % te)
            body = b""
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    while self._line():
                        pass
                    break
                body += self._exact(size)
                if self._exact(2) != b"\r\n":
                    raise E2EError("chunk not followed by CRLF")
            resp.body = body
        elif cl is not None:
            resp.body = self._exact(int(cl))
        else:
            resp.body = self.read_until_close()
        return resp

    def read_until_close(self):
        """Everything until the server closes (bounded by the socket timeout)."""
        data = self.buf
        self.buf = b""
        while True:
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
        return data

    def is_closed_by_server(self):
        """True if the server closes the connection (EOF or reset) with no
        further bytes; waits at most the socket timeout."""
        if self.buf:
            return False
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False


def build_request(method, target, headers=None, body=None, version="HTTP/1.1", host="localhost"):
    """Request bytes. headers: list of (name, value); Host is added unless
    given (or host is None); Content-Length is added for a body unless a
    Content-Length or Transfer-Encoding header is given."""
    headers = list(headers or [])
    names = {k.lower() for k, _ in headers}
    if host is not None and "host" not in names:
        headers.insert(0, ("Host", host))
    if isinstance(body, str):
        body = body.encode()
    if body is not None and "content-length" not in names and "transfer-encoding" not in names:
        headers.append(("Content-Length", str(len(body))))
    head = "%s %s %s\r\n" % (method, target, version)
    head += "".join("%s: %s\r\n" % (k, v) for k, v in headers) + "\r\n"
    return head.encode("latin-1") + (body or b"")


# Test servers listen on 127.0.0.1 only, never on every interface of the
# machine: a Caddyfile the tests write gets this global option, unless it
# has one (a site's own bind wins over it anyway).
LOOPBACK_BIND = "\tdefault_bind 127.0.0.1\n"
_GLOBAL_BLOCK = re.compile(r"\A(?:[ \t]*(?:#[^\n]*)?\n)*[ \t]*\{[ \t]*(?:#[^\n]*)?\n")


def loopback_only(config):
    """config with default_bind 127.0.0.1 in its global options block (one
    is added when it has none: the lines after it move by one, or by
    three)."""
    if re.search(r"^[ \t]*default_bind\b", config, re.M):
        return config
    m = _GLOBAL_BLOCK.match(config)
    if m:
        return config[:m.end()] + LOOPBACK_BIND + config[m.end():]
    return "{\n" + LOOPBACK_BIND + "}\n" + config


class Server:
    """The ifrit binary running one Caddyfile. Use as a context manager."""

    def __init__(self, binary, config, files=None, env=None, args=None, expect_exit=0):
        self.binary = binary
        # The exit status the server must end with (a test that makes it
        # exit otherwise on purpose says so here).
        self.expect_exit = expect_exit
        self.config_template = config
        self.files = files or {}
        self.env = env or {}
        self.args = args or []
        self.proc = None
        self.dir = tempfile.mkdtemp(prefix="ifrit-e2e-")
        self.port = None
        self.port2 = None
        self.config_path = os.path.join(self.dir, "Caddyfile")
        self.pidfile = os.path.join(self.dir, "ifrit.pid")
        self.log_path = os.path.join(self.dir, "server.log")

    # -- configuration -----------------------------------------------------
    def render(self, text):
        return (text.replace("@PORT@", str(self.port)).replace("@PORT2@", str(self.port2))
                .replace("@DIR@", self.dir).replace("@ROOT@", ROOT))

    def write_config(self, text, loopback=True):
        """Writes the Caddyfile; loopback=False leaves it as written (for a
        config only validated, whose error positions a test checks)."""
        text = self.render(text)
        with open(self.config_path, "w") as f:
            f.write(loopback_only(text) if loopback else text)

    def write_files(self, files):
        for rel, content in files.items():
            path = os.path.join(self.dir, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(content if isinstance(content, bytes) else self.render(content).encode())

    # -- life cycle ----------------------------------------------------------
    def start(self):
        last = ""
        for _ in range(3):   # another process may grab the free port first
            self.port, self.port2 = free_port(), free_port()
            while self.port2 == self.port:   # the kernel may hand out the same free port twice
                self.port2 = free_port()
            self.write_files(self.files)
            self.write_config(self.config_template)
            env = dict(os.environ)
            env.update(self.env)
            env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
            self.log = open(self.log_path, "ab")
            self.proc = subprocess.Popen(
                [self.binary, "run", "--config", self.config_path, "--pidfile", self.pidfile] + self.args,
                stdout=self.log, stderr=subprocess.STDOUT, cwd=self.dir, env=env)
            if self.wait_listening(self.port):
                return self
            last = self.read_log()
            self.kill()
            if "in use" not in last:
                break
        raise E2EError("server did not start listening; log:\n" + last[-3000:])

    def wait_listening(self, port, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return True
            except OSError:
                time.sleep(0.02)
        return False

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def reload(self, config=None, use_command=False):
        """Writes a new config (if given) and asks the server to load it."""
        if config is not None:
            self.write_config(config)
        if use_command:
            return subprocess.run([self.binary, "reload", "--pidfile", self.pidfile],
                                  capture_output=True, timeout=IO_TIMEOUT)
        self.send_signal(signal.SIGHUP)
        return None

    def wait_log(self, needle, timeout=IO_TIMEOUT):
        """Waits until the server log contains needle; True if it did."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.read_log():
                return True
            time.sleep(0.02)
        return False

    def stop(self, sig=signal.SIGTERM, timeout=IO_TIMEOUT):
        """Signals the server and waits for it; returns its exit status."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise E2EError("server did not exit within %ss after signal %d" % (timeout, sig))

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def shutdown_problem(self):
        """Stops the server gracefully if it still runs; returns None when it
        exited with expect_exit and its log has no sanitizer report, else
        what went wrong (with the log's relevant part)."""
        if self.proc is None:
            return None
        problem = None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=GRACE_WAIT)
            except subprocess.TimeoutExpired:
                self.proc.send_signal(signal.SIGTERM)   # closes what is left
                try:
                    self.proc.wait(timeout=IO_TIMEOUT)
                except subprocess.TimeoutExpired:
                    self.kill()
                    problem = "did not exit within %ss of a second SIGTERM" % IO_TIMEOUT
        log = self.read_log()
        if problem is None and self.proc.returncode != self.expect_exit:
            problem = "exit status %s, expected %s" % (self.proc.returncode, self.expect_exit)
        found = SANITIZER_REPORT.search(log)
        if found:
            report = log[max(0, found.start() - 200):found.start() + 1500]
            return "%ssanitizer report in the server log: %s" % (problem + "; " if problem else "", report)
        if problem:
            return "%s; log tail: %s" % (problem, log[-1500:])
        return None

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def cleanup(self):
        self.kill()
        try:
            self.log.close()
        except Exception:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.cleanup()
            raise

    def __exit__(self, exc_type, exc, tb):
        try:
            problem = self.shutdown_problem()
        finally:
            self.cleanup()
        if problem and exc_type is None:
            raise E2EError("server: " + problem)
        if problem and isinstance(exc, Exception):
            # The test failed already: its own reason comes first.
            exc.args = ("%s | and the server: %s" % (exc, problem[:1500]),)

    # -- clients -----------------------------------------------------------
    def conn(self, port=None, timeout=IO_TIMEOUT):
        return Conn(port or self.port, timeout=timeout)

    def request(self, method, target, headers=None, body=None, version="HTTP/1.1", host="localhost", port=None,
                timeout=IO_TIMEOUT):
        """One request on a fresh connection; returns the Response. timeout
        bounds each socket wait (longer for a request that does heavy work
        under ASan)."""
        with self.conn(port, timeout) as c:
            c.send(build_request(method, target, headers, body, version, host))
            return c.read_response(method)

    def curl(self, *args, timeout=IO_TIMEOUT):
        """Runs curl with args (URLs may use @PORT@); returns CompletedProcess."""
        cmd = ["curl", "-sS", "--max-time", str(int(timeout))] + [self.render(a) for a in args]
        return subprocess.run(cmd, capture_output=True, timeout=timeout + 5)
