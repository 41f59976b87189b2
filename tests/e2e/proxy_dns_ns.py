"""Run by test_proxy_dns inside its own user, mount and network namespace
(unshare -rmn), where /etc/resolv.conf names 127.0.0.1 and /etc/hosts
names up.test: a DNS server on 127.0.0.1:53 that takes queries and never
answers, an upstream, and ifrit with one worker. Prints one JSON object:
what happened, in order, for the test to judge.

    proxy_dns_ns.py BINARY"""
import json
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ifrit_e2e import Server  # noqa: E402
from proxy_upstream import Upstream, echo_app, site  # noqa: E402

WAIT = 30.0


def main(binary):
    events = []
    lock = threading.Lock()

    def note(what):
        with lock:
            events.append(what)

    dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dns.bind(("127.0.0.1", 53))
    queries = threading.Semaphore(0)

    def swallow():
        while True:
            try:
                data, _ = dns.recvfrom(4096)
            except OSError:
                return
            if b"\x04hang\x04test" in data:
                queries.release()
    threading.Thread(target=swallow, daemon=True).start()

    out = {"events": events}
    with Upstream(echo_app) as up:
        body = ("reverse_proxy /hang* hang.test:9 {\n transport http {\n  dial_timeout 0\n }\n}\n"
                "reverse_proxy /short* hang.test:9 {\n transport http {\n  dial_timeout 500ms\n }\n}\n"
                "reverse_proxy /ok* up.test:%d\n"
                "respond /other \"other\"\n" % up.port)
        with Server(binary, site(body)) as srv:
            def hang():
                r = srv.request("GET", "/hang")
                note("/hang answered %d" % r.status)
            t = threading.Thread(target=hang, daemon=True)
            t.start()
            out["query_seen"] = queries.acquire(timeout=WAIT)
            r = srv.request("GET", "/other")
            note("/other answered %d %s" % (r.status, r.body.decode()))
            r = srv.request("GET", "/ok")
            note("/ok answered %d" % r.status)
            t.join(WAIT)
            out["hang_done"] = not t.is_alive()
            r = srv.request("GET", "/short")
            note("/short answered %d" % r.status)
            log = srv.read_log()
            out["log"] = [l for l in log.splitlines() if "hang.test" in l or "up.test" in l]
    dns.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
