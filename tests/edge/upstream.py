#!/usr/bin/env python3
"""reverse_proxy at the edge against an upstream this test controls (a
Python HTTP server on 127.0.0.1), through the native server and through the
bundle in workerd, same Caddyfile:

- a large body (several MiB, with and without Content-Length) arrives byte
  for byte, both ways (client to upstream, upstream to client);
- the request body streams: the client sends part of it and holds the
  rest until the upstream got bytes of it;
- the answer streams: the upstream sends part of its body and then holds
  the rest until the test releases it; the client must read the first
  part before that (were the body gathered first, it could not);
- one request waiting on its upstream does not hold back another on the
  same isolate: the upstream holds the slow answer until the fast one
  (a `respond` route) came back.

Ordering is by events, never by elapsed time: a held answer is released by
the test, or by a watchdog after HOLD_LIMIT seconds, and a test fails when
what it waited for came only after the watchdog. Prints PASS/FAIL/SKIP.

    tests/edge/upstream.py --binary build/release/ifrit
"""
import argparse
import hashlib
import http.client
import http.server
import os
import socket
import socketserver
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
sys.path.insert(0, HERE)

from ifrit_e2e import Server  # noqa: E402
from workerd import Workerd  # noqa: E402

BIG = 6 * 1024 * 1024 + 123   # several MiB, not a multiple of any piece size
HOLD_LIMIT = 60               # seconds before the watchdog lets a held answer go
FIRST_PART = 1024 * 1024      # what a held answer sends before it waits


def pattern(n):
    """n deterministic bytes that are not all alike (a shifted piece would show)."""
    block = hashlib.sha256(b"ifrit").digest() * 2048   # 64 KiB
    out = bytearray()
    i = 0
    while len(out) < n:
        out += bytes([i & 0xff]) + block
        i += 1
    return bytes(out[:n])


BODY = pattern(BIG)


class Hold:
    """A gate the upstream waits at: released by the test, else by the watchdog."""

    def __init__(self):
        self.arrived = threading.Event()   # the upstream got the held request
        self.gate = threading.Event()
        self.by_watchdog = False

    def wait(self):
        self.arrived.set()
        if not self.gate.wait(HOLD_LIMIT):
            self.by_watchdog = True
            self.gate.set()

    def release(self):
        self.gate.set()


HOLDS = {}


class Upstream(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_all(self, body, length=True):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if length:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for at in range(0, len(body), 100000):
                piece = body[at:at + 100000]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")

    def do_GET(self):
        if self.path == "/big":
            self.send_all(BODY)
        elif self.path == "/big-chunked":
            self.send_all(BODY, length=False)
        elif self.path.startswith("/hold/"):
            hold = HOLDS[self.path]
            if self.path.endswith("/part"):
                self.send_response(200)
                self.send_header("Content-Length", str(len(BODY)))
                self.end_headers()
                self.wfile.write(BODY[:FIRST_PART])
                self.wfile.flush()
                hold.wait()
                self.wfile.write(BODY[FIRST_PART:])
            else:
                hold.wait()
                self.send_all(b"slow")
        else:
            self.send_error(404)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        if self.path.startswith("/hold/"):
            got = self.rfile.read(FIRST_PART // 2)
            HOLDS[self.path].arrived.set()
            got += self.rfile.read(n - len(got))
        else:
            got = self.rfile.read(n)
        self.send_all(hashlib.sha256(got).hexdigest().encode() + b" %d" % len(got))


class ThreadingServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass   # a proxy closing a held answer early is no failure of this server


CADDYFILE = """:@PORT@ {
	handle /fast {
		respond "fast"
	}
	handle /echo {
		wasm %s/build/guests/fn_echo.wasm
	}
	reverse_proxy 127.0.0.1:%d
}
"""


def get(port, path, method="GET", body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=HOLD_LIMIT * 2)
    c.request(method, path, body=body)
    r = c.getresponse()
    return r.status, r.read()


def check_big(port, path, length=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=HOLD_LIMIT * 2)
    c.request("GET", path)
    r = c.getresponse()
    status, body, declared = r.status, r.read(), r.getheader("Content-Length")
    c.close()
    if status != 200:
        return "status %d" % status
    if declared != length:
        return "Content-Length %r, expected %r" % (declared, length)
    if body != BODY:
        return "body differs: %d bytes, expected %d (first difference at %d)" % (
            len(body), len(BODY), next((i for i, (a, b) in enumerate(zip(body, BODY)) if a != b), min(len(body), len(BODY))))
    return None


def check_function_body(port):
    """A large request body a handler asks for (a function's stdin)."""
    body = BODY[:FIRST_PART]
    status, got = get(port, "/echo", "POST", body)
    return None if status == 200 and got == body else "status %d, %d bytes back of %d" % (status, len(got), len(body))


def check_big_together(port):
    """Three large answers streaming at once (their pieces interleave in
    one isolate) each arrive byte for byte."""
    results = ["did not finish"] * 3
    paths = ["/big", "/big-chunked", "/big"]

    def one(i):
        try:
            results[i] = check_big(port, paths[i], str(BIG) if paths[i] == "/big" else None)
        except Exception as e:  # noqa: BLE001 - reported below
            results[i] = "%s: %s" % (type(e).__name__, e)

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(HOLD_LIMIT * 2)
    bad = [r for r in results if r is not None]
    return "; ".join(bad) if bad else None


def check_upload(port):
    status, body = get(port, "/up", "POST", BODY)
    want = hashlib.sha256(BODY).hexdigest().encode() + b" %d" % len(BODY)
    return None if status == 200 and body == want else "status %d, body %r" % (status, body[:100])


def check_streams(port, name):
    """The first part reaches the client while the upstream holds the rest."""
    path = "/hold/%s/part" % name
    hold = HOLDS[path] = Hold()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=HOLD_LIMIT * 2)
    try:
        c.request("GET", path)
        r = c.getresponse()
        first = r.read(FIRST_PART // 2)
        early = not hold.by_watchdog
        hold.release()
        rest = r.read()
    finally:
        hold.release()
        c.close()
    if not early:
        return "the first part came only after the upstream sent everything (the body was gathered, not streamed)"
    if first + rest != BODY:
        return "body differs (%d bytes)" % len(first + rest)
    return None


def check_upload_streams(port, name):
    """The upstream gets the first part of a request body while the client
    still holds the rest."""
    path = "/hold/%s/upload" % name
    hold = HOLDS[path] = Hold()
    s = socket.create_connection(("127.0.0.1", port), timeout=HOLD_LIMIT * 2)
    try:
        s.sendall(b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
                  % (path.encode(), len(BODY)))
        s.sendall(BODY[:FIRST_PART])
        early = hold.arrived.wait(HOLD_LIMIT)
        s.sendall(BODY[FIRST_PART:])
        answer = b""
        while True:
            got = s.recv(65536)
            if not got:
                break
            answer += got
    finally:
        s.close()
    if not early:
        return "the upstream got nothing before the client sent the whole body (it was gathered, not streamed)"
    want = hashlib.sha256(BODY).hexdigest().encode() + b" %d" % len(BODY)
    return None if answer.startswith(b"HTTP/1.1 200") and answer.endswith(want) else "answer %r" % answer[-200:]


def check_concurrent(port, name):
    """A fast request answers while a slow one waits on its upstream."""
    path = "/hold/%s/slow" % name
    hold = HOLDS[path] = Hold()
    slow = {}

    def run_slow():
        try:
            slow["r"] = get(port, path)
        except Exception as e:  # noqa: BLE001 - reported below
            slow["r"] = e

    t = threading.Thread(target=run_slow, daemon=True)
    t.start()
    try:
        if not hold.arrived.wait(HOLD_LIMIT):
            return "the slow request never reached the upstream"
        fast = get(port, "/fast")
        early = not hold.by_watchdog
    finally:
        hold.release()
        t.join(HOLD_LIMIT * 2)
    if fast != (200, b"fast"):
        return "fast: %r" % (fast,)
    if not early:
        return "the fast request answered only after the slow one's upstream was released"
    if slow.get("r") != (200, b"slow"):
        return "slow: %r" % (slow.get("r"),)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    args = ap.parse_args()
    args.binary = os.path.abspath(args.binary)
    up = ThreadingServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=up.serve_forever, daemon=True).start()
    config = CADDYFILE % (ROOT, up.server_address[1])
    checks = [
        ("a large upstream body with Content-Length arrives byte for byte", lambda p, n: check_big(p, "/big", str(BIG))),
        ("a large chunked upstream body arrives byte for byte", lambda p, n: check_big(p, "/big-chunked")),
        ("three large answers streaming at once arrive byte for byte", lambda p, n: check_big_together(p)),
        ("a large request body reaches the upstream byte for byte", lambda p, n: check_upload(p)),
        ("a large request body reaches a function byte for byte", lambda p, n: check_function_body(p)),
        ("the answer streams while the upstream still holds its body", check_streams),
        ("the request body streams while the client still holds part of it", check_upload_streams),
        ("a fast request answers while another waits on its upstream", check_concurrent),
    ]
    try:
        with Server(args.binary, config) as native:
            for name, check in checks:
                why = check(native.port, "native")
                print("PASS edge/upstream/native: %s" % name if why is None else
                      "FAIL edge/upstream/native: %s: %s" % (name, why), flush=True)
            with Workerd(ROOT, args.binary, native.config_path, native.dir) as wd:
                for name, check in checks:
                    try:
                        why = check(wd.port, "edge")
                    except Exception as e:  # noqa: BLE001 - one failure per check
                        why = "%s: %s" % (type(e).__name__, e)
                    if why is not None:
                        why += "; workerd log: " + wd.read_log()[-600:].replace("\n", " | ")
                    print("PASS edge/upstream: %s" % name if why is None else
                          "FAIL edge/upstream: %s: %s" % (name, why), flush=True)
                    if wd.proc.poll() is not None:
                        print("FAIL edge/upstream: workerd exited; log: %s" % wd.read_log()[-1500:], flush=True)
                        break
    finally:
        up.shutdown()


if __name__ == "__main__":
    main()
