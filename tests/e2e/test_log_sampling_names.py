"""Issue 18: the logging options of Caddy 2.8 that Debian's Caddy 2.6.2
lacks (so the differential suite cannot hold them): a logger's
`sampling { interval first thereafter }`, `log_name` (a request's entry
goes to a named site logger, with `no_hostname` keeping it from the
site's hosts), and `log_append` (fields added to the entry, placeholders
and vars allowed). Each test stops the server before it reads the log
files, which writes out every line still waiting. One worker, so the
lines are in the order the requests were sent (with several, an entry is
written when its exchange ends, which may be after the next request's)."""
import json
import os
import subprocess
import tempfile

from ifrit_e2e import Server, check


def entries_of(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(ln) for ln in f.read().splitlines() if ln.strip()]


def errors_of(binary, config):
    """The exit status and output of `ifrit validate` on config."""
    with tempfile.TemporaryDirectory(prefix="ifrit-log-") as d:
        path = os.path.join(d, "Caddyfile")
        with open(path, "w") as f:
            f.write(config.replace("@DIR@", d))
        out = subprocess.run([binary, "validate", "--config", path], capture_output=True, timeout=30)
        return out.returncode, (out.stdout + out.stderr).decode()


def test_log_sampling_first_then_every_nth(binary):
    """zap's sampler as Caddy sets it up: within one interval the first
    `first` entries of a level and message, then every `thereafter`-th;
    errors (status >= 400) are counted apart from info entries. Here one
    interval of an hour covers every request."""
    config = """{
	admin off
	workers 1
}
:@PORT@ {
	log {
		output file @DIR@/access.log
		sampling {
			interval 1h
			first 2
			thereafter 3
		}
	}
	respond /missing* 404
	respond "ok"
}
"""
    with Server(binary, config) as s:
        for i in range(1, 12):
            check(s.request("GET", "/n%d" % i).status == 200, "request %d answered" % i)
        for i in range(1, 5):
            check(s.request("GET", "/missing%d" % i).status == 404, "missing %d answered" % i)
        check(s.stop() == 0, "the server stops cleanly")
        uris = [e["request"]["uri"] for e in entries_of(os.path.join(s.dir, "access.log"))]
    # info: 1, 2, then 5, 8, 11; error: 1, 2, then nothing until the 5th.
    want = ["/n1", "/n2", "/n5", "/n8", "/n11", "/missing1", "/missing2"]
    check(uris == want, "sampled entries %r, want %r" % (uris, want))


def test_log_sampling_defaults_and_global(binary):
    """A bare `sampling {}` block takes Caddy's defaults (1s, first 100,
    thereafter 100: 20 requests are all written), and the global log
    option takes sampling too."""
    config = """{
	admin off
	workers 1
	log sampled {
		output file @DIR@/global.log
		include http.log.access.log0
		sampling {
			first 1
			thereafter 1000
			interval 1h
		}
	}
}
:@PORT@ {
	log {
		output file @DIR@/access.log
		sampling {
		}
	}
	respond "ok"
}
"""
    with Server(binary, config) as s:
        for i in range(20):
            check(s.request("GET", "/d%d" % i).status == 200, "request %d answered" % i)
        check(s.stop() == 0, "the server stops cleanly")
        site = entries_of(os.path.join(s.dir, "access.log"))
        glob = entries_of(os.path.join(s.dir, "global.log"))
    check(len(site) == 20, "defaults keep the first 100 of a second: %d of 20 written" % len(site))
    check([e["request"]["uri"] for e in glob] == ["/d0"], "global logger first 1: %r" % [e["request"]["uri"] for e in glob])


def test_log_name_routes_entries_to_named_loggers(binary):
    """Caddy's log_name example: health checks to their own file. The
    health logger has no_hostname, so other requests never reach it; a
    request that ran log_name goes only to the loggers named (two names:
    both), not to the site's own logger."""
    config = """{
	admin off
	workers 1
}
:@PORT@ {
	log {
		output file @DIR@/access.log
	}
	log health_check_log {
		output file @DIR@/health.log
		no_hostname
	}
	log audit {
		output file @DIR@/audit.log
		no_hostname
	}
	handle /healthz* {
		log_name health_check_log
		respond "Healthy"
	}
	handle /both {
		log_name health_check_log audit
		respond "both"
	}
	handle {
		respond "Hello World"
	}
}
"""
    with Server(binary, config) as s:
        check(s.request("GET", "/").body == b"Hello World", "the fallback answers")
        check(s.request("GET", "/healthz").body == b"Healthy", "health answers")
        check(s.request("GET", "/both").body == b"both", "both answers")
        check(s.stop() == 0, "the server stops cleanly")
        main = entries_of(os.path.join(s.dir, "access.log"))
        health = entries_of(os.path.join(s.dir, "health.log"))
        audit = entries_of(os.path.join(s.dir, "audit.log"))
    check([e["request"]["uri"] for e in main] == ["/"], "site log: %r" % [e["request"]["uri"] for e in main])
    check([e["request"]["uri"] for e in health] == ["/healthz", "/both"], "health log: %r" % health)
    check([e["request"]["uri"] for e in audit] == ["/both"], "audit log: %r" % audit)
    check(all(e["logger"] == "http.log.access.health_check_log" for e in health), "the logger named: %r" % health)


def test_log_name_with_skip_log_and_matcher(binary):
    """log_name takes a matcher; skip_log still wins over it."""
    config = """{
	admin off
	workers 1
}
:@PORT@ {
	log {
		output file @DIR@/access.log
	}
	log api {
		output file @DIR@/api.log
		no_hostname
	}
	log_name /api/* api
	skip_log /api/quiet
	respond "ok"
}
"""
    with Server(binary, config) as s:
        for path in ("/", "/api/x", "/api/quiet"):
            check(s.request("GET", path).status == 200, path)
        check(s.stop() == 0, "the server stops cleanly")
        main = [e["request"]["uri"] for e in entries_of(os.path.join(s.dir, "access.log"))]
        api = [e["request"]["uri"] for e in entries_of(os.path.join(s.dir, "api.log"))]
    check(main == ["/"], "site log: %r" % main)
    check(api == ["/api/x"], "api log: %r" % api)


def test_log_append_fields(binary):
    """log_append: after resp_headers, in the reverse of the order they
    ran (as Caddy adds them on the way back up), a lone placeholder's
    value, a word that names a var, text with placeholders; a matcher
    limits it; the value is worked out after the routes ran (a rewrite
    that sorts after log_append shows)."""
    config = """{
	admin off
	workers 1
}
:@PORT@ {
	log {
		output file @DIR@/access.log
	}
	vars area dynamic
	handle /static* {
		log_append area "static"
		respond "static"
	}
	handle {
		log_append area {vars.area}
		log_append word area
		log_append text "m={method} u={uri}"
		log_append /special* special yes
		rewrite * /rewritten{path}
		respond "dynamic" 201
	}
}
"""
    with Server(binary, config) as s:
        check(s.request("GET", "/static/a").status == 200, "static")
        check(s.request("GET", "/x").status == 201, "dynamic")
        check(s.request("POST", "/special").status == 201, "special")
        check(s.stop() == 0, "the server stops cleanly")
        entries = entries_of(os.path.join(s.dir, "access.log"))
    check(len(entries) == 3, "three entries: %r" % entries)
    st, x, sp = entries
    check(st["area"] == "static" and "text" not in st, "static entry: %r" % st)
    keys = list(x)
    check(keys[keys.index("resp_headers") + 1:] == ["text", "word", "area"],
          "appended fields last, newest first: %r" % keys)
    check(x["area"] == "dynamic" and x["word"] == "dynamic", "vars: %r" % x)
    check(x["text"] == "m=GET u=/rewritten/x", "placeholders, after the routes: %r" % x["text"])
    check("special" not in x and sp.get("special") == "yes", "the matcher: %r %r" % (x, sp))


def test_log_option_errors_name_the_option(binary):
    cases = [
        ("log {\n\t\tsampling {\n\t\t\tfirst many\n\t\t}\n\t}", "first"),
        ("log {\n\t\tsampling {\n\t\t\tevery 3\n\t\t}\n\t}", "log sampling option"),
        ("log {\n\t\tsampling\n\t}", "sampling expects a block"),
        ("log {\n\t\tsampling {\n\t\t\tinterval soon\n\t\t}\n\t}", "interval"),
        ("log_name", "log_name"),
        ("log_append onlykey", "log_append"),
        ("log_append a b c", "log_append"),
    ]
    for body, needle in cases:
        rc, out = errors_of(binary, "{\n\tadmin off\n}\n:8080 {\n\t%s\n\trespond ok\n}\n" % body)
        check(rc != 0 and needle in out, "%r: a config error naming %r, got %d %r" % (body, needle, rc, out))
