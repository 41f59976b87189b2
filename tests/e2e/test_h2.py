"""HTTP/2 serving (docs/server.md, "HTTP/2"): curl over TLS (ALPN h2) and
with prior knowledge, nghttp multiplexing, `protocols h1` turning it off,
request bodies (and request_body max_size), responses from file_server
(ranges), encode and reverse_proxy (streaming, trailers, 103 Early Hints),
flow control (a stream whose reader stops does not stall the others), the
memory of 100 concurrent 1 MiB downloads on one connection, the GOAWAY of
a graceful stop with the stream in flight finished, and functions run per
stream (one failing mid-stream resets only its stream)."""
import os
import re
import shutil
import signal
import subprocess
import threading
import time

import h2client
import h2raw
from ifrit_e2e import IO_TIMEOUT, Server, Skip, check
from proxy_upstream import Reply, Upstream, echo_app

GLOBAL = """{
	storage file_system @DIR@/data
	https_port @PORT@
	http_port @PORT2@
	servers {
		protocols %s
	}
}
"""
ROOT_CRT = "data/pki/authorities/local/root.crt"
BIG = os.urandom(1 << 20)


def _tls_site(protocols, body):
    return GLOBAL % protocols + "localhost {\n\ttls internal\n%s\n}\n" % body


def _h2c_site(body, extra_global=""):
    return "{\n\tservers {\n\t\tprotocols h1 h2 h2c\n\t}\n%s}\n:@PORT@ {\n%s\n}\n" % (extra_global, body)


def _curl(s, *args):
    p = s.curl("-o", "-", "-w", "\n%{http_version}", *args)
    out = p.stdout.decode(errors="replace")
    body, _, version = out.rpartition("\n")
    return p.returncode, body, version, p.stderr.decode(errors="replace")


def test_h2_curl_over_tls_and_prior_knowledge(binary):
    with Server(binary, _tls_site("h1 h2", '\trespond "{http.request.proto} {scheme} {http.request.tls.proto}"')) as s:
        rc, body, version, err = _curl(s, "--http2", "--cacert", os.path.join(s.dir, ROOT_CRT), "--resolve",
                                       "localhost:@PORT@:127.0.0.1", "https://localhost:@PORT@/")
        check(rc == 0 and version == "2" and body == "HTTP/2.0 https h2", (rc, body, version, err))
        rc, body, version, err = _curl(s, "--http1.1", "-k", "--resolve", "localhost:@PORT@:127.0.0.1",
                                       "https://localhost:@PORT@/")
        check(rc == 0 and version == "1.1" and body == "HTTP/1.1 https http/1.1", (rc, body, version, err))
    with Server(binary, _h2c_site('\trespond "{http.request.proto} {scheme}"')) as s:
        rc, body, version, err = _curl(s, "--http2-prior-knowledge", "http://127.0.0.1:@PORT@/")
        check(rc == 0 and version == "2" and body == "HTTP/2.0 http", (rc, body, version, err))
        rc, body, version, err = _curl(s, "http://127.0.0.1:@PORT@/")
        check(rc == 0 and version == "1.1" and body == "HTTP/1.1 http", (rc, body, version, err))


def test_h2_protocols_h1_turns_it_off(binary):
    with Server(binary, _tls_site("h1", '\trespond "{http.request.proto}"')) as s:
        rc, body, version, err = _curl(s, "--http2", "-k", "--resolve", "localhost:@PORT@:127.0.0.1",
                                       "https://localhost:@PORT@/")
        check(rc == 0 and version == "1.1" and body == "HTTP/1.1", (rc, body, version, err))
    # Prior knowledge is only for h2c: the default refuses the preface.
    with Server(binary, ":@PORT@ {\n\trespond ok\n}\n") as s:
        rc, body, version, err = _curl(s, "--http2-prior-knowledge", "http://127.0.0.1:@PORT@/")
        check(rc != 0 or version != "2", (rc, body, version, err))


def test_h2_nghttp_multiplexes_one_connection(binary):
    if not shutil.which("nghttp"):
        raise Skip("nghttp (nghttp2-client) not installed")
    files = {"www/a.txt": b"a" * 10, "www/b.txt": b"b" * 20000, "www/c.txt": b"c" * 300000}
    with Server(binary, _h2c_site("\troot * @DIR@/www\n\tfile_server"), files=files) as s:
        urls = [s.render("http://127.0.0.1:@PORT@/%s.txt?%d" % (n, i)) for n in "abc" for i in range(3)]
        p = subprocess.run(["nghttp", "-nv", "-t", str(int(IO_TIMEOUT))] + urls, capture_output=True,
                           timeout=IO_TIMEOUT + 5)
        out = p.stdout.decode(errors="replace")
        check(p.returncode == 0, out[-2000:] + p.stderr.decode(errors="replace"))
        streams = set(re.findall(r"recv \(stream_id=(\d+)\) :status: 200", out))
        check(len(streams) == 9, "nine streams answered 200 on one connection: %s" % sorted(streams))
        check("SETTINGS_MAX_CONCURRENT_STREAMS(0x03):250" in out, "the server's SETTINGS: " + out[:1500])
        check(out.count("recv GOAWAY") == 0, "no GOAWAY while serving: " + out[-1500:])


def test_h2_request_bodies_and_max_size(binary):
    with Upstream(echo_app) as up, Server(binary, _h2c_site(
            "\trequest_body /small/* {\n\t\tmax_size 1KB\n\t}\n\treverse_proxy %s" % up.addr)) as s:
        with h2client.H2Conn(s.port) as c:
            # Larger than the stream's 64 KiB window: it reopens as the
            # proxy reads, or the upload would stop.
            r = c.response(c.request("POST", "/up", [("content-type", "application/octet-stream")], BIG))
            check(r.status == 200 and "body-length: %d" % len(BIG) in r.body.decode(), r)
            # Without content-length: the length is the stream's.
            sid = c.request("POST", "/nolen", body=b"x" * 70000)
            r = c.response(sid)
            check(r.status == 200 and "body-length: 70000" in r.body.decode(), r)
            # Over max_size: 413, and the connection serves on.
            r = c.response(c.request("POST", "/small/x", [("content-length", "5000")], b"y" * 5000))
            check(r.status == 413, r)
            r = c.response(c.request("POST", "/small/y", body=b"z" * 5000))
            check(r.status == 413, r)
            r = c.response(c.request("GET", "/after"))
            check(r.status == 200, r)


def test_h2_file_server_encode_and_ranges(binary):
    text = ("ifrit over HTTP/2. " * 400).encode()
    files = {"www/big.bin": BIG, "www/page.txt": text}
    with Server(binary, _h2c_site("\troot * @DIR@/www\n\tencode gzip\n\tfile_server"), files=files) as s:
        with h2client.H2Conn(s.port) as c:
            r = c.response(c.request("GET", "/big.bin"))
            check(r.status == 200 and r.body == BIG and r.header("content-length") == str(len(BIG)), r)
            r = c.response(c.request("GET", "/big.bin", [("range", "bytes=100-199")]))
            check(r.status == 206 and r.body == BIG[100:200] and r.header("content-range") ==
                  "bytes 100-199/%d" % len(BIG), r)
            r = c.response(c.request("GET", "/page.txt", [("accept-encoding", "gzip")]))
            import gzip
            check(r.header("content-encoding") == "gzip" and gzip.decompress(r.body) == text, r)
            r = c.response(c.request("HEAD", "/page.txt"))
            check(r.status == 200 and r.body == b"" and r.header("content-length") == str(len(text)), r)


def test_h2_proxy_streams_trailers_and_early_hints(binary):
    first_seen = threading.Event()

    def app(req):
        def send(c, req):
            if req.target == "/hints":
                c.sendall(b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
                          b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                return True
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTrailer: X-Checksum\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n")
            c.sendall(b"7\r\nfirst\n\n\r\n")
            # The rest only once the client has the first event: the proxy
            # streams, it does not wait for the whole body.
            first_seen.wait(IO_TIMEOUT)
            c.sendall(b"8\r\nsecond\n\n\r\n0\r\nX-Checksum: abc123\r\n\r\n")
            return True
        return Reply(custom=send)

    with Upstream(app) as up, Server(binary, _h2c_site("\treverse_proxy %s {\n\t\tflush_interval -1\n\t}" % up.addr)) as s:
        with h2client.H2Conn(s.port) as c:
            sid = c.request("GET", "/events", [("te", "trailers")])
            c.wait(lambda: b"first" in c.streams.get(sid, {}).get("body", b""), what="the first event")
            first_seen.set()
            r = c.response(sid)
            check(r.body == b"first\n\nsecond\n\n", r)
            check(r.trailers and dict(r.trailers).get("x-checksum") == "abc123", "trailers: %r" % r.trailers)
            r = c.response(c.request("GET", "/hints"))
            check(r.status == 200 and r.body == b"ok", r)
            check(any(dict(h).get(":status") == "103" and "a.css" in dict(h).get("link", "") for h in r.interim),
                  "103 passed on: %r" % r.interim)


def test_h2_stalled_stream_does_not_stall_the_others(binary):
    files = {"www/big.bin": BIG * 3, "www/small.txt": b"small"}
    with Server(binary, _h2c_site("\troot * @DIR@/www\n\tfile_server"), files=files) as s:
        with h2client.H2Conn(s.port) as c:
            c.hold = set()
            big = c.request("GET", "/big.bin")
            c.hold.add(big)   # its window is never opened again
            c.wait(lambda: len(c.streams.get(big, {}).get("body", b"")) >= 65535, what="the first window of big.bin")
            for i in range(5):
                r = c.response(c.request("GET", "/small.txt"))
                check(r.status == 200 and r.body == b"small", r)
            got = len(c.streams[big]["body"])
            check(got == 65535 and not c.streams[big]["ended"],
                  "big.bin stopped at its window (%d bytes) while the others went" % got)
            c.hold.discard(big)
            c.h2.increment_flow_control_window(len(BIG) * 3, big)
            c.flush()
            r = c.response(big)
            check(r.body == BIG * 3, "big.bin completes once its window opens (%d bytes)" % len(r.body))


def _rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_h2_memory_of_100_downloads_on_one_connection(binary):
    if not shutil.which("h2load"):
        raise Skip("h2load (nghttp2-client) not installed")
    # Under ASan freed memory waits in its quarantine and counts in RSS:
    # none, so the figure is the server's own (ignored by a release build).
    env = {"ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "detect_leaks=1") + ":quarantine_size_mb=0"}
    with Server(binary, _h2c_site("\troot * @DIR@/www\n\tfile_server", "\tworkers 1\n"),
                files={"www/m.bin": BIG}, env=env) as s:
        before = _rss_kib(s.proc.pid)
        p = subprocess.run(["h2load", "-n", "100", "-c", "1", "-m", "100", s.render("http://127.0.0.1:@PORT@/m.bin")],
                           capture_output=True, timeout=IO_TIMEOUT * 4)
        out = p.stdout.decode(errors="replace")
        check(p.returncode == 0 and "100 succeeded" in out, out[-1500:])
        after = _rss_kib(s.proc.pid)
        print("# h2: 100 concurrent 1 MiB downloads on one connection: RSS %d KiB -> %d KiB" % (before, after))
        # Bodies are read from the file as windows open, never held whole:
        # 100 MiB of them would show here.
        check(after - before < 32 * 1024, "RSS grew by %d KiB" % (after - before))


def test_h2_graceful_stop_sends_goaway_and_finishes_the_stream(binary):
    # A raw client: python3-h2 turns its connection CLOSED at a GOAWAY and
    # refuses the frames of the stream still in flight after it (h2 issue
    # 1181), which is exactly what this test waits for.
    release = threading.Event()

    def app(req):
        def send(c, req):
            release.wait(IO_TIMEOUT)
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone")
            return False
        return Reply(custom=send)

    with Upstream(app) as up, Server(binary, _h2c_site("\treverse_proxy %s" % up.addr)) as s:
        with h2raw.RawConn(s.port) as c:
            c.request(1, "/slow")
            # The upstream's side is not the socket's: short reads between looks.
            deadline = time.monotonic() + IO_TIMEOUT
            while len(up.requests) < 1 and time.monotonic() < deadline:
                c.pump(0.05)
            check(len(up.requests) == 1, "the upstream got the request")
            s.send_signal(signal.SIGTERM)
            g = c.expect_goaway(h2raw.NO_ERROR, "GOAWAY on the stop")
            # The answer is still held: the GOAWAY came with the stream in flight.
            check(g.last_stream_id >= 1 and not c.ended(1), "GOAWAY NO_ERROR keeping stream 1: %r" % g)
            release.set()
            check(c.response_status(1) == 200, "the stream in flight is answered")
            c.wait(lambda: c.ended(1), "the end of stream 1")
            check(c.data_of(1) == b"done", c.data_of(1))
            c.wait(lambda: c.closed, "the close after the last stream")
        check(s.stop() == 0, "exit status")


def test_h2_functions_per_stream(binary):
    """Functions run per stream: several at once on one connection, a
    request body through the guest, and a guest failing mid-stream cuts
    its stream (RST_STREAM) and only its stream."""
    from ifrit_e2e import GUESTS, built
    guest = lambda name: built(os.path.join(GUESTS, name + ".wasm"))  # noqa: E731
    cfg = _h2c_site("\twasm /hello %s\n\twasm /echo %s\n\twasm /fail %s" %
                    (guest("fn_hello"), guest("fn_echo"), guest("fn_fail")))
    with Server(binary, cfg) as s:
        with h2client.H2Conn(s.port) as c:
            sids = [c.request("GET", "/hello") for _ in range(8)]
            echo = c.request("POST", "/echo", [("content-type", "text/plain")], b"w" * 100000)
            cut = c.request("GET", "/fail?cut")
            for sid in sids:
                r = c.response(sid)
                check(r.status == 200 and r.body == b"hello from a function\n", r)
            r = c.response(echo)
            check(r.status == 200 and r.body == b"w" * 100000, "echo of %d bytes" % len(r.body))
            c.wait(lambda: c.streams.get(cut, {}).get("reset") is not None or c.streams.get(cut, {}).get("ended"),
                   what="the failed stream")
            check(c.streams[cut]["reset"] is not None and not c.streams[cut]["ended"],
                  "a guest failing mid-stream resets its stream: %r" % c.streams[cut])
            r = c.response(c.request("GET", "/hello"))
            check(r.status == 200, "the connection serves on after the cut")
