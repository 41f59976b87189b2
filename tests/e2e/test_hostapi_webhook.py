"""End-to-end test of the webhook example with host calls (issue 20;
examples/functions/webhook.c): a signed delivery is forwarded with an
outbound POST, a repeated delivery id is dropped (KV), and a delivery
that finds the target down is queued as a job that the server tries again
until the target is back. Outcomes only: waits are bounded."""
import hashlib
import hmac
import json
import time
from http.server import BaseHTTPRequestHandler

from ifrit_e2e import IO_TIMEOUT, Server, check
from local_http import LocalHTTP
from test_functions import example
from test_hostapi import config


class Target(LocalHTTP):
    """Answers 503 while down, else 200, and keeps the bodies it took."""

    def __init__(self):
        self.down = False
        self.bodies = []
        target = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = 503 if target.down else 200
                if status == 200:
                    target.bodies.append(data)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        super().__init__(Handler)


def deliver(s, body, delivery):
    sig = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    r = s.request("POST", "/webhook", [("X-Signature-256", sig), ("X-Delivery-ID", delivery)], body)
    check(r.status == 200, "delivery %s: %d %r" % (delivery, r.status, r.body))
    return json.loads(r.body)


def test_hostapi_webhook_example_dedups_forwards_and_retries(binary):
    with Target() as target:
        url = target.url("/hook")
        cfg = config("""\thandle /webhook* {
\t\twasm %s {
\t\t\tprotocol json
\t\t\tenv WEBHOOK_SECRET "s3cret"
\t\t\tenv FORWARD_URL "%s"
\t\t\tpermissions {
\t\t\t\tkv_read
\t\t\t\tkv_write
\t\t\t\thttp
\t\t\t\tenqueue
\t\t\t}
\t\t\tallow_host 127.0.0.1
\t\t\tmax_retries 50
\t\t\tretry_backoff 20ms
\t\t}
\t}
""" % (example("webhook"), url))
        with Server(binary, cfg) as s:
            first = b'{"event":"push","n":1}'
            check(deliver(s, first, "d1").get("forwarded") is True, "forwarded")
            check(target.bodies == [first], "the target got it: %r" % target.bodies)
            check(deliver(s, first, "d1").get("duplicate") is True, "a repeat is dropped")
            check(target.bodies == [first], "not forwarded twice")
            target.down = True
            second = b'{"event":"push","n":2}'
            answer = deliver(s, second, "d2")
            check(len(answer.get("queued", "")) == 32, "queued while the target is down: %r" % answer)
            check(s.wait_log("failed, attempt 1 of 51"), "the job fails while the target is down")
            target.down = False
            deadline = time.monotonic() + IO_TIMEOUT
            while time.monotonic() < deadline and second not in target.bodies:
                time.sleep(0.05)
            check(target.bodies == [first, second], "the job delivered it once the target was back: %r" % target.bodies)
            r = s.request("GET", "/webhook/_sys/jobs/" + answer["queued"])
            deadline = time.monotonic() + IO_TIMEOUT
            while time.monotonic() < deadline and json.loads(r.body)["state"] != "done":
                time.sleep(0.05)
                r = s.request("GET", "/webhook/_sys/jobs/" + answer["queued"])
            check(json.loads(r.body)["state"] == "done", "the job is done: %r" % r.body)
