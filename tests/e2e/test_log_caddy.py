"""Issue 18: Caddy's logging. The global `log` option (the default logger
and named loggers with include/exclude), log rolling of file outputs,
`format filter` with its field filters, and `log { hostnames }`.

Log lines are written by a writer thread: each test stops the server
before it reads the files, which writes out every line still waiting."""
import glob
import gzip
import json
import os
import re
import subprocess
import tempfile

from ifrit_e2e import Server, build_request, check


def lines_of(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        return [ln for ln in f.read().splitlines() if ln.strip()]


def entries_of(path):
    return [json.loads(ln) for ln in lines_of(path)]


def validate(binary, config):
    with tempfile.TemporaryDirectory(prefix="ifrit-log-") as d:
        path = os.path.join(d, "Caddyfile")
        with open(path, "w") as f:
            f.write(config.replace("@DIR@", d))
        out = subprocess.run([binary, "validate", "--config", path], capture_output=True, timeout=30)
        return out.returncode, (out.stdout + out.stderr).decode()


ROLLED = re.compile(r"^access-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.log(\.gz)?$")


def test_log_rolling_keeps_every_line(binary):
    """roll_size rolls at Caddy's megabyte resolution (1KiB is 1MiB), rolled
    files are gzipped and named as lumberjack names them, roll_keep keeps
    that many, and no line is lost on the way."""
    config = """{
	admin off
}
:@PORT@ {
	log {
		output file @DIR@/all/access.log {
			roll_size 1KiB
			roll_keep 20
		}
	}
	log {
		output file @DIR@/two/access.log {
			roll_size 1MiB
			roll_keep 2
			roll_uncompressed
		}
	}
	respond "ok"
}
"""
    pad = "x" * 16384   # about 16 KiB a line: 1 MiB rolls after about 60 lines
    count = 300
    with Server(binary, config, files={"all/.keep": "", "two/.keep": ""}) as s:
        with s.conn() as c:
            for i in range(count):
                c.send(build_request("GET", "/n/%d" % i, [("X-Pad", pad)]))
                r = c.read_response()
                check(r.status == 200, r)
        check(s.stop() == 0, "the server stops cleanly")
        for sub, gz, keep in (("all", True, None), ("two", False, 2)):
            d = os.path.join(s.dir, sub)
            rolled = sorted(n for n in os.listdir(d) if n.startswith("access-"))
            check(all(ROLLED.match(n) for n in rolled), "lumberjack's names: %r" % rolled)
            check(all(n.endswith(".gz") == gz for n in rolled), "%s: compressed only without roll_uncompressed: %r"
                  % (sub, rolled))
            for n in rolled:
                size = os.path.getsize(os.path.join(d, n))
                check(gz or size <= 1 << 20, "%s: a rolled file holds at most roll_size: %d" % (n, size))
            if keep:
                check(len(rolled) == keep, "%s: roll_keep %d keeps %d: %r" % (sub, keep, keep, rolled))
            else:
                check(len(rolled) >= 4, "300 lines of 16 KiB roll 1 MiB files at least 4 times: %r" % rolled)
                uris = []
                for n in rolled + ["access.log"]:
                    uris += [e["request"]["uri"] for e in entries_of(os.path.join(d, n))]
                check(sorted(uris) == sorted("/n/%d" % i for i in range(count)),
                      "every line once: %d lines, %d distinct" % (len(uris), len(set(uris))))
                # The order of the files is the order of the lines.
                check(uris == ["/n/%d" % i for i in range(count)], "lines in order across the rolled files")


def test_log_format_filter(binary):
    """Caddy's field filters, on the json encoder: delete, rename, replace,
    ip_mask (inline and block forms), query, cookie, regexp, hash."""
    config = """{
	admin off
	servers {
		log_credentials
	}
}
:@PORT@ {
	log {
		output file @DIR@/access.log
		format filter {
			wrap json
			fields {
				request>headers>User-Agent delete
				request>headers>X-Rename rename X-Renamed
				request>headers>Authorization replace hidden
				request>remote_ip ip_mask 16 32
				request>client_ip ip_mask {
					ipv4 8
				}
				request>uri query {
					delete gone
					replace token REDACTED
					hash h
				}
				request>headers>Cookie cookie {
					replace session REDACTED
					delete secret
					hash id
				}
				request>headers>X-Card regexp "(\\d{4})-\\d{4}" "${1}-XXXX"
			}
			request>headers>X-Secret hash
		}
	}
	respond "ok"
}
"""
    with Server(binary, config) as s:
        r = s.request("GET", "/p?token=t&gone=1&h=abc&z=a%20b",
                      [("User-Agent", "agent"), ("X-Rename", "r"), ("Authorization", "Basic x"),
                       ("Cookie", "session=s1; secret=s2; id=abc; keep=k"), ("X-Card", "1234-5678 and 9999-0000"),
                       ("X-Secret", "abc")])
        check(r.status == 200, r)
        s.stop()
        e = entries_of(os.path.join(s.dir, "access.log"))
        check(len(e) == 1, e)
        req = e[0]["request"]
        h = req["headers"]
        check("User-Agent" not in h, h)
        check(h.get("X-Renamed") == ["r"] and "X-Rename" not in h, h)
        check(h.get("Authorization") == "hidden", "replace makes a string: %r" % h.get("Authorization"))
        check(req["remote_ip"] == "127.0.0.0" and req["client_ip"] == "127.0.0.0", req)
        check(req["uri"] == "/p?h=ba7816bf&token=REDACTED&z=a+b", "sorted, escaped as Go: %r" % req["uri"])
        check(h.get("Cookie") == ["session=REDACTED; id=ba7816bf; keep=k"], h.get("Cookie"))
        check(h.get("X-Card") == ["1234-XXXX and 9999-XXXX"], h.get("X-Card"))
        check(h.get("X-Secret") == ["ba7816bf"], "the first 4 bytes of SHA-256: %r" % h.get("X-Secret"))
        check(e[0]["status"] == 200 and e[0]["msg"] == "handled request", e[0])


def test_global_log_default_and_named(binary):
    """The default logger takes the server's own lines (format console,
    level), a named logger takes the access entries its include names,
    the default logger leaves those to it, and exclude keeps a logger out."""
    config = """{
	admin off
	log {
		output file @DIR@/server.log
		format console
		level INFO
	}
	log access {
		include http.log.access.main
		output file @DIR@/access.json
		format json
	}
	log errors {
		output file @DIR@/nothing.log
		exclude server http.log.access
	}
}
:@PORT@ {
	log main
	respond "ok"
}
"""
    with Server(binary, config) as s:
        check(s.request("GET", "/a").status == 200, "served")
        s.stop()
        server = lines_of(os.path.join(s.dir, "server.log"))
        check(any(re.match(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d{3}\tINFO\tserver\tlistening on ", ln) for ln in server),
              "console lines of the server: %r" % server[:5])
        check(not any("handled request" in ln for ln in server), "the access entry is the named logger's: %r" % server)
        acc = entries_of(os.path.join(s.dir, "access.json"))
        check([(e["logger"], e["request"]["uri"]) for e in acc] == [("http.log.access.main", "/a")], acc)
        check(lines_of(os.path.join(s.dir, "nothing.log")) == [], "excluded: nothing")


def test_log_hostnames(binary):
    """hostnames: a logger of a site with several names takes only its own."""
    config = """{
	admin off
}
a.test:@PORT@, b.test:@PORT@ {
	log {
		hostnames a.test
		output file @DIR@/a.log
	}
	log {
		hostnames b.test
		output file @DIR@/b.log
		format console
	}
	respond "{host}"
}
"""
    with Server(binary, config) as s:
        for host in ("a.test", "b.test", "a.test"):
            r = s.request("GET", "/" + host, [("Host", "%s:%d" % (host, s.port))], host=None)
            check(r.status == 200 and r.body == host.encode(), r)
        s.stop()
        a = entries_of(os.path.join(s.dir, "a.log"))
        check([e["request"]["uri"] for e in a] == ["/a.test", "/a.test"], a)
        b = lines_of(os.path.join(s.dir, "b.log"))
        check(len(b) == 1 and "\tINFO\thttp.log.access.log1\thandled request\t{" in b[0] and "/b.test" in b[0], b)


def test_log_config_errors_name_the_place(binary):
    site = "{\n\tadmin off\n}\n:8080 {\n\tlog {\n%s\n\t}\n\trespond ok\n}\n"
    glob_ = "{\n\tadmin off\n\tlog {\n%s\n\t}\n}\n:8080 {\n\trespond ok\n}\n"
    cases = [
        (site % "\t\toutput file @DIR@/x.log {\n\t\t\troll_sise 1MB\n\t\t}", "Caddyfile:7:4", "roll_size"),
        (site % "\t\toutput file @DIR@/x.log {\n\t\t\troll_keep many\n\t\t}", "Caddyfile:7:14", "roll_keep"),
        (site % "\t\tformat filter {\n\t\t\trequest>uri frob\n\t\t}", "Caddyfile:7:16", "log field filter"),
        (site % "\t\tformat filter {\n\t\t\tts delete\n\t\t}", "Caddyfile:7:4", "'ts'"),
        (site % "\t\tformat filter {\n\t\t\trequest>uri regexp \"(\"\n\t\t}", "Caddyfile:7:23", "regexp"),
        (site % "\t\tformat filter {\n\t\t\trequest>remote_ip ip_mask 40\n\t\t}", "Caddyfile:7:30", "from 0 to 32"),
        (site % "\t\tformat filter {\n\t\t\trequest>uri query {\n\t\t\t\tdrop x\n\t\t\t}\n\t\t}", "Caddyfile:8:5",
         "query filter action"),
        (site % "\t\tformat xml", "Caddyfile:6:10", "log format"),
        (site % "\t\tinclude http.log", "Caddyfile:6:3", "global log option"),
        (site % "\t\thostnames a.test\n\t\tno_hostname", "Caddyfile:5:2", "together"),
        (site % "\t\toutput net localhost:9999", "Caddyfile:6:10", "net"),
        (glob_ % "\t\thostnames a.test", "Caddyfile:4:3", "site's log"),
        (glob_ % "\t\tsampling {\n\t\t\tevery 3\n\t\t}", "Caddyfile:5:4", "log sampling option"),
        (glob_ % "\t\tlevel LOUD", "Caddyfile:4:9", "log level"),
        ("{\n\tlog a {\n\t}\n\tlog a {\n\t}\n}\n:8080 {\n}\n", "Caddyfile:4:6", "twice"),
    ]
    for config, where, word in cases:
        rc, msg = validate(binary, config)
        check(rc != 0 and where in msg and word in msg, "%r: %r" % (config, msg))


def test_log_file_across_reload(binary):
    """A reload that keeps the file (with other rolling options) writes on
    into it: the lines from before and after are all there, once."""
    config = """{
	admin off
}
:@PORT@ {
	log {
		output file @DIR@/access.log {
			roll_size %s
		}
	}
	respond "%s"
}
"""
    with Server(binary, config % ("5MiB", "one")) as s:
        check(s.request("GET", "/before").body == b"one", "first config")
        s.reload(config % ("7MiB", "two"))
        check(s.wait_log("configuration reloaded"), s.read_log()[-1500:])
        check(s.request("GET", "/after").body == b"two", "reloaded")
        s.stop()
        uris = [e["request"]["uri"] for e in entries_of(os.path.join(s.dir, "access.log"))]
        check(uris == ["/before", "/after"], uris)
