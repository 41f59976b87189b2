"""The client's address behind proxies: the server's `trusted_proxies
static ...`, `client_ip_headers` and `trusted_proxies_strict` (Caddy 2.7's
options; Caddy 2.6.2 has none of them) deciding {client_ip}, the client_ip
matcher and the access log's client_ip; `remote_ip forwarded` (Caddy 2.6);
and reverse_proxy's X-Forwarded-For / -Proto / -Host, kept from a trusted
peer and replaced from any other (checked against Caddy 2.6.2 with its
reverse_proxy `trusted_proxies` option: the values below are what it sends).

A second client address on loopback (127.0.0.2, bound as the source) is
the untrusted peer; every wait is bounded."""
import json
import os
import socket
import subprocess
import time

from ifrit_e2e import Conn, E2EError, Server, build_request, check
from proxy_upstream import Upstream, echo_app, saw_header, site


def _get(srv, target, headers=(), source="127.0.0.1"):
    """One request from the given loopback source address."""
    s = socket.socket()
    s.settimeout(10)
    s.bind((source, 0))
    s.connect(("127.0.0.1", srv.port))
    c = Conn.__new__(Conn)
    c.sock, c.buf = s, b""
    try:
        c.send(build_request("GET", target, list(headers), host="orig.test"))
        return c.read_response()
    finally:
        c.close()


def _second_loopback():
    s = socket.socket()
    try:
        s.bind(("127.0.0.2", 0))
    except OSError as e:
        raise E2EError("cannot bind 127.0.0.2 as a source address: %s" % e)
    finally:
        s.close()


XFF = ("X-Forwarded-For", "203.0.113.7, 10.1.2.3")
SHOW = 'respond "{client_ip}|{remote_host}|{http.vars.client_ip}"'


def test_client_ip_untrusted_by_default(binary):
    with Server(binary, site(SHOW)) as srv:
        r = _get(srv, "/", [XFF])
        check(r.body == b"127.0.0.1|127.0.0.1|127.0.0.1", "no trusted_proxies: the peer: %r" % r.body)


def test_client_ip_trusted_proxies(binary):
    _second_loopback()
    opts = "workers 1\n servers {\n  trusted_proxies static 127.0.0.1/32 192.0.2.0/24\n }"
    with Server(binary, site(SHOW, opts)) as srv:
        r = _get(srv, "/", [XFF])
        check(r.body == b"203.0.113.7|127.0.0.1|203.0.113.7", "trusted peer: the leftmost address: %r" % r.body)
        r = _get(srv, "/", [XFF], source="127.0.0.2")
        check(r.body == b"127.0.0.2|127.0.0.2|127.0.0.2", "untrusted peer: itself: %r" % r.body)
        r = _get(srv, "/")
        check(r.body == b"127.0.0.1|127.0.0.1|127.0.0.1", "no header: the peer: %r" % r.body)
        # Entries that are no address are passed over; ports and zones cut off.
        cases = [
            ([("X-Forwarded-For", "unknown, 198.51.100.9:8080, 1.1.1.1")], b"198.51.100.9"),
            ([("X-Forwarded-For", "[2001:DB8::1]:443")], b"2001:db8::1"),
            ([("X-Forwarded-For", "fe80::1%eth0")], b"fe80::1"),
            ([("X-Forwarded-For", "garbage"), ("X-Forwarded-For", " 192.0.2.44 ")], b"192.0.2.44"),
            ([("X-Forwarded-For", "nothing, here")], b"127.0.0.1"),
        ]
        for hdrs, want in cases:
            r = _get(srv, "/", hdrs)
            check(r.body.split(b"|")[0] == want, "%r -> %r, wanted %r" % (hdrs, r.body, want))


def test_client_ip_private_ranges_and_headers(binary):
    opts = ("workers 1\n servers {\n  trusted_proxies static private_ranges\n"
            "  client_ip_headers X-Real-IP X-Forwarded-For\n }")
    with Server(binary, site(SHOW, opts)) as srv:
        r = _get(srv, "/", [XFF, ("X-Real-IP", "198.51.100.1")])
        check(r.body.startswith(b"198.51.100.1|"), "the first listed header present wins: %r" % r.body)
        r = _get(srv, "/", [XFF])
        check(r.body.startswith(b"203.0.113.7|"), "then the next: %r" % r.body)
        # The first header present decides even when it holds no address.
        r = _get(srv, "/", [XFF, ("X-Real-IP", "nope")])
        check(r.body.startswith(b"127.0.0.1|"), "an unusable first header gives the peer: %r" % r.body)


def test_client_ip_strict(binary):
    chain = ("X-Forwarded-For", "198.51.100.1, 203.0.113.7, 10.0.0.5")
    plain = "workers 1\n servers {\n  trusted_proxies static 127.0.0.0/8 10.0.0.0/8\n }"
    strict = "workers 1\n servers {\n  trusted_proxies static 127.0.0.0/8 10.0.0.0/8\n  trusted_proxies_strict\n }"
    with Server(binary, site(SHOW, plain)) as srv:
        r = _get(srv, "/", [chain])
        check(r.body.startswith(b"198.51.100.1|"), "default: leftmost: %r" % r.body)
    with Server(binary, site(SHOW, strict)) as srv:
        r = _get(srv, "/", [chain])
        check(r.body.startswith(b"203.0.113.7|"), "strict: rightmost untrusted: %r" % r.body)
        r = _get(srv, "/", [("X-Forwarded-For", "10.0.0.1, 10.0.0.2")])
        check(r.body.startswith(b"127.0.0.1|"), "strict, all trusted: the peer: %r" % r.body)


def test_client_ip_matcher_and_log(binary):
    _second_loopback()
    opts = "workers 1\n servers {\n  trusted_proxies static 127.0.0.1\n }"
    body = """log {
        output file @DIR@/access.log
    }
    @fwd client_ip 203.0.113.0/24
    @peer remote_ip 127.0.0.1
    @first remote_ip forwarded 192.0.2.0/24
    respond @fwd "client"
    respond @first "forwarded"
    respond @peer "peer"
    respond "other"
    """
    with Server(binary, site(body, opts)) as srv:
        check(_get(srv, "/a", [XFF]).body == b"client", "client_ip matches the forwarded address")
        check(_get(srv, "/b", [XFF], source="127.0.0.2").body == b"other",
              "client_ip from an untrusted peer is the peer")
        # remote_ip forwarded (Caddy 2.6): the leftmost X-Forwarded-For entry, trusted or not.
        check(_get(srv, "/c", [("X-Forwarded-For", "192.0.2.1:99, 203.0.113.7")], source="127.0.0.2").body
              == b"forwarded", "remote_ip forwarded takes the first entry")
        check(_get(srv, "/d").body == b"peer", "remote_ip is the peer")
        path = os.path.join(srv.dir, "access.log")
        lines = []
        for _ in range(500):   # the log is written after the answer: wait (bounded) for all four lines
            with open(path) as f:
                lines = [json.loads(l) for l in f if l.strip()]
            if len(lines) >= 4:
                break
            time.sleep(0.02)
        by_uri = {l["request"]["uri"]: l["request"] for l in lines}
        check(by_uri["/a"]["client_ip"] == "203.0.113.7" and by_uri["/a"]["remote_ip"] == "127.0.0.1",
              "log of /a: %r" % by_uri.get("/a"))
        check(by_uri["/b"]["client_ip"] == "127.0.0.2", "log of /b: %r" % by_uri.get("/b"))


def test_client_ip_config_errors(binary):
    for opts, needle in [
        ("servers {\n  trusted_proxies static 10.0.0.300\n }",
         "trusted_proxies: expected an IP address or CIDR range, got '10.0.0.300'"),
        ("servers {\n  trusted_proxies cloudflare\n }", "trusted_proxies: only the 'static' source is supported"),
        ("servers {\n  trusted_proxies static\n }", "trusted_proxies static: expected IP ranges"),
        ("servers {\n  client_ip_headers\n }", "client_ip_headers"),
    ]:
        srv = Server(binary, site(SHOW, opts))
        srv.port = 1
        srv.write_config(srv.config_template)
        r = subprocess.run([binary, "validate", "--config", srv.config_path], capture_output=True, timeout=30)
        out = (r.stdout + r.stderr).decode()
        check(r.returncode != 0 and needle in out and "Caddyfile:" in out, "%r: %s" % (opts, out))


# -- reverse_proxy's X-Forwarded-* ---------------------------------------------

FWD = [("X-Forwarded-For", "1.2.3.4, 5.6.7.8"), ("X-Forwarded-For", "9.9.9.9"),
       ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "a.example"), ("X-Forwarded-Host", "b.example")]


def _fwd(r):
    return (saw_header(r, "X-Forwarded-For"), saw_header(r, "X-Forwarded-Proto"), saw_header(r, "X-Forwarded-Host"))


def test_proxy_forwarded_from_trusted(binary):
    """What Caddy 2.6.2 sent with `trusted_proxies 127.0.0.1`: the client's
    X-Forwarded-For values joined and the peer appended, the last -Proto
    and -Host kept; from an untrusted peer all three replaced."""
    _second_loopback()
    with Upstream(echo_app) as up:
        body = ("reverse_proxy /h* %s {\n trusted_proxies 127.0.0.1\n}\n"
                "reverse_proxy /p* %s {\n trusted_proxies private_ranges\n}\n"
                "reverse_proxy /n* %s {\n trusted_proxies 10.0.0.0/8\n}\n"
                "reverse_proxy %s" % ((up.addr,) * 4))
        with Server(binary, site(body)) as srv:
            kept = ("1.2.3.4, 5.6.7.8, 9.9.9.9, 127.0.0.1", "https", "b.example")
            replaced = ("127.0.0.1", "http", "orig.test")
            check(_fwd(_get(srv, "/h", FWD)) == kept, "handler trusts the peer: %r" % (_fwd(_get(srv, "/h", FWD)),))
            check(_fwd(_get(srv, "/p", FWD)) == kept, "private_ranges")
            check(_fwd(_get(srv, "/n", FWD)) == replaced, "peer outside the list: %r" % (_fwd(_get(srv, "/n", FWD)),))
            check(_fwd(_get(srv, "/x", FWD)) == replaced, "no list, no server trust: replaced")
            r = _get(srv, "/p", FWD, source="127.0.0.2")
            check(_fwd(r) == ("1.2.3.4, 5.6.7.8, 9.9.9.9, 127.0.0.2", "https", "b.example"),
                  "private_ranges holds 127.0.0.2 too: %r" % (_fwd(r),))
            r = _get(srv, "/h", FWD, source="127.0.0.2")
            check(_fwd(r) == ("127.0.0.2", "http", "orig.test"), "127.0.0.2 is not 127.0.0.1: %r" % (_fwd(r),))
            # Empty values from a trusted peer: Caddy keeps none of them.
            r = _get(srv, "/h", [("X-Forwarded-For", ""), ("X-Forwarded-Proto", ""), ("X-Forwarded-Host", "")])
            check(_fwd(r) == replaced, "empty values: %r" % (_fwd(r),))


def test_proxy_forwarded_server_trust(binary):
    """Without the directive's option, the server's trusted_proxies decide
    (as Caddy 2.7 does); the directive's list, when given, is its own."""
    _second_loopback()
    opts = "workers 1\n servers {\n  trusted_proxies static 127.0.0.1\n }"
    with Upstream(echo_app) as up:
        body = ("reverse_proxy /own* %s {\n trusted_proxies 10.0.0.0/8\n}\n"
                "reverse_proxy %s {\n header_up X-Client {client_ip}\n}" % (up.addr, up.addr))
        with Server(binary, site(body, opts)) as srv:
            r = _get(srv, "/s", FWD)
            check(_fwd(r) == ("1.2.3.4, 5.6.7.8, 9.9.9.9, 127.0.0.1", "https", "b.example"), "server trust: %r" % (_fwd(r),))
            check(saw_header(r, "X-Client") == "1.2.3.4", "{client_ip} in header_up: %r" % saw_header(r, "X-Client"))
            r = _get(srv, "/s", FWD, source="127.0.0.2")
            check(_fwd(r) == ("127.0.0.2", "http", "orig.test"), "untrusted peer: %r" % (_fwd(r),))
            check(saw_header(r, "X-Client") == "127.0.0.2", "{client_ip} of an untrusted peer")
            r = _get(srv, "/own", FWD)
            check(_fwd(r) == ("127.0.0.1", "http", "orig.test"), "the directive's own list: %r" % (_fwd(r),))
