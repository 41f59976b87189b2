"""Issue 14 (robustness), the category that held: adversarial Caddyfiles.
Unbalanced braces, deep nesting, huge tokens and files, import cycles and
bombs, recursive snippets, heredocs without an end, NUL bytes, invalid
UTF-8, env placeholders that expand to braces, thousands of sites and
directives, huge, negative and malformed numbers in sizes, durations,
ports and counts, byte order marks, a site address written twice, globs of
many files. `ifrit validate` refuses each bad one with exit 1 and
FILE:LINE:COL: and a sentence naming the right file, accepts the valid
ones, and never hangs (the subprocess timeout is the guard), crashes or
prints a sanitizer report."""
import concurrent.futures
import os
import re
import shutil
import subprocess
import tempfile

from ifrit_e2e import IO_TIMEOUT, SANITIZER_REPORT, check

HEAD = "{\n\tadmin off\n\tauto_https off\n}\n"
SITE = HEAD + ":8080 {\n%s\n}\n"


def site(body):
    return SITE % body


def nested(depth, inner="respond hi"):
    return "".join("\t" * i + "route {\n" for i in range(depth)) + inner + "\n" + "".join(
        "\t" * i + "}\n" for i in reversed(range(depth)))


def snippet_bomb(levels, fan):
    """Snippet s0 holds one directive; each s(k+1) imports s(k) fan times:
    fan**levels directives once expanded."""
    text = HEAD + "(s0) {\n\theader X-A b\n}\n"
    for k in range(1, levels + 1):
        text += "(s%d) {\n%s}\n" % (k, "\timport s%d\n" % (k - 1) * fan)
    return text + ":8080 {\n\timport s%d\n\trespond hi\n}\n" % levels


def import_chain(n):
    files = {"Caddyfile": HEAD + ":8080 {\n\timport f1.caddy\n\trespond hi\n}\n"}
    for k in range(1, n):
        files["f%d.caddy" % k] = "import f%d.caddy\n" % (k + 1)
    files["f%d.caddy" % n] = "header X-End 1\n"
    return files


def many_sites(n):
    return HEAD + "".join("h%d.example:8080 {\n\trespond site%d\n}\n" % (i, i) for i in range(n))


# (name, files (str: the Caddyfile alone), env, expected): expected is
# "valid", or ("refused", the file the error must name, a regex the
# message must match), or ("refused_file", ...) for an error about the
# whole file (FILE: message, no line).
def refused(pattern, where="Caddyfile"):
    return ("refused", where, pattern)


CASES = [
    # Braces.
    ("an open brace never closed", ":8080 {\n\trespond hi\n", {}, refused(r"never closed")),
    ("a close brace too many", site("\trespond hi") + "}\n", {}, refused(r"\}")),
    ("only an open brace", "{\n", {}, refused(r".")),
    ("only a close brace", "}\n", {}, refused(r".")),
    ("a brace glued to the address", HEAD + ":8080{\n\trespond hi\n}\n", {}, refused(r"\{")),
    ("a brace glued to a word (a word, as documented)", site("\trespond hi}"), {}, "valid"),
    ("65 nested blocks", site(nested(65)), {}, refused(r"nest")),
    ("10,000 open braces", HEAD + ":8080 {\n" + "route {\n" * 10000, {}, refused(r".")),
    ("100,000 close braces", HEAD + ":8080 {\n}\n" + "}\n" * 100000, {}, refused(r".")),
    ("64 nested blocks", site(nested(63)), {}, "valid"),
    # Tokens and bytes.
    ("a 4 MiB token", site("\trespond " + "a" * (4 << 20)), {}, "valid"),
    ("a file over 16 MiB", site("\t# " + "x" * (17 << 20)), {}, ("refused_file", "Caddyfile", r"larger than 16 MiB")),
    ("an unterminated quote", site('\trespond "hi'), {}, refused(r"quot|\"")),
    ("an unterminated backtick", site("\trespond `hi"), {}, refused(r"backtick|`")),
    ("a NUL byte in a directive", site("\trespond h\x00i"), {}, refused(r"NUL")),
    ("a NUL byte in a quoted string", site('\trespond "h\x00i"'), {}, refused(r"NUL")),
    ("a NUL byte in a comment", site("\t# h\x00i\n\trespond hi"), {}, refused(r"NUL")),
    ("a NUL byte in a heredoc", site("\trespond <<T\n\th\x00i\n\tT"), {}, refused(r"NUL")),
    ("a line continuation at the end of the file", HEAD + ":8080 {\n\trespond hi \\", {}, refused(r".")),
    ("a 1 MiB line of blanks", site("\t" + " " * (1 << 20) + "respond hi"), {}, "valid"),
    ("100,000 comment lines", site("\t# c\n" * 100000 + "\trespond hi"), {}, "valid"),
    # Heredocs.
    ("a heredoc without an end", site("\trespond <<END\n\thello"), {}, refused(r"END")),
    ("a heredoc end with other whitespace", site("\trespond <<END\n  hello\n\tEND"), {}, refused(r"whitespace")),
    ("a heredoc marker of bad characters", site("\trespond <<E$D\n\thello\n\tE$D"), {}, refused(r".")),
    ("a heredoc of 200,000 lines", site("\trespond <<END\n" + "\tline\n" * 200000 + "\tEND"), {}, "valid"),
    # Imports and snippets.
    ("a file importing itself", {"Caddyfile": site("\timport Caddyfile\n\trespond hi")}, {}, refused(r"cycle|itself")),
    ("two files importing each other", {"Caddyfile": site("\timport a.caddy\n\trespond hi"),
                                        "a.caddy": "import b.caddy\n", "b.caddy": "import a.caddy\n"},
     {}, refused(r"cycle|itself", "a.caddy|b.caddy")),
    ("a snippet importing itself", HEAD + "(s) {\n\timport s\n}\n:8080 {\n\timport s\n}\n", {}, refused(r"cycle|itself")),
    ("snippets importing each other", HEAD + "(a) {\n\timport b\n}\n(b) {\n\timport a\n}\n:8080 {\n\timport a\n}\n",
     {}, refused(r"cycle|itself|not defined|snippet")),
    ("a snippet used before it is defined", HEAD + ":8080 {\n\timport s\n}\n(s) {\n\trespond hi\n}\n", {}, refused(r"s")),
    ("a snippet defined inside a site", site("\t(s) {\n\t\trespond hi\n\t}"), {}, refused(r".")),
    ("33 nested file imports", import_chain(33), {}, refused(r"32|nest|deep", r"f\d+\.caddy")),
    ("31 nested file imports", import_chain(31), {}, "valid"),
    ("a snippet bomb of 10^8 directives", snippet_bomb(8, 10), {}, refused(r"1,?000,?000|tokens")),
    ("an import of a missing file", site("\timport nothere.caddy"), {}, refused(r"nothere")),
    ("a glob matching nothing", site("\timport none/*.caddy\n\trespond hi"), {}, "valid"),
    # The files of one glob are siblings, not nested: more than 32 of them
    # are fine (refused as "nested more than 32 deep" before).
    ("a glob matching 40 files", dict([("Caddyfile", site("\timport parts/*.caddy\n\trespond hi"))] +
                                      [("parts/p%03d.caddy" % i, "header X-P%d 1\n" % i) for i in range(40)]),
     {}, "valid"),
    ("a glob of 40 files, each importing one more", dict(
        [("Caddyfile", site("\timport parts/*.caddy\n\trespond hi"))] +
        [("parts/p%03d.caddy" % i, "import ../leaf.caddy\n") for i in range(40)] +
        [("leaf.caddy", "header X-Leaf 1\n")]), {}, "valid"),
    ("33 nested imports through globs", dict(
        [("Caddyfile", HEAD + ":8080 {\n\timport g1/*.caddy\n\trespond hi\n}\n")] +
        [("g%d/f.caddy" % k, "import ../g%d/*.caddy\n" % (k + 1)) for k in range(1, 33)] +
        [("g33/f.caddy", "header X-End 1\n")]), {}, refused(r"32|nest|deep", r"g\d+/f\.caddy")),
    ("an import with 10,000 arguments", HEAD + "(s) {\n\theader X-A {args[9999]}\n}\n:8080 {\n\timport s " +
     " ".join("a%d" % i for i in range(10000)) + "\n\trespond hi\n}\n", {}, "valid"),
    ("an argument index past 2^64", HEAD + "(s) {\n\theader X-A {args[99999999999999999999]}\n}\n"
     ":8080 {\n\timport s a\n\trespond hi\n}\n", {}, "valid"),
    ("an error inside an imported snippet file", {"Caddyfile": site("\timport bad.caddy"),
                                                 "bad.caddy": "respond hi 99999\n"}, {}, refused(r"status|99999", "bad.caddy")),
    # Environment placeholders.
    ("an env value that closes the site", site("\trespond {$X}"), {"X": "hi\n}\n}"}, refused(r".")),
    ("an env value that opens a block", site("\trespond {$X}"), {"X": "{"}, refused(r".")),
    ("an env value that is a whole site", HEAD + "{$X}\n", {"X": ":8080 {\n\trespond hi\n}"}, "valid"),
    ("an env reference that never closes", site("\trespond {$X"), {"X": "hi"}, "valid"),
    ("an env value of 100 KiB", site("\trespond {$X}"), {"X": "a" * 100000}, "valid"),
    ("an env value with a NUL-like escape", site("\trespond {$X}"), {"X": "\\x00"}, "valid"),
    ("an env default that holds a brace", site("\trespond {$UNSET_H7:{}}"), {}, "valid"),
    # Sites and directives in bulk.
    ("3,000 sites", many_sites(3000), {}, "valid"),
    ("20,000 directives in one site", site("\theader X-A b\n" * 20000 + "\trespond hi"), {}, "valid"),
    ("10,000 addresses on one site", HEAD + ", ".join("h%d.example:8080" % i for i in range(10000)) +
     " {\n\trespond hi\n}\n", {}, "valid"),
    # As Caddy's "ambiguous site definition": an address written for two
    # site blocks (as written: :8080 and http://:8080 are two), once
    # silently served by the first.
    ("the same address on two sites", HEAD + ":8080 {\n\trespond a\n}\n:8080 {\n\trespond b\n}\n",
     {}, refused(r"ambiguous site definition: ':8080'.*Caddyfile:5:1")),
    ("the same address on a site in an imported file", {
        "Caddyfile": HEAD + "a.example:8080 {\n\trespond a\n}\nimport more.caddy\n",
        "more.caddy": "b.example:8080, a.example:8080 {\n\trespond b\n}\n"},
     {}, refused(r"ambiguous site definition: 'a\.example:8080'", "more.caddy")),
    ("the same address twice on one site", HEAD + ":8080, :8080 {\n\trespond a\n}\n", {}, "valid"),
    ("one port written two ways", HEAD + ":8080 {\n\trespond a\n}\nhttp://:8080 {\n\trespond b\n}\n",
     {}, "valid"),
    ("two global blocks", HEAD + HEAD + ":8080 {\n\trespond hi\n}\n", {}, refused(r".")),
    ("a global block after a site", ":8080 {\n\trespond hi\n}\n" + HEAD, {}, refused(r".")),
    ("a matcher defined twice", site("\t@m path /a\n\t@m path /b\n\trespond @m hi"), {}, refused(r"@m|defined")),
    ("a misspelt directive", site("\trespnd hi"), {}, refused(r"respond")),
    # Numbers.
    ("a size past 2^64", site("\trequest_body {\n\t\tmax_size 99999999999999999999GB\n\t}\n\trespond hi"), {},
     refused(r"max_size|size")),
    ("a negative size", site("\trequest_body {\n\t\tmax_size -1MB\n\t}\n\trespond hi"), {}, refused(r"size")),
    ("a size with a bad unit", site("\trequest_body {\n\t\tmax_size 10XB\n\t}\n\trespond hi"), {}, refused(r"size|XB")),
    ("a duration past 2^63 ns", HEAD.replace("}\n", "\tservers {\n\t\ttimeouts {\n\t\t\tread_header 99999999999h\n"
                                             "\t\t}\n\t}\n}\n") + ":8080 {\n\trespond hi\n}\n", {}, refused(r"read_header|duration")),
    ("a negative duration", HEAD.replace("}\n", "\tservers {\n\t\ttimeouts {\n\t\t\tidle -5s\n\t\t}\n\t}\n}\n") +
     ":8080 {\n\trespond hi\n}\n", {}, refused(r"idle|duration|negative")),
    ("a duration of many digits", HEAD.replace("}\n", "\tgrace_period " + "9" * 40 + "ns\n}\n") +
     ":8080 {\n\trespond hi\n}\n", {}, refused(r"grace_period|duration")),
    ("a duration without a unit or number", HEAD.replace("}\n", "\tgrace_period s\n}\n") + ":8080 {\n\trespond hi\n}\n",
     {}, refused(r"grace_period|duration")),
    ("negative workers", HEAD.replace("}\n", "\tworkers -1\n}\n") + ":8080 {\n\trespond hi\n}\n", {}, refused(r"integer from 0 to 4096")),
    ("workers past 2^32", HEAD.replace("}\n", "\tworkers 99999999999\n}\n") + ":8080 {\n\trespond hi\n}\n", {},
     refused(r"integer from 0 to 4096")),
    ("a status of five digits", site("\trespond hi 99999"), {}, refused(r"status|99999")),
    ("a port past 65535", HEAD + ":99999 {\n\trespond hi\n}\n", {}, refused(r"port|99999")),
    ("a negative port", HEAD + ":-1 {\n\trespond hi\n}\n", {}, refused(r"port|-1")),
    ("an http_port past 65535", HEAD.replace("}\n", "\thttp_port 70000\n}\n") + ":8080 {\n\trespond hi\n}\n", {},
     refused(r"integer from 1 to 65535")),
    ("a function memory limit past 2^64", site("\twasm ./none.wasm {\n\t\tmemory_limit 99999999999999999999TB\n\t}"),
     {}, refused(r"memory_limit|size")),
    ("a negative fuel", site("\twasm ./none.wasm {\n\t\tfuel -5\n\t}"), {}, refused(r"integer from 0 to")),
    ("a plugin priority past 2^64", site("\twasm_plugin ./none.wasm {\n\t\tpriority 99999999999999999999\n\t}\n"
                                         "\trespond hi"), {}, refused(r"integer from -1000000000 to 1000000000")),
    ("a proxy timeout past 2^63 ns", site("\treverse_proxy 127.0.0.1:9 {\n\t\ttransport http {\n"
                                          "\t\t\tdial_timeout 9999999999999999h\n\t\t}\n\t}"), {},
     refused(r"dial_timeout|duration")),
    # Encodings.
    ("invalid UTF-8 in a response body", site("\trespond \xff\xfe\xc0\xaf"), {}, "valid"),
    ("invalid UTF-8 in a directive name", site("\tres\xffpond hi"), {}, refused(r"directive")),
    ("lines ended by CR LF", site("\trespond hi").replace("\n", "\r\n"), {}, "valid"),
    # Caddy skips a leading UTF-8 byte order mark (refused as part of the
    # first token before); elsewhere it stays text.
    ("a byte order mark before the global block", "\xef\xbb\xbf" + site("\trespond hi"), {}, "valid"),
    ("a byte order mark before an imported file", {"Caddyfile": site("\timport part.caddy\n\trespond hi"),
                                                   "part.caddy": "\xef\xbb\xbfheader X-A 1\n"}, {}, "valid"),
    ("a byte order mark then an error", "\xef\xbb\xbf}\n", {}, refused(r"\}")),
    ("a byte order mark inside a line", site("\t\xef\xbb\xbfrespond hi"), {}, refused(r"directive")),
]


def run_validate(binary, files, env):
    d = tempfile.mkdtemp(prefix="ifrit-adv-cfg-")
    try:
        if isinstance(files, str):
            files = {"Caddyfile": files}
        for rel, text in files.items():
            path = os.path.join(d, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(text.encode("latin-1"))
        e = dict(os.environ)
        e.update(env)
        e.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        try:
            p = subprocess.run([binary, "validate", "--config", "Caddyfile"], cwd=d, env=e,
                               capture_output=True, timeout=IO_TIMEOUT * 2)
        except subprocess.TimeoutExpired:
            return None, ""
        return p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace")
    finally:
        shutil.rmtree(d, ignore_errors=True)


ERROR_LINE = re.compile(r"^(\S+?):(\d+):(\d+): (.+)$", re.M)


def judge(rc, out, expected):
    if rc is None:
        return "hung (no end within %ss)" % (IO_TIMEOUT * 2)
    found = SANITIZER_REPORT.search(out)
    if found:
        return "sanitizer report: " + out[max(0, found.start() - 100):found.start() + 800]
    if rc < 0:
        return "killed by signal %d" % -rc
    if expected == "valid":
        return None if rc == 0 else "refused: %r" % out[-300:]
    kind, where, pattern = expected
    if kind == "refused_file":   # the whole file: FILE: and a sentence, no line
        ok = rc == 1 and re.search(r"^(.*/)?%s: .*%s" % (where, pattern), out, re.M)
        return None if ok else "exit %d, expected %s: ...%s: %r" % (rc, where, pattern, out[-300:])
    if rc != 1:
        return "exit status %d, expected 1: %r" % (rc, out[-300:])
    for m in ERROR_LINE.finditer(out):
        path, msg = m.group(1), m.group(4)
        if (re.fullmatch(r"(.*/)?(%s)" % where, path) and len(msg.split()) >= 3
                and re.search(pattern, msg, re.I)):
            return None
    return "no %s:LINE:COL: sentence matching %r: %r" % (where, pattern, out[-400:])


def test_hostile_configs(binary):
    """Issue 14, malformed configs: every case of CASES gets the outcome it
    should from `ifrit validate`, in bounded time, with no crash and no
    sanitizer report."""
    bad = []

    def one(case):
        label, files, env, expected = case
        return label, judge(*run_validate(binary, files, env), expected)

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for label, why in pool.map(one, CASES):
            if why:
                bad.append("%s: %s" % (label, why))
    check(not bad, "%d of %d wrong:\n%s" % (len(bad), len(CASES), "\n".join(bad)))
