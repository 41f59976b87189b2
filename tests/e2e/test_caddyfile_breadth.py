"""Issue 18: Caddyfile parts that must be a config error naming what is
not supported (never ignored), checked with `ifrit validate`. The
behaviour of what is supported is compared with Caddy in tests/compat."""
import os
import subprocess
import tempfile

from ifrit_e2e import check


def validate(binary, config):
    """(exit status, output) of `ifrit validate` on config."""
    with tempfile.TemporaryDirectory(prefix="ifrit-breadth-") as d:
        path = os.path.join(d, "Caddyfile")
        with open(path, "w") as f:
            f.write(config)
        out = subprocess.run([binary, "validate", "--config", path], capture_output=True, timeout=30)
        return out.returncode, (out.stdout + out.stderr).decode()


def site(body):
    return "{\n\tadmin off\n}\n:8080 {\n%s\n\trespond ok\n}\n" % body


def test_expression_parts_not_supported_are_named(binary):
    cases = [
        ("\t@m expression {path}.lowerAscii() == '/x'", "Caddyfile:5:16", "lowerAscii"),
        ("\t@m expression client_ip('10.0.0.0/8')", "Caddyfile:5:16", "client_ip"),
        ("\t@m expression {path} - 1", "Caddyfile:5:16", "subtraction"),
        ("\t@m expression req.method == 'GET'", "Caddyfile:5:16", "'req'"),
        ("\t@m expression {path} == '/x", "Caddyfile:5:16", "never closed"),
        ("\t@m expression ((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((true))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))", "Caddyfile:5:16", "nested too deep"),
        ("\t@m `{path}.matches('(')`", "Caddyfile:5:5", "matches"),
        ("\t@m expression {'a': 1} == 1", "Caddyfile:5:16", "map"),
    ]
    for body, where, word in cases:
        rc, msg = validate(binary, site(body))
        check(rc != 0 and where in msg and word in msg, "%r: %r" % (body, msg))


def test_expression_valid_forms_load(binary):
    body = "\n".join([
        "\t@a expression {method} == \"GET\" && path('/g/*')",
        "\t@b `path('/a') || {query.x} == '1'`",
        "\t@c expression !header({'X': ['1', '2']}) && {path}.startsWith('/n') && size({path}) > 2",
        "\t@d expression {method} in ['GET', 'HEAD'] ? true : remote_ip('127.0.0.1')",
        "\trespond @a a",
        "\trespond @b b",
        "\trespond @c c",
        "\trespond @d d",
    ])
    rc, msg = validate(binary, site(body))
    check(rc == 0, msg)


def test_map_and_vars_errors_name_the_option(binary):
    cases = [
        ("\tmap {path} notaplaceholder {\n\t\t/a b\n\t}", "Caddyfile:5:13", "placeholder"),
        ("\tmap {path} {x} {\n\t\t/a b c\n\t}", "Caddyfile:6:8", "2 outputs for 1 destinations"),
        ("\tmap {path} {x} {\n\t\t/a b\n\t\t/a c\n\t}", "Caddyfile:7:3", "given twice"),
        ("\tmap {path} {x} {\n\t\t~( b\n\t}", "Caddyfile:6:3", "map:"),
        ("\tvars", "Caddyfile:5:2", "vars"),
        ("\t@v vars_regexp x {path} (", "Caddyfile:5:26", "vars_regexp"),
    ]
    for body, where, word in cases:
        rc, msg = validate(binary, site(body))
        check(rc != 0 and where in msg and word in msg, "%r: %r" % (body, msg))


def test_file_matcher_errors_name_the_option(binary):
    cases = [
        ("\t@f file {\n\t\ttry_policy newest\n\t}", "Caddyfile:6:14", "try policy"),
        ("\t@f file {\n\t\tspilt_path .php\n\t}", "Caddyfile:6:3", "split_path"),
        ("\t@f file /a*/b.html", "Caddyfile:5:10", "glob"),
    ]
    for body, where, word in cases:
        rc, msg = validate(binary, site(body))
        check(rc != 0 and where in msg and word in msg, "%r: %r" % (body, msg))


def test_import_block_and_named_route_errors(binary):
    cases = [
        ("(s) {\n\t{block}\n}\n:8080 {\n\timport s {\n\t\trespond x\n}\n", "Caddyfile:4:7", "never closed"),
        ("(s) {\n\t{block}\n}\n:8080 {\n\timport s {\n\t\trespond x\n\t} y\n}\n", "Caddyfile:7:4", "after '}'"),
        ("&(r) {\n\trespond r\n}\n&(r) {\n\trespond s\n}\n:8080 {\n\tinvoke r\n}\n", "Caddyfile:4:1", "defined twice"),
        ("&(r)\n:8080 {\n\tinvoke r\n}\n", "Caddyfile:1:1", "expected '{'"),
        (":8080 {\n\tinvoke nope\n}\n", "Caddyfile:2:9", "no named route 'nope'"),
        ("&(r) {\n\tinvoke r\n}\n:8080 {\n\tinvoke r\n}\n", "Caddyfile:2:9", "invokes itself"),
        ("&(r), b.com {\n\trespond r\n}\n", "Caddyfile:1:1", "named route"),
    ]
    for config, where, word in cases:
        rc, msg = validate(binary, config)
        check(rc != 0 and where in msg and word in msg, "%r: %r" % (config, msg))


def test_header_match_errors_name_the_option(binary):
    cases = [
        ("\theader {\n\t\tX a\n\t\tmatch {\n\t\t\tstatus abc\n\t\t}\n\t}", "Caddyfile:8:11", "header match status"),
        ("\theader {\n\t\tX a\n\t\tmatch {\n\t\t\tcode 200\n\t\t}\n\t}", "Caddyfile:8:4", "header match condition"),
    ]
    for body, where, word in cases:
        rc, msg = validate(binary, site(body))
        check(rc != 0 and where in msg and word in msg, "%r: %r" % (body, msg))


def test_value_errors_name_the_option(binary):
    """As Caddy's messages do: a bad value says whose value it is."""
    cases = [
        (site("\treverse_proxy localhost:1 {\n\t\tlb_retries many\n\t}"), "Caddyfile:6:14: lb_retries: expected an integer"),
        (site("\tencode {\n\t\tminimum_length lots\n\t}"), "Caddyfile:6:18: minimum_length: expected an integer"),
        (site("\trequest_body {\n\t\tmax_size huge\n\t}"), "Caddyfile:6:12: max_size: expected a size"),
        ("{\n\tgrace_period long\n}\n:8080 {\n}\n", "Caddyfile:2:15: grace_period: expected a duration"),
        ("{\n\tservers {\n\t\ttimeouts {\n\t\t\tidle x\n\t\t}\n\t}\n}\n:8080 {\n}\n", "Caddyfile:4:9: idle: expected a duration"),
        ("&(r) {\n\treverse_proxy localhost:1 {\n\t\tlb_retries x\n\t}\n}\n:8080 {\n\tinvoke r\n}\n",
         "Caddyfile:3:14: lb_retries: expected an integer"),
    ]
    for config, want in cases:
        rc, msg = validate(binary, config)
        check(rc != 0 and want in msg, "%r: %r" % (config, msg))


def test_order_and_persist_config_errors(binary):
    cases = [
        ("{\n\torder rate_limit before basicauth\n}\n:8080 {\n}\n", "Caddyfile:2:8", "directive to order"),
        ("{\n\torder respond sideways\n}\n:8080 {\n}\n", "Caddyfile:2:16", "first, last, before"),
        ("{\n\torder respond before\n}\n:8080 {\n}\n", "Caddyfile:2:16", "other directive"),
        ("{\n\torder respond first redir\n}\n:8080 {\n}\n", "Caddyfile:2:22", "takes no other"),
        ("{\n\torder respond before respond\n}\n:8080 {\n}\n", "Caddyfile:2:23", "against itself"),
        ("{\n\tpersist_config on\n}\n:8080 {\n}\n", "Caddyfile:2:17", "only 'off'"),
    ]
    for config, where, word in cases:
        rc, msg = validate(binary, config)
        check(rc != 0 and where in msg and word in msg, "%r: %r" % (config, msg))


def test_access_log_level_and_skip_log(binary):
    """As Caddy 2.6.2: an answer of 400 or more is an "error" entry, others
    "info"; `level ERROR` leaves the info entries out; skip_log (2.8's
    log_skip) leaves a matched request out."""
    import json
    import time
    from ifrit_e2e import Server
    config = """{
	admin off
}
:@PORT@ {
	log {
		output file @DIR@/access.log
		level error
	}
	log {
		output file @DIR@/all.log
	}
	skip_log /skip*
	log_skip /quiet
	respond /nf 404
	respond /err 502
	respond /skip 404
	respond /quiet 404
	respond "ok"
}
"""
    with Server(binary, config) as s:
        for path in ("/ok", "/nf", "/err", "/skip", "/quiet", "/last"):
            s.request("GET", path)
        s.request("GET", "/nf?end=1")

        def entries(name):
            with open(os.path.join(s.dir, name)) as f:
                return [json.loads(ln) for ln in f if ln.strip()]

        # Lines are written as each exchange ends, by whichever worker ran
        # it: wait (bounded) until each file has as many as it should get.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (len(entries("access.log")) < 3 or len(entries("all.log")) < 5):
            time.sleep(0.05)
        got = sorted((e["request"]["uri"], e["level"], e["status"]) for e in entries("access.log"))
        check(got == [("/err", "error", 502), ("/nf", "error", 404), ("/nf?end=1", "error", 404)], got)
        every = sorted((e["request"]["uri"], e["level"]) for e in entries("all.log"))
        check(every == [("/err", "error"), ("/last", "info"), ("/nf", "error"), ("/nf?end=1", "error"), ("/ok", "info")],
              every)


def test_log_level_errors(binary):
    rc, msg = validate(binary, site("\tlog {\n\t\tlevel LOUD\n\t}"))
    check(rc != 0 and "Caddyfile:6:9" in msg and "log level" in msg, msg)


def test_options_not_built_are_named(binary):
    """Never ignored: what ifrit does not build is a config error naming it."""
    cases = [
        (site("\tfile_server {\n\t\tbrowse {\n\t\t\treveal_symlinks\n\t\t}\n\t}"), "Caddyfile:7:4", "'reveal_symlinks'"),
        (site("\tfile_server {\n\t\tbrowse listing.html\n\t}"), "Caddyfile:6:10", "custom templates"),
        (site("\tlog {\n\t\toutput net localhost:9999\n\t}"), "Caddyfile:6:10", "net"),
        (site("\tlog {\n\t\tformat append {\n\t\t\tx y\n\t\t}\n\t}"), "Caddyfile:6:10", "append"),
        ("{\n\tocsp_interval 1h\n}\n:8080 {\n}\n", "Caddyfile:2:2", "ocsp_interval"),
        ("{\n\tservers {\n\t\tenable_full_duplex\n\t}\n}\n:8080 {\n}\n", "Caddyfile:3:3", "enable_full_duplex"),
        ("{\n\tservers {\n\t\tmetrics\n\t}\n}\n:8080 {\n}\n", "Caddyfile:3:3", "metrics"),
        (site("\ttemplates"), "Caddyfile:5:2", "templates"),
        (site("\tencode br gzip"), "Caddyfile:5:9", "'br' is not an encoder"),
        (site("\tcopy_response many"), "Caddyfile:5:16", "copy_response: expected a status code"),
        (site("\treverse_proxy {\n\t\tdynamic a localhost 80\n\t}"), "Caddyfile:6:3",
         "option 'dynamic' is not supported"),
        (site("\treverse_proxy 127.0.0.1:9 {\n\t\t@e status 404\n\t\thandle_response @f {\n\t\t\trespond x\n\t\t}\n\t}"),
         "Caddyfile:7:19", "response matcher @f is not defined"),
        (site("\treverse_proxy 127.0.0.1:9 {\n\t\t@e status 404 {\n\t\t\tstatus 500\n\t\t}\n\t}"),
         "Caddyfile:6:3", "a line or a block"),
        (site("\treverse_proxy 127.0.0.1:9 {\n\t\t@e stat 404\n\t}"), "Caddyfile:6:6", "response match condition"),
        (site("\treverse_proxy 127.0.0.1:9 {\n\t\thandle_response {\n\t\t\tcopy_response_headers {\n\t\t\t\tinclude A\n"
              "\t\t\t\texclude B\n\t\t\t}\n\t\t}\n\t}"), "Caddyfile:9:5", "not both"),
        (site("\treverse_proxy 127.0.0.1:9 {\n\t\thandle_response {\n\t\t\tcopy_response {\n\t\t\t\tstat 200\n"
              "\t\t\t}\n\t\t}\n\t}"), "Caddyfile:8:5", "copy_response option"),
        (site("\t@m path /a {\n\t\tfoo\n\t}\n\trespond @m x"), "Caddyfile:5:13", "path matcher takes no block"),
        (site("\t@m {\n\t\theader X y {\n\t\t\tz\n\t\t}\n\t}\n\trespond @m x"), "Caddyfile:6:14",
         "header matcher takes no block"),
    ]
    for config, where, word in cases:
        rc, msg = validate(binary, config)
        check(rc != 0 and where in msg and word in msg, "%r: %r" % (config, msg))
