"""reverse_proxy resolves upstream names off the worker's loop: a DNS
that never answers holds only the requests for that name, while the same
single worker goes on answering everything else; the lookup counts
against dial_timeout (none: until the resolver gives up, resolv.conf's
timeout). The run happens in its own user, mount and network namespace
(proxy_dns_ns.py), so the test owns the resolver without root; skipped
where unprivileged namespaces are not allowed."""
import json
import os
import shutil
import subprocess
import tempfile

from ifrit_e2e import Skip, check

HERE = os.path.dirname(os.path.abspath(__file__))


def test_proxy_dns_hang_does_not_stall_the_worker(binary):
    d = tempfile.mkdtemp(prefix="ifrit-dns-")
    try:
        resolv, hosts = os.path.join(d, "resolv.conf"), os.path.join(d, "hosts")
        with open(resolv, "w") as f:
            # One attempt, and the resolver gives up after 10 s: the hung lookup ends by itself.
            f.write("nameserver 127.0.0.1\noptions timeout:10 attempts:1\n")
        with open(hosts, "w") as f:
            f.write("127.0.0.1 localhost up.test\n")
        probe = subprocess.run(["unshare", "-rmn", "sh", "-c", "ip link set lo up && mount --bind %s /etc/resolv.conf"
                                % resolv], capture_output=True, timeout=30)
        if probe.returncode != 0:
            raise Skip("no unprivileged user/mount/network namespaces here: %r" % probe.stderr[-200:])
        script = ("ip link set lo up && mount --bind \"$0\" /etc/resolv.conf && mount --bind \"$1\" /etc/hosts && "
                  "exec python3 \"$2\" \"$3\"")
        r = subprocess.run(["unshare", "-rmn", "sh", "-c", script, resolv, hosts,
                            os.path.join(HERE, "proxy_dns_ns.py"), os.path.abspath(binary)],
                           capture_output=True, timeout=120)
        check(r.returncode == 0, "the namespace run failed: %s" % r.stderr.decode()[-2000:])
        out = json.loads(r.stdout.decode().strip().splitlines()[-1])
        ev = out["events"]
        check(out["query_seen"], "the resolver never saw the query for hang.test: %r" % ev)
        check(out["hang_done"], "the hung request never ended: %r" % ev)
        # While the lookup hung, the one worker answered the other routes first.
        want = ["/other answered 200 other", "/ok answered 200", "/hang answered 502", "/short answered 502"]
        check(ev == want, "order of events: %r (wanted %r)" % (ev, want))
        log = "\n".join(out["log"])
        check("upstream hang.test:9 failed for GET /hang: cannot resolve hang.test:" in log,
              "the failed lookup is logged: %s" % log)
        check("upstream hang.test:9 failed for GET /short: dial timeout (name lookup)" in log,
              "the lookup's dial_timeout is logged: %s" % log)
    finally:
        shutil.rmtree(d, ignore_errors=True)
