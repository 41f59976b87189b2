"""bind and default_bind: where a site listens. On Linux all of 127.0.0.0/8
is loopback, so 127.0.0.2 and 127.0.0.3 are other local addresses a server
bound to 127.0.0.1 must not answer on."""
import os
import socket
import subprocess
import time

from ifrit_e2e import IO_TIMEOUT, Conn, Server, Skip, build_request, check


def refused(host, port):
    """True when nothing listens at host:port."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect((host, port))
        return False
    except ConnectionRefusedError:
        return True
    finally:
        s.close()


def get(host, port, target="/", hostname="localhost"):
    with Conn(port, host=host) as c:
        c.send(build_request("GET", target, host=hostname))
        return c.read_response()


def unix_get(path, target="/"):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        s.connect(path)
        s.sendall(build_request("GET", target, headers=[("Connection", "close")]))
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return data
    finally:
        s.close()


def ipv6_loopback():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


def test_default_bind_keeps_other_addresses_out(binary):
    """The harness's default_bind 127.0.0.1: 127.0.0.2 is loopback too, and
    refused."""
    with Server(binary, ":@PORT@ {\n\trespond \"one\"\n}\n") as srv:
        r = get("127.0.0.1", srv.port)
        check(r.status == 200 and r.body == b"one", r)
        check(refused("127.0.0.2", srv.port), "a server bound to 127.0.0.1 answered on 127.0.0.2")


def test_two_sites_one_port_by_bind(binary):
    """Two site blocks with the same address on different binds are two
    servers (as Caddy's): each answers only where it is bound."""
    config = (":@PORT@ {\n\trespond \"main\"\n}\n"
              ":@PORT2@ {\n\tbind 127.0.0.2\n\trespond \"two\"\n}\n"
              ":@PORT2@ {\n\tbind 127.0.0.3 127.0.0.4\n\tbind 127.0.0.5\n\trespond \"three\"\n}\n")
    with Server(binary, config) as srv:
        for host, body in (("127.0.0.2", b"two"), ("127.0.0.3", b"three"), ("127.0.0.4", b"three"),
                           ("127.0.0.5", b"three")):
            r = get(host, srv.port2)
            check(r.status == 200 and r.body == body, "%s: %r" % (host, r))
        check(refused("127.0.0.1", srv.port2), "port2 on 127.0.0.1 should not be bound")
        check(refused("127.0.0.6", srv.port2), "port2 on 127.0.0.6 should not be bound")


def test_hosts_within_a_bound_listener(binary):
    """Sites that share a listener are chosen by Host there; a site bound
    elsewhere is never chosen on it, even for its own Host."""
    config = (":@PORT@ {\n\trespond \"main\"\n}\n"
              "a.test:@PORT2@ {\n\tbind 127.0.0.2\n\trespond \"a\"\n}\n"
              "b.test:@PORT2@ {\n\tbind 127.0.0.2\n\trespond \"b\"\n}\n"
              "c.test:@PORT2@ {\n\tbind 127.0.0.3\n\trespond \"c\"\n}\n")
    with Server(binary, config) as srv:
        check(get("127.0.0.2", srv.port2, hostname="a.test").body == b"a", "a.test")
        check(get("127.0.0.2", srv.port2, hostname="b.test").body == b"b", "b.test")
        r = get("127.0.0.2", srv.port2, hostname="c.test")
        check(r.status == 200 and r.body == b"", "c.test on 127.0.0.2: no site there: %r" % r)
        check(get("127.0.0.3", srv.port2, hostname="c.test").body == b"c", "c.test")


def test_ipv6_in_brackets(binary):
    if not ipv6_loopback():
        raise Skip("no IPv6 loopback on this machine")
    config = ":@PORT@ {\n\tbind 127.0.0.1 [::1]\n\trespond \"both\"\n}\n"
    with Server(binary, config) as srv:
        check(get("::1", srv.port).body == b"both", "[::1]")
        check(get("127.0.0.1", srv.port).body == b"both", "127.0.0.1")
        check(refused("127.0.0.2", srv.port), "127.0.0.2 is not bound")


def test_unix_socket(binary):
    """bind unix/PATH: the site is served on a unix socket; a stale socket
    file left behind is replaced, and the file goes with the server."""
    srv = Server(binary, ":@PORT@ {\n\trespond \"tcp\"\n}\n:@PORT2@ {\n\tbind unix/@DIR@/ifrit.sock\n"
                         "\trespond \"unix {http.request.host}\"\n}\n")
    path = os.path.join(srv.dir, "ifrit.sock")
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(path)   # a socket file nobody listens on any more
    stale.close()
    with srv:
        # The server is taken as started once its first TCP port accepts;
        # the unix listener may be bound a moment later (the stale file
        # refuses, then is gone, then answers), so wait for it, bounded.
        deadline = time.monotonic() + IO_TIMEOUT
        while True:
            try:
                data = unix_get(path)
                break
            except (ConnectionRefusedError, FileNotFoundError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        check(data.startswith(b"HTTP/1.1 200") and data.endswith(b"unix localhost"), data[-200:])
        check(get("127.0.0.1", srv.port).body == b"tcp", "tcp site")
        check(refused("127.0.0.1", srv.port2), "the unix site has no TCP listener")
        srv.stop()
        check(not os.path.exists(path), "the socket file should be removed at exit")


def test_live_unix_socket_is_not_taken(binary):
    """A socket some process still listens on is not removed: the server
    says the address is in use and exits."""
    srv = Server(binary, "")
    path = os.path.join(srv.dir, "busy.sock")
    live = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    live.bind(path)
    live.listen(1)
    try:
        with open(srv.config_path, "w") as f:
            f.write(":8080 {\n\tbind unix/%s\n\trespond x\n}\n" % path)
        out = subprocess.run([binary, "run", "--config", srv.config_path], capture_output=True, timeout=30)
        msg = (out.stdout + out.stderr).decode()
        check(out.returncode != 0 and "busy.sock" in msg and "in use" in msg, msg[-500:])
        check(os.path.exists(path), "a live socket was removed")
    finally:
        live.close()
        srv.cleanup()


def test_reload_moves_the_listener(binary):
    """A reload that changes bind closes the old address and opens the new."""
    base = ":@PORT@ {\n\trespond \"main\"\n}\n:@PORT2@ {\n\tbind %s\n\trespond \"moved\"\n}\n"
    with Server(binary, base % "127.0.0.2") as srv:
        check(get("127.0.0.2", srv.port2).body == b"moved", "before")
        srv.reload(base % "127.0.0.3")
        check(srv.wait_log("configuration reloaded"), srv.read_log()[-500:])
        for _ in range(200):   # the workers move to the new listeners on their next turn
            if refused("127.0.0.2", srv.port2) and not refused("127.0.0.3", srv.port2):
                break
            time.sleep(0.05)
        check(refused("127.0.0.2", srv.port2), "the old address should be closed")
        check(get("127.0.0.3", srv.port2).body == b"moved", "after")


def test_config_errors_name_bind(binary):
    srv = Server(binary, "")
    try:
        for config, needle in ((":8080 {\n\tbind 127.0.0.1:9000\n}\n", "Caddyfile:2:7: bind: '127.0.0.1:9000' has a port"),
                               (":8080 {\n\tbind udp/127.0.0.1\n}\n", "Caddyfile:2:7: bind: network 'udp' is not supported"),
                               ("{\n\tdefault_bind\n}\n:8080\n", "Caddyfile:2:2: default_bind"),
                               ("{\n\tdefault_bind 127.0.0.1 [::1\n}\n:8080\n", "Caddyfile:2:25: bind: '[::1'"),
                               (":8080 {\n\tbind 127.0.0.1\n}\n:8080 {\n\tbind 127.0.0.1\n}\n",
                                "Caddyfile:4:1: ambiguous site definition: ':8080'")):
            with open(srv.config_path, "w") as f:
                f.write(config)
            out = subprocess.run([binary, "validate", "--config", srv.config_path], capture_output=True,
                                 timeout=30)
            msg = (out.stdout + out.stderr).decode()
            check(out.returncode == 1 and needle in msg, "%r: expected %r in %r" % (config, needle, msg))
    finally:
        srv.cleanup()


def test_https_redirect_listens_where_its_site_does(binary):
    """The automatic HTTP->HTTPS redirect of a bound TLS site is bound the
    same way (as Caddy's): on 127.0.0.2, not on the harness's 127.0.0.1."""
    config = """{
	http_port @PORT@
	storage file_system @DIR@/data
	skip_install_trust
}
http://other.test:@PORT@ {
	respond "plain"
}
https://a.test:@PORT2@ {
	bind 127.0.0.2
	tls internal
	respond "secure"
}
"""
    with Server(binary, config) as srv:
        r = get("127.0.0.2", srv.port, "/x?y=1", hostname="a.test")
        check(r.status == 308 and r.header("location") == "https://a.test:%d/x?y=1" % srv.port2, r)
        r = get("127.0.0.1", srv.port, "/x", hostname="a.test")
        check(r.status == 200 and r.body == b"", "no redirect on 127.0.0.1: %r" % r)
        check(get("127.0.0.1", srv.port, hostname="other.test").body == b"plain", "other.test")
        check(refused("127.0.0.1", srv.port2), "the TLS port is bound to 127.0.0.2 only")
        check(not refused("127.0.0.2", srv.port2), "the TLS port on 127.0.0.2")
