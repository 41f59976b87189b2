"""Issue 18: servers { listener_wrappers { proxy_protocol { timeout, allow,
deny, fallback_policy } tls } }: the PROXY header (v1 and v2) read before
TLS and HTTP, its source address as {remote_host} only for allowed
sources, the policies as Caddy's (go-proxyproto's), and a bad header, a
refused one or a missing required one closing the connection with a log
line. Caddy 2.6.2 has no proxy_protocol, so these are e2e tests: curl's
--haproxy-protocol and raw v1/v2 bytes against the real server."""
import socket
import ssl
import struct
import subprocess
import os

from ifrit_e2e import IO_TIMEOUT, Server, check

V2_SIG = b"\r\n\r\n\x00\r\nQUIT\n"
REQ = b"GET /who HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"


def v1(src, dst="10.0.0.1", sport=5555, dport=80, proto="TCP4"):
    return ("PROXY %s %s %s %d %d\r\n" % (proto, src, dst, sport, dport)).encode()


def v2(src, sport, dst="10.0.0.1", dport=443, tlv=b""):
    if ":" in src:
        addrs = socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst if ":" in dst else "::1")
        fam = 0x21
    else:
        addrs = socket.inet_aton(src) + socket.inet_aton(dst)
        fam = 0x11
    block = addrs + struct.pack(">HH", sport, dport) + tlv
    return V2_SIG + bytes([0x21, fam]) + struct.pack(">H", len(block)) + block


def exchange(port, data):
    """Sends data on a new connection and reads until the server closes:
    the body of the answer, or None when the connection closed (or was
    reset) with no answer."""
    s = socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT)
    out = b""
    try:
        s.sendall(data)
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    except ConnectionResetError:
        pass
    finally:
        s.close()
    if not out.startswith(b"HTTP/"):
        return None
    return out.split(b"\r\n\r\n", 1)[1]


def config(options, site_extra=""):
    return """{
	admin off
	servers {
		listener_wrappers {
			proxy_protocol {
%s
			}
			tls
		}
	}
}
:@PORT@ {
%s	respond /who "{remote_host} {remote_port} {client_ip}"
}
""" % (options, site_extra)


def test_proxy_protocol_v1_and_v2_from_allowed_source(binary):
    """From an allowed source the header's source is the client: v1 TCP4
    and TCP6, v2 over IPv4 and IPv6 (with a TLV, skipped); v1 UNKNOWN and
    v2 LOCAL keep the connection's address; a connection without a
    header is served as it is (the default policy for allowed sources is
    use, which makes the header optional)."""
    with Server(binary, config("\t\t\t\tallow 127.0.0.1/32")) as s:
        check(exchange(s.port, v1("198.51.100.9") + REQ) == b"198.51.100.9 5555 198.51.100.9", "v1 TCP4")
        check(exchange(s.port, v1("2001:db8::1", "::1", 7, 80, "TCP6") + REQ) == b"2001:db8::1 7 2001:db8::1",
              "v1 TCP6")
        check(exchange(s.port, v2("203.0.113.7", 4242) + REQ) == b"203.0.113.7 4242 203.0.113.7", "v2 IPv4")
        got = exchange(s.port, v2("2001:db8::7", 9, tlv=bytes([0x04, 0, 4]) + b"abcd") + REQ)
        check(got == b"2001:db8::7 9 2001:db8::7", "v2 IPv6 with a TLV: %r" % got)
        got = exchange(s.port, b"PROXY UNKNOWN\r\n" + REQ)
        check(got is not None and got.startswith(b"127.0.0.1 "), "v1 UNKNOWN: the peer's own address: %r" % got)
        got = exchange(s.port, V2_SIG + bytes([0x20, 0x00, 0, 0]) + REQ)
        check(got is not None and got.startswith(b"127.0.0.1 "), "v2 LOCAL: the peer's own address: %r" % got)
        got = exchange(s.port, REQ)
        check(got is not None and got.startswith(b"127.0.0.1 "), "no header: served: %r" % got)
        # curl writes its own connection's addresses into the header.
        p = subprocess.run(["curl", "-s", "--max-time", str(int(IO_TIMEOUT)), "--haproxy-protocol",
                            "http://127.0.0.1:%d/who" % s.port], capture_output=True, timeout=IO_TIMEOUT + 5)
        check(p.stdout.startswith(b"127.0.0.1 "), "curl --haproxy-protocol: %r %r" % (p.stdout, p.stderr))
        # Keep-alive after the header: two requests on the one connection.
        two = v1("198.51.100.1") + REQ.replace(b"Connection: close\r\n", b"") + REQ
        c = socket.create_connection(("127.0.0.1", s.port), timeout=IO_TIMEOUT)
        c.sendall(two)
        data = b""
        while True:
            d = c.recv(65536)
            if not d:
                break
            data += d
        c.close()
        check(data.count(b"198.51.100.1 5555") == 2, "the header's address for every request: %r" % data)


def test_proxy_protocol_sources_not_allowed(binary):
    """A source in neither list gets the fallback policy: ignore (the
    default: the header is taken off, the address stays the peer's), use,
    require (no header: closed), reject (a header: closed), skip (not
    looked for: the header reaches HTTP, a 400). deny wins over allow."""
    cases = [
        ("allow 10.0.0.0/8", v1("198.51.100.9") + REQ, b"127.0.0.1"),
        ("allow 10.0.0.0/8\n\t\t\t\tfallback_policy use", v1("198.51.100.9") + REQ, b"198.51.100.9"),
        ("fallback_policy require", REQ, None),
        ("fallback_policy require", v2("203.0.113.5", 1) + REQ, b"203.0.113.5"),
        ("fallback_policy reject", v1("198.51.100.9") + REQ, None),
        ("fallback_policy reject", REQ, b"127.0.0.1"),
        ("allow 127.0.0.0/8\n\t\t\t\tdeny 127.0.0.1", v1("198.51.100.9") + REQ, None),
        ("allow 127.0.0.0/8\n\t\t\t\tdeny 127.0.0.1", REQ, b"127.0.0.1"),
    ]
    for opts, data, want in cases:
        with Server(binary, config("\t\t\t\t" + opts)) as s:
            got = exchange(s.port, data)
            if want is None:
                check(got is None, "%r: closed without an answer, got %r" % (opts, got))
                check(s.wait_log("proxy_protocol: closing the connection from 127.0.0.1"), "%r: a log line" % opts)
            else:
                check(got is not None and got.split(b" ")[0] == want, "%r: %r, want %r" % (opts, got, want))
    with Server(binary, config("\t\t\t\tfallback_policy skip")) as s:
        r = exchange(s.port, v1("198.51.100.9") + REQ)
        check(r is not None, "skip: HTTP answers the header bytes")
        got = exchange(s.port, REQ)
        check(got is not None and got.startswith(b"127.0.0.1"), "skip: plain requests served: %r" % got)


def test_proxy_protocol_bad_headers_close(binary):
    """Headers that start as PROXY headers but are not valid close the
    connection with a log line saying why; the server goes on serving."""
    bad = [
        (b"PROXY TCP4 1.2.3 10.0.0.1 5555 80\r\n", "not one of the protocol's family"),
        (b"PROXY TCP4 1.2.3.4 10.0.0.1 99999 80\r\n", "port"),
        (b"PROXY TCP5 1.2.3.4 10.0.0.1 1 80\r\n", "TCP4, TCP6 or UNKNOWN"),
        (b"PROXY TCP4 1.2.3.4 10.0.0.1 1 80\n", "CRLF"),
        (b"PROXY " + b"x" * 120, "longer than 107"),
        (V2_SIG + bytes([0x31, 0x11, 0, 12]) + bytes(12), "version is not 2"),
        (V2_SIG + bytes([0x21, 0x11, 0, 4]) + bytes(4), "shorter than its family"),
        (V2_SIG + bytes([0x21, 0x12, 0, 12]) + bytes(12), "datagram"),
        (V2_SIG + bytes([0x21, 0x11, 0x20, 0x00]) + bytes(8192), "longer than 4096"),
    ]
    with Server(binary, config("\t\t\t\tallow 127.0.0.1")) as s:
        for data, why in bad:
            check(exchange(s.port, data + REQ) is None, "%r: closed" % data[:40])
            check(s.wait_log(why), "%r: the log line says %r: %s" % (data[:40], why, s.read_log()[-400:]))
        got = exchange(s.port, v1("198.51.100.2") + REQ)
        check(got is not None and got.startswith(b"198.51.100.2"), "still serving: %r" % got)


def test_proxy_protocol_timeout(binary):
    """A header that never completes: the connection is closed once the
    timeout passes, with a log line (no duration is measured here)."""
    with Server(binary, config("\t\t\t\ttimeout 200ms\n\t\t\t\tallow 127.0.0.1")) as s:
        check(exchange(s.port, b"PROXY TCP4 1.2") is None, "a partial header: closed")
        check(s.wait_log("no complete PROXY header in time"), s.read_log()[-400:])
        check(exchange(s.port, V2_SIG[:5]) is None, "a partial v2 signature: closed")


def test_proxy_protocol_before_tls(binary):
    """On a TLS listener the header comes before the handshake: curl's
    --haproxy-protocol over https, and a raw v2 header then TLS."""
    cfg = """{
	admin off
	storage file_system @DIR@/data
	https_port @PORT@
	http_port @PORT2@
	servers {
		listener_wrappers {
			proxy_protocol {
				allow 127.0.0.1
			}
			tls
		}
	}
}
localhost {
	tls internal
	respond "{remote_host} {remote_port}"
}
"""
    with Server(binary, cfg) as s:
        p = subprocess.run(["curl", "-sk", "--max-time", str(int(IO_TIMEOUT)), "--haproxy-protocol",
                            "--resolve", "localhost:%d:127.0.0.1" % s.port, "https://localhost:%d/" % s.port],
                           capture_output=True, timeout=IO_TIMEOUT + 5)
        check(p.stdout.startswith(b"127.0.0.1 "), "curl over TLS: %r %r" % (p.stdout, p.stderr))
        raw = socket.create_connection(("127.0.0.1", s.port), timeout=IO_TIMEOUT)
        raw.sendall(v2("203.0.113.9", 6000))
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with ctx.wrap_socket(raw, server_hostname="localhost") as t:
            t.sendall(REQ.replace(b"/who", b"/"))
            data = b""
            while True:
                d = t.recv(65536)
                if not d:
                    break
                data += d
        check(data.endswith(b"203.0.113.9 6000"), "v2 then TLS: %r" % data[-200:])


def test_proxy_protocol_config_errors(binary):
    import tempfile
    cases = [
        ("listener_wrappers {\n\t\t\ttls\n\t\t\tproxy_protocol\n\t\t}", "proxy_protocol after tls"),
        ("listener_wrappers {\n\t\t\tproxy_protocol {\n\t\t\t\tfallback_policy maybe\n\t\t\t}\n\t\t}",
         "fallback_policy"),
        ("listener_wrappers {\n\t\t\tproxy_protocol {\n\t\t\t\tallow 10.0.0.0/33\n\t\t\t}\n\t\t}",
         "proxy_protocol allow"),
        ("listener_wrappers {\n\t\t\tproxy_protocol {\n\t\t\t\ttimeout soon\n\t\t\t}\n\t\t}", "timeout"),
        ("listener_wrappers {\n\t\t\tproxy_protocol {\n\t\t\t\tnope 1\n\t\t\t}\n\t\t}", "proxy_protocol option"),
        ("listener_wrappers {\n\t\t\thttp_redirect x\n\t\t}", "http_redirect"),
        ("listener_wrappers {\n\t\t\tproxy\n\t\t}", "listener wrapper"),
        ("name", "name"),
    ]
    for body, needle in cases:
        text = "{\n\tservers {\n\t\t%s\n\t}\n}\n:8080 {\n\trespond ok\n}\n" % body
        with tempfile.TemporaryDirectory(prefix="ifrit-pp-") as d:
            path = os.path.join(d, "Caddyfile")
            with open(path, "w") as f:
                f.write(text)
            out = subprocess.run([binary, "validate", "--config", path], capture_output=True, timeout=30)
        msg = (out.stdout + out.stderr).decode()
        check(out.returncode != 0 and needle in msg, "%r: an error naming %r: %r" % (body, needle, msg))


def test_http_redirect_after_proxy_header(binary):
    """listener_wrappers { proxy_protocol; http_redirect; tls }: after the
    PROXY header, a cleartext request on the TLS listener gets Caddy
    2.6.2's bytes (HTTP/1.0 308 to https:// with its Host and target),
    a method Caddy does not sniff goes to TLS (a failed handshake: closed),
    and TLS clients are served."""
    cfg = """{
	admin off
	storage file_system @DIR@/data
	https_port @PORT@
	http_port @PORT2@
	servers {
		listener_wrappers {
			proxy_protocol {
				allow 127.0.0.1
			}
			http_redirect
			tls
		}
	}
}
localhost {
	tls internal
	respond "secure {remote_host}"
}
"""
    with Server(binary, cfg) as s:
        def raw(data):
            c = socket.create_connection(("127.0.0.1", s.port), timeout=IO_TIMEOUT)
            out = b""
            try:
                c.sendall(data)
                while True:
                    d = c.recv(65536)
                    if not d:
                        break
                    out += d
            except ConnectionResetError:
                pass
            c.close()
            return out
        got = raw(v1("198.51.100.3") + b"GET /a?b=1 HTTP/1.1\r\nHost: example.com:8443\r\n\r\n")
        check(got == b"HTTP/1.0 308 Permanent Redirect\r\nLocation: https://example.com:8443/a?b=1\r\n"
              b"Content-Length: 0\r\n\r\n", "the redirect: %r" % got)
        got = raw(b"HEAD /h HTTP/1.0\r\n\r\n")
        check(got.startswith(b"HTTP/1.0 308 ") and b"Location: https:///h\r\n" in got, "no Host: %r" % got)
        check(raw(b"DELETE /x HTTP/1.1\r\nHost: a\r\n\r\n") == b"", "DELETE goes to TLS and fails there")
        p = subprocess.run(["curl", "-sk", "--max-time", str(int(IO_TIMEOUT)), "--haproxy-protocol",
                            "--resolve", "localhost:%d:127.0.0.1" % s.port, "https://localhost:%d/" % s.port],
                           capture_output=True, timeout=IO_TIMEOUT + 5)
        check(p.stdout == b"secure 127.0.0.1", "TLS still served: %r %r" % (p.stdout, p.stderr))
