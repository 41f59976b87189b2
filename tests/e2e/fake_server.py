#!/usr/bin/env python3
"""A stand-in for `ifrit run` that test_harness.py starts through
ifrit_e2e.Server, to check what the library does when a server ends badly.
It listens on the port of its Caddyfile's first `:PORT` and, on SIGTERM,
prints FAKE_REPORT (if set) and exits with FAKE_EXIT (default 0)."""
import os
import re
import signal
import socket
import sys


def main():
    config = open(sys.argv[sys.argv.index("--config") + 1]).read()
    port = int(re.search(r":(\d+)", config).group(1))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(16)

    def on_term(_sig, _frame):
        report = os.environ.get("FAKE_REPORT")
        if report:
            print(report, flush=True)
        os._exit(int(os.environ.get("FAKE_EXIT", "0")))

    signal.signal(signal.SIGTERM, on_term)
    while True:
        conn, _ = sock.accept()
        conn.close()


if __name__ == "__main__":
    main()
