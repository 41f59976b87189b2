"""The global options shutdown_delay and servers { max_header_size
strict_sni_host keepalive_interval log_credentials } (issue 18), as Caddy
documents them; docs/caddyfile.md and docs/server.md."""
import json
import os
import re
import signal
import socket
import subprocess

from ifrit_e2e import IO_TIMEOUT, Server, check

GLOBAL = """{
	admin off
	%s
}
"""

# A Go duration as {http.time_until_shutdown} prints it: 59.99s, 1m0s, 812ms...
GO_DURATION = re.compile(r"^(\d+h)?(\d+m)?(\d+(\.\d+)?(s|ms|µs|ns))$")


def _head_request(port, field_bytes):
    """A GET whose one extra field's value is field_bytes long; the status."""
    req = ("GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: %s\r\n\r\n" % ("a" * field_bytes)).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT) as s:
        s.sendall(req)
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    return int(data.split(b" ")[1]) if data.startswith(b"HTTP/1.1 ") else None


def test_max_header_size_caps_the_head(binary):
    """1KB (go-humanize: 1000 bytes) caps request line and fields together:
    a head under it is served, one over it is 431, as Caddy answers."""
    config = GLOBAL % "servers {\n\t\tmax_header_size 1KB\n\t}" + ":@PORT@ {\n\trespond \"ok\"\n}\n"
    with Server(binary, config) as s:
        check(_head_request(s.port, 800) == 200, "a head of about 850 bytes under max_header_size 1KB")
        check(_head_request(s.port, 1000) == 431, "a head over max_header_size 1KB: 431")


def test_max_header_size_raises_the_builtin_limit(binary):
    """Without the option a 40 KB field section is 431 (the built-in 32 KiB);
    with max_header_size 64KiB it is served."""
    with Server(binary, GLOBAL % "" + ":@PORT@ {\n\trespond \"ok\"\n}\n") as s:
        check(_head_request(s.port, 40000) == 431, "40 KB of fields with the built-in limit")
    config = GLOBAL % "servers {\n\t\tmax_header_size 64KiB\n\t}" + ":@PORT@ {\n\trespond \"ok\"\n}\n"
    with Server(binary, config) as s:
        check(_head_request(s.port, 40000) == 200, "40 KB of fields under max_header_size 64KiB")
        check(_head_request(s.port, 70000) == 431, "70 KB of fields over max_header_size 64KiB")


def test_max_header_size_over_http2(binary):
    """HTTP/2 (h2c, prior knowledge): SETTINGS_MAX_HEADER_LIST_SIZE is the
    option, and a header list over it is answered 431."""
    config = (GLOBAL % "servers {\n\t\tprotocols h1 h2c\n\t\tmax_header_size 2KB\n\t}"
              + ":@PORT@ {\n\trespond \"ok {http.request.proto}\"\n}\n")
    with Server(binary, config) as s:
        def status(n):
            p = s.curl("--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_code} %{http_version}",
                       "-H", "X-Big: " + "a" * n, "http://127.0.0.1:@PORT@/")
            return p.stdout.decode().strip()
        check(status(500) == "200 2", "a small header list over h2c: %s" % status(500))
        check(status(3000) == "431 2", "a header list over max_header_size: %s" % status(3000))


def test_keepalive_interval_sets_tcp_keepalive(binary):
    """keepalive_interval: the accepted socket probes after that much
    silence and at that interval (ss shows the keepalive timer); a negative
    interval sends none, as Caddy."""
    for value, want in (("45s", True), ("-1s", False)):
        config = GLOBAL % ("servers {\n\t\tkeepalive_interval %s\n\t}" % value) + ":@PORT@ {\n\trespond \"ok\"\n}\n"
        with Server(binary, config) as s:
            with socket.create_connection(("127.0.0.1", s.port), timeout=IO_TIMEOUT) as c:
                c.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
                c.recv(4096)   # the server answered: its side of the socket is set up
                local = c.getsockname()[1]
                out = subprocess.run(["ss", "-tnoH", "state", "established", "( sport = :%d )" % s.port],
                                     capture_output=True, text=True, timeout=IO_TIMEOUT).stdout
                line = next((ln for ln in out.splitlines() if ":%d" % local in ln), "")
                check(line, "ss lists the server's side of the connection: %r" % out)
                check(("timer:(keepalive" in line) == want, "keepalive_interval %s: %r" % (value, line))


def test_log_credentials(binary):
    """Access logs leave the credentials out (Authorization redacted, as
    Caddy) unless servers { log_credentials } keeps them."""
    for opt, keep in (("", False), ("servers {\n\t\tlog_credentials\n\t}", True)):
        config = GLOBAL % opt + ":@PORT@ {\n\tlog {\n\t\toutput file @DIR@/access.log\n\t}\n\trespond \"ok\"\n}\n"
        srv = Server(binary, config)
        path = os.path.join(srv.dir, "access.log")
        with srv as s:
            r = s.request("GET", "/", headers=[("Authorization", "Basic c2VjcmV0")])
            check(r.status == 200, "answer: %r" % r)
            s.stop()   # its lines are in the file once it stopped
            with open(path) as f:
                lines = [json.loads(ln) for ln in f if ln.strip()]
        check(lines, "an access log entry")
        got = lines[-1]["request"]["headers"].get("Authorization")
        if keep:
            check(got == ["Basic c2VjcmV0"], "log_credentials: Authorization logged as %r" % got)
        else:
            check(got is not None and "c2VjcmV0" not in json.dumps(lines[-1]),
                  "without log_credentials the credentials stay out: %r" % got)


def test_shutdown_delay_on_stop(binary):
    """A stop with shutdown_delay keeps serving, {http.shutting_down} true
    and {http.time_until_shutdown} counting down; before it they are false
    and empty. A second stop signal ends the delay (the test does not wait
    out the 60 s)."""
    config = GLOBAL % "shutdown_delay 60s" + ":@PORT@ {\n\trespond \"[{http.shutting_down}] [{http.time_until_shutdown}]\"\n}\n"
    with Server(binary, config) as s:
        r = s.request("GET", "/")
        check(r.body == b"[false] []", "before the stop: %r" % r.body)
        s.send_signal(signal.SIGTERM)
        check(s.wait_log("shutdown scheduled"), "the delay is logged: %s" % s.read_log()[-500:])
        r = s.request("GET", "/")
        m = re.match(rb"^\[true\] \[(.*)\]$", r.body)
        check(r.status == 200 and m and GO_DURATION.match(m.group(1).decode()),
              "during the delay: %r" % r.body)
        check(s.proc.poll() is None, "still running during the delay")
        check(s.stop() == 0, "a second stop signal ends the delay and the server exits 0")


def test_shutdown_delay_on_reload(binary):
    """A reload that closes a listener waits for shutdown_delay, serving
    the old configuration meanwhile with {http.shutting_down} true; one that
    keeps every listener applies at once."""
    body = "\trespond \"{http.shutting_down} v%d\"\n"
    two = GLOBAL % "shutdown_delay 60s" + ":@PORT@ {\n" + body % 1 + "}\n:@PORT2@ {\n" + body % 1 + "}\n"
    with Server(binary, two) as s:
        check(s.wait_listening(s.port2), "second port")
        same = GLOBAL % "shutdown_delay 60s" + ":@PORT@ {\n" + body % 2 + "}\n:@PORT2@ {\n" + body % 2 + "}\n"
        s.reload(same)
        check(s.wait_log("configuration reloaded"), "a reload keeping the listeners applies at once")
        check(s.request("GET", "/").body == b"false v2", "after it: %r" % s.request("GET", "/").body)
        s.reload(GLOBAL % "shutdown_delay 60s" + ":@PORT@ {\n" + body % 3 + "}\n")
        check(s.wait_log("reload scheduled"), "closing @PORT2@ waits: %s" % s.read_log()[-500:])
        r = s.request("GET", "/")
        check(r.body == b"true v2", "the old configuration serves during the delay: %r" % r.body)
        check(s.read_log().count("configuration reloaded") == 1, "not applied yet")
        s.send_signal(signal.SIGTERM)
        check(s.wait_log("stopping"), "the stop is taken during the delay")
        check(s.stop() == 0, "a second stop signal ends the delay")


def test_strict_sni_host(binary):
    """servers { strict_sni_host on }: a TLS request whose Host differs from
    its SNI is 421 Misdirected Request even without client_auth (as Caddy
    2.7+); insecure_off lets it through, as does the default here (no
    client_auth); a matching Host is served."""
    sites = """localhost {
	tls internal
	respond "a"
}
b.localhost {
	tls internal
	respond "b"
}
"""
    for opt, want in (("on", "421"), ("insecure_off", "200"), (None, "200")):
        servers = "\tservers {\n\t\tstrict_sni_host %s\n\t}\n" % opt if opt else ""
        config = "{\n\tstorage file_system @DIR@/data\n\thttps_port @PORT@\n\thttp_port @PORT2@\n%s}\n" % servers
        with Server(binary, config + sites) as s:
            def curl(host):
                p = subprocess.run(["curl", "-sk", "--max-time", str(int(IO_TIMEOUT)), "-o", "/dev/null",
                                    "-w", "%{http_code}", "--resolve", "localhost:%d:127.0.0.1" % s.port,
                                    "-H", "Host: " + host, "https://localhost:%d/" % s.port],
                                   capture_output=True, timeout=IO_TIMEOUT + 5)
                return p.stdout.decode().strip()
            check(curl("localhost") == "200", "matching Host with strict_sni_host %s" % opt)
            got = curl("b.localhost")
            check(got == want, "strict_sni_host %s: Host b.localhost over SNI localhost: %s, want %s" % (opt, got, want))
