"""A local HTTP server for tests that need a peer of ifrit's (an upstream a
function calls, an AI endpoint, a webhook target): a ThreadingHTTPServer on
127.0.0.1 with a free port, serving from a thread while used as a context
manager. `arrived` and `release` let a handler hold a request until the
test says so; leaving the context releases any held request first."""

import threading
from http.server import ThreadingHTTPServer


class LocalHTTP:
    def __init__(self, handler):
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path, host="127.0.0.1"):
        return "http://%s:%d%s" % (host, self.port, path)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
