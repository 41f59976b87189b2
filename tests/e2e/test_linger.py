"""Lingering close: when ifrit answers while the client is still sending a
body it will not read, the answer must reach the client. ifrit half-closes
(shutdown of its write side) and reads and drops what still arrives, for a
bounded time, before it closes: closing with unread bytes in the socket
makes the kernel answer them with a reset, which breaks the client's
sending before it looked at the answer (docs/server.md, "Lingering
close").

Two kinds of uploader, each against ifrit's own 413 (request_body
max_size) and an upstream's 413 passed on by reverse_proxy (nginx with
client_max_body_size 1k, which answers as soon as it has the head):

- curl as a user runs it: a 100 MB `--data-binary` upload (curl then sends
  `Expect: 100-continue`, and stops sending once it reads the answer),
  repeated a bounded number of times; every try must see the status.
  Before the fix about one try in thirty got "Connection reset by peer".
- a client that sends its whole 100 MB body before it reads anything: every
  byte must be taken (drained) and the answer read after. Before the fix
  ifrit skipped 1 MiB of the body an upstream's early answer left unread,
  then closed with the rest unread, and the reset broke the client's send
  every time (the curl loop hit the same when curl had not yet looked at
  the answer)."""
import os
import shutil
import socket
import subprocess
import tempfile
import time

from ifrit_e2e import Server, Skip, check, free_port

TRIES = 30
UPLOAD = 100 << 20          # what the user uploaded: 100 MB
WAIT = 15.0                 # bound on one curl run, socket wait or server start
BLIND_TRIES = 3             # each moves 100 MB; the old code failed every one


def _upload_file(d):
    """A 100 MB file of zeros, sparse so it costs no disk."""
    path = os.path.join(d, "upload.bin")
    with open(path, "wb") as f:
        f.truncate(UPLOAD)
    return path


def _uploads_see(port, path, want, what):
    """TRIES uploads of path to port; each must get status want."""
    for i in range(TRIES):
        p = subprocess.run(["curl", "-sS", "--max-time", str(int(WAIT)), "-o", "/dev/null", "-w", "%{http_code}",
                            "-X", "POST", "--data-binary", "@" + path, "http://127.0.0.1:%d/up" % port],
                           capture_output=True, timeout=WAIT + 5)
        got = p.stdout.decode(errors="replace")
        check(got == str(want), "%s, try %d of %d: status %r, curl exit %d: %s"
              % (what, i + 1, TRIES, got, p.returncode, p.stderr.decode(errors="replace").strip()))


def _blind_upload(port):
    """Sends a POST head and a 100 MB body without reading, then reads the
    answer: (status line, None), or (None, what went wrong)."""
    chunk = memoryview(bytes(1 << 20))
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as s:
        head = "POST /up HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n" % UPLOAD
        s.sendall(head.encode())
        sent = 0
        try:
            while sent < UPLOAD:
                s.sendall(chunk)
                sent += len(chunk)
        except OSError as e:
            return None, "sending failed after %d of %d body bytes: %s" % (sent, UPLOAD, e)
        data = b""
        try:
            while b"\r\n" not in data:
                got = s.recv(4096)
                if not got:
                    return None, "connection closed before an answer (%r)" % data
                data += got
        except OSError as e:
            return None, "reading the answer failed: %s (%r)" % (e, data)
        return data.split(b"\r\n", 1)[0].decode(errors="replace"), None


def _blind_uploads_see(port, want, what):
    """BLIND_TRIES blind uploads; each must send its whole body and then
    read status want."""
    for i in range(BLIND_TRIES):
        line, err = _blind_upload(port)
        check(err is None, "%s, blind upload %d of %d: %s" % (what, i + 1, BLIND_TRIES, err))
        check(line.split(" ")[1:2] == [str(want)], "%s, blind upload %d of %d: answered %r"
              % (what, i + 1, BLIND_TRIES, line))


def _start_nginx(d, port):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        raise Skip("nginx not installed")
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write("""daemon off; worker_processes 1; pid %(d)s/nginx.pid; error_log %(d)s/error.log;
events { worker_connections 64; }
http { access_log off; client_body_temp_path %(d)s; proxy_temp_path %(d)s; fastcgi_temp_path %(d)s;
  uwsgi_temp_path %(d)s; scgi_temp_path %(d)s; client_max_body_size 1k;
  server { listen 127.0.0.1:%(p)d; location / { return 200 "read it all\\n"; } } }
""" % {"d": d, "p": port})
    proc = subprocess.Popen([nginx, "-c", conf, "-e", os.path.join(d, "error.log")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + WAIT
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            if time.monotonic() >= deadline or proc.poll() is not None:
                proc.kill()
                proc.wait(WAIT)
                raise AssertionError("nginx did not start")
            time.sleep(0.05)


def test_linger_proxied_413_reaches_uploader(binary):
    """reverse_proxy to nginx with client_max_body_size 1k: nginx answers
    413 as soon as it has the head, ifrit relays it and closes while curl
    is still sending its 100 MB."""
    d = tempfile.mkdtemp(prefix="ifrit-linger-")
    try:
        path = _upload_file(d)
        port = free_port()
        proc = _start_nginx(d, port)
        try:
            with Server(binary, ":@PORT@ {\n reverse_proxy 127.0.0.1:%d\n}\n" % port) as srv:
                _uploads_see(srv.port, path, 413, "413 from nginx through reverse_proxy")
                _blind_uploads_see(srv.port, 413, "413 from nginx through reverse_proxy")
        finally:
            proc.terminate()
            proc.wait(WAIT)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_linger_own_413_reaches_uploader(binary):
    """ifrit itself refuses the body (request_body max_size): the 413 goes
    out at once, before any 100 Continue, and the connection closes."""
    d = tempfile.mkdtemp(prefix="ifrit-linger-")
    try:
        path = _upload_file(d)
        with Server(binary, ":@PORT@ {\n request_body {\n  max_size 1KB\n }\n respond \"read it all\"\n}\n") as srv:
            _uploads_see(srv.port, path, 413, "413 from request_body max_size")
            _blind_uploads_see(srv.port, 413, "413 from request_body max_size")
    finally:
        shutil.rmtree(d, ignore_errors=True)
