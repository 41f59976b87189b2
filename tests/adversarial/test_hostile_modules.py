"""Issue 14 (robustness), the categories that held: malformed modules and
hostile guests and plugins. Each module is built here as bytes: truncated
headers and sections, bad LEBs, huge counts, sections out of order or
twice, bad types, out-of-range indices, giant locals counts, deep nesting,
segments out of bounds, start functions that trap. Loaded as a `wasm`
function and as a `wasm_plugin`, `ifrit validate` refuses each with the
Caddyfile's file:line:col and a sentence, exits 1 (never a signal) and
prints no sanitizer report. The valid but hostile ones (unreachable,
recursion until the stack runs out, memory.grow and table.grow loops,
division by zero, bad conversions, out-of-bounds accesses, bad indirect
calls, endless loops) end their request with a 5xx and a log line as
functions, or are logged and skipped as plugins (fail-open), and the
server serves the next request."""
import concurrent.futures
import os
import shutil
import subprocess
import tempfile

from ifrit_e2e import IO_TIMEOUT, SANITIZER_REPORT, Server, check

# -- a small assembler -----------------------------------------------------------

I32, I64, F32, FUNCREF = 0x7F, 0x7E, 0x7D, 0x70
MAGIC = b"\0asm\x01\0\0\0"


def leb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def sleb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if (n == 0 and not b & 0x40) or (n == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def vec(items):
    return leb(len(items)) + b"".join(items)


def name(s):
    return leb(len(s)) + s.encode()


def sec(sid, payload):
    return bytes([sid]) + leb(len(payload)) + payload


def functype(params=(), results=()):
    return b"\x60" + vec([bytes([t]) for t in params]) + vec([bytes([t]) for t in results])


def body(code, locals_=()):
    """A function body: locals as (count, type) pairs, code without the
    final end (added here)."""
    b = vec([leb(n) + bytes([t]) for n, t in locals_]) + code + b"\x0b"
    return leb(len(b)) + b


def i32c(n):
    return b"\x41" + sleb(n)


def module(entry="_start", results=(), code=b"", locals_=(), extra_funcs=(), table=None, elems=None,
           memory=b"\x00\x01", start=None, datas=None):
    """A module with one exported function (the entry, type 0: () ->
    results), more functions of type 1 (() -> (); extra_funcs: their code),
    one page of memory exported as "memory", and optional table (limits
    bytes), element segment, start function and data segments."""
    funcs = [body(code, locals_)] + [body(c) for c in extra_funcs]
    out = MAGIC + sec(1, vec([functype((), results), functype()]))
    out += sec(3, vec([b"\x00"] + [b"\x01"] * len(extra_funcs)))
    if table is not None:
        out += sec(4, vec([bytes([FUNCREF]) + table]))
    if memory is not None:
        out += sec(5, vec([memory]))
    exports = [name(entry) + b"\x00\x00"] + ([name("memory") + b"\x02\x00"] if memory is not None else [])
    out += sec(7, vec(exports))
    if start is not None:
        out += sec(8, leb(start))
    if elems is not None:
        out += sec(9, vec([elems]))
    out += sec(10, vec(funcs))
    if datas is not None:
        out += sec(11, vec(datas))
    return out


def raw(*sections):
    return MAGIC + b"".join(sections)


def malformed(plugin):
    """The malformed modules, shaped as a function (`_start`, () -> ()) or
    as a plugin (`on_request`, () -> i32), so that each is refused for its
    own defect."""
    entry, res, tail = ("on_request", (I32,), i32c(0)) if plugin else ("_start", (), b"")
    T0 = sec(1, vec([functype((), res)]))
    F0 = sec(3, vec([b"\x00"]))
    E0 = sec(7, vec([name(entry) + b"\x00\x00"]))
    C0 = sec(10, vec([body(tail)]))
    good = raw(T0, F0, E0, C0)

    def m(code=b"", **kw):
        return module(entry=entry, results=res, code=code + tail, **kw)

    T_I32 = sec(1, vec([functype((), (I32,))]))
    return [
        ("empty file", b""),
        ("magic only", b"\0asm"),
        ("wrong magic", b"\0wsm\x01\0\0\0" + good[8:]),
        ("version 2", b"\0asm\x02\0\0\0" + good[8:]),
        ("header cut short", good[:6]),
        ("ELF file", b"\x7fELF\x02\x01\x01\0" + b"\0" * 56),
        ("text format", b"(module (func (export \"_start\")))"),
        ("unknown section id", raw(T0, F0, E0, C0, sec(0x20, b"x"))),
        ("section size past the end", raw(T0, F0, E0, b"\x0a\xff\x00" + C0[2:])),
        ("section size LEB of six bytes", raw(T0, F0, E0, b"\x0a\x80\x80\x80\x80\x80\x00")),
        ("section size LEB unterminated", raw(T0, F0, E0, b"\x0a\x80\x80")),
        ("type count huge", raw(sec(1, leb(0xFFFFFFFF)), F0, E0, C0)),
        ("type form not 0x60", raw(sec(1, vec([b"\x61\x00\x00"])), F0, E0, C0)),
        ("bad value type", raw(sec(1, vec([b"\x60\x01\x55\x00"])), F0, E0, C0)),
        ("param count huge", raw(sec(1, b"\x01\x60" + leb(0xFFFFFFF0)), F0, E0, C0)),
        ("function count huge", raw(T0, sec(3, leb(0xFFFFFFFF)), E0, C0)),
        ("function type index out of range", raw(T0, sec(3, vec([b"\x05"])), E0, C0)),
        ("code count differs from functions", raw(T0, F0, E0, sec(10, vec([body(b""), body(b"")])))),
        ("function without code", raw(T0, F0, E0)),
        ("body size past the section", raw(T0, F0, E0, sec(10, b"\x01\x7f\x00\x0b"))),
        ("locals over 2^32 in total", raw(T0, F0, E0, sec(10, vec([body(b"", [(0xFFFFFFFF, I32), (0xFFFFFFFF, I32)])])))),
        ("a billion locals", raw(T0, F0, E0, sec(10, vec([body(b"", [(1000000000, I64)])])))),
        ("bad local type", raw(T0, F0, E0, sec(10, vec([body(b"", [(1, 0x40)])])))),
        ("body without end", raw(T0, F0, E0, sec(10, vec([b"\x02\x00\x01"])))),
        ("illegal opcode", m(code=b"\xff")),
        ("illegal prefixed opcode", m(code=b"\xfc" + leb(200))),
        ("br depth out of range", m(code=b"\x0c\x05")),
        ("local index out of range", m(code=b"\x20\x03\x1a")),
        ("global index out of range", m(code=b"\x23\x00\x1a")),
        ("call index out of range", m(code=b"\x10\x09")),
        ("call_indirect without a table", m(code=i32c(0) + b"\x11\x00\x00")),
        ("i32.add on an empty stack", m(code=b"\x6a\x1a")),
        ("missing result", raw(T_I32, F0, E0, sec(10, vec([body(b"")])))),
        ("result of the wrong type", raw(T_I32, F0, E0, sec(10, vec([body(b"\x42\x00")])))),
        ("select of mixed types", m(code=i32c(1) + b"\x42\x00" + i32c(0) + b"\x1b\x1a")),
        ("else without if", m(code=b"\x05")),
        ("end past the body", m(code=b"\x0b\x0b")),
        ("block type index out of range", m(code=b"\x02\x07\x0b")),
        ("alignment past natural", m(code=i32c(0) + b"\x28\x03\x00\x1a")),
        ("memory op without memory", m(code=i32c(0) + b"\x28\x02\x00\x1a", memory=None)),
        ("i32.const LEB of six bytes", m(code=b"\x41\x80\x80\x80\x80\x80\x00\x1a")),
        ("i32.const LEB with unused bits set", m(code=b"\x41\x80\x80\x80\x80\x70\x1a")),
        ("function index LEB overflow", m(code=b"\x10\xff\xff\xff\xff\x7f")),
        ("br_table count huge", m(code=i32c(0) + b"\x0e" + leb(0xFFFFFFF) + b"\x00")),
        ("export index out of range", raw(T0, F0, sec(7, vec([name(entry) + b"\x00\x07"])), C0)),
        ("export kind invalid", raw(T0, F0, sec(7, vec([name(entry) + b"\x00\x00", name("x") + b"\x05\x00"])), C0)),
        ("duplicate export names", raw(T0, F0, sec(7, vec([name(entry) + b"\x00\x00"] * 2)), C0)),
        ("export name past the end", raw(T0, F0, sec(7, b"\x01\x7f_start\x00\x00"), C0)),
        ("export name invalid UTF-8", raw(T0, F0, sec(7, vec([b"\x02\xc0\xaf\x00\x00", name(entry) + b"\x00\x00"])), C0)),
        ("import kind invalid", raw(T0, sec(2, vec([name("wasi_snapshot_preview1") + name("x") + b"\x07\x00"])), F0, E0, C0)),
        ("memory min over max", m(memory=b"\x01\x02\x01")),
        ("memory over 65536 pages", m(memory=b"\x00" + leb(65537))),
        ("memory limits flag invalid", m(memory=b"\x09\x01")),
        ("table min over max", m(table=b"\x01\x05\x01")),
        ("data segment without memory", m(memory=None, datas=[b"\x00" + i32c(0) + b"\x0b" + vec([b"x"])])),
        ("data offset not constant", m(datas=[b"\x00" + b"\x23\x00\x0b" + vec([b"x"])])),
        ("data count section differs", raw(T0, F0, sec(5, vec([b"\x00\x01"])), E0, sec(12, leb(3)), C0,
                                          sec(11, vec([b"\x00" + i32c(0) + b"\x0b" + vec([b"x"])])))),
        ("data past the end of memory", m(datas=[b"\x00" + i32c(65530) + b"\x0b" + vec([b"y"] * 10)])),
        ("data at a negative offset", m(datas=[b"\x00" + i32c(-1) + b"\x0b" + vec([b"y"])])),
        ("element past the end of the table", m(table=b"\x00\x01", elems=b"\x00" + i32c(5) + b"\x0b" + vec([b"\x00"]))),
        ("element function out of range", m(table=b"\x00\x01", elems=b"\x00" + i32c(0) + b"\x0b" + vec([b"\x09"]))),
        ("start index out of range", m(start=7)),
        ("start function with a result", raw(T_I32, F0, E0, sec(8, b"\x00"), sec(10, vec([body(i32c(0))])))),
        ("start function that traps", m(code=b"", extra_funcs=[b"\x00"], start=1)),
        ("start function recursing forever", m(code=b"", extra_funcs=[b"\x10\x01"], start=1)),
        ("sections out of order", raw(T0, E0, F0, C0)),
        ("type section twice", raw(T0, T0, F0, E0, C0)),
        ("custom section name past the end", raw(T0, F0, E0, C0, sec(0, b"\x7fname"))),
        ("no entry export", raw(T0, F0, C0)),
    ]

MALFORMED = malformed(False)
MALFORMED_PLUGINS = malformed(True)

# Every prefix of a valid module, cut at a few places in each section.
GOOD_FULL = module(code=i32c(1) + b"\x1a", table=b"\x00\x01", elems=b"\x00" + i32c(0) + b"\x0b" + vec([b"\x00"]),
                   datas=[b"\x00" + i32c(16) + b"\x0b" + vec([b"z"] * 4)])


def section_ends(data):
    """The offsets where a section of data ends (a cut there is a valid
    module with fewer sections)."""
    ends, pos = set(), 8
    while pos < len(data):
        size, shift, p = 0, 0, pos + 1
        while True:
            b = data[p]
            size |= (b & 0x7F) << shift
            shift += 7
            p += 1
            if not b & 0x80:
                break
        pos = p + size
        ends.add(pos)
    return ends


TRUNCATED = [("cut at byte %d of %d" % (n, len(GOOD_FULL)), GOOD_FULL[:n])
             for n in range(8, len(GOOD_FULL), 2) if n not in section_ends(GOOD_FULL)]

# Valid modules whose only hostility is size or depth: validate may accept
# or refuse them, but clearly and without crashing.
def big(plugin):
    entry, res, tail = ("on_request", (I32,), i32c(0)) if plugin else ("_start", (), b"")

    def m(code=b"", **kw):
        return module(entry=entry, results=res, code=code + tail, **kw)

    many = MAGIC + sec(1, vec([functype((), res)])) + sec(3, vec([b"\x00"] * 60000))
    many += sec(7, vec([name(entry) + b"\x00\x00"])) + sec(10, vec([body(tail)] * 60000))
    return [
        ("100,000 nested blocks", m(code=b"\x02\x40" * 100000 + b"\x0b" * 100000)),
        ("50,000 nested ifs", m(code=(i32c(1) + b"\x04\x40") * 50000 + b"\x0b" * 50000)),
        ("60,000 functions", many),
        ("50,000 locals", m(locals_=[(50000, I64)])),
        ("br_table of 100,000 targets", m(code=b"\x02\x40" + i32c(0) + b"\x0e" + leb(100000) + b"\x00" * 100001 + b"\x0b")),
    ]


# -- running validate --------------------------------------------------------------

FN_CONFIG = "{\n\tadmin off\n}\n:%d {\n\twasm ./m.wasm\n}\n"
PLUGIN_CONFIG = "{\n\tadmin off\n}\n:%d {\n\twasm_plugin ./m.wasm\n\trespond ok\n}\n"


def validate(binary, data, config):
    """`ifrit validate` on a Caddyfile naming data as m.wasm: (exit
    status, output); the status None when it did not end in time."""
    d = tempfile.mkdtemp(prefix="ifrit-adv-mod-")
    try:
        with open(os.path.join(d, "m.wasm"), "wb") as f:
            f.write(data)
        with open(os.path.join(d, "Caddyfile"), "w") as f:
            f.write(config % 8080)
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        try:
            p = subprocess.run([binary, "validate", "--config", "Caddyfile"], cwd=d, env=env,
                               capture_output=True, timeout=IO_TIMEOUT * 2)
        except subprocess.TimeoutExpired:
            return None, "did not end"
        return p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def problem(rc, out, must_refuse):
    """What is wrong with one validate run, or None."""
    if rc is None:
        return "hung"
    found = SANITIZER_REPORT.search(out)
    if found:
        return "sanitizer report: " + out[max(0, found.start() - 100):found.start() + 800]
    if rc < 0:
        return "killed by signal %d: %s" % (-rc, out[-500:])
    if rc == 0:
        return "accepted: %r" % out[-300:] if must_refuse else None
    if rc != 1:
        return "exit status %d: %r" % (rc, out[-300:])
    if "Caddyfile:5:" not in out or "m.wasm" not in out:
        return "no Caddyfile:5:col naming m.wasm: %r" % out[-300:]
    return None


def run_all(binary, cases, config, must_refuse):
    bad = []

    def one(case):
        label, data = case
        return label, problem(*validate(binary, data, config), must_refuse)

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for label, why in pool.map(one, cases):
            if why:
                bad.append("%s: %s" % (label, why))
    return bad


def test_good_module_is_valid(binary):
    """Issue 14, malformed modules: the base the others are cut from is
    valid both as a function and as a plugin (so each refusal below is the
    defect's)."""
    plugin = module(entry="on_request", results=(I32,), code=i32c(0), extra_funcs=[b"\x01"], start=1)
    for data, cfg in ((GOOD_FULL, FN_CONFIG), (plugin, PLUGIN_CONFIG),
                      (hostile_function(lambda me, o: dict(code=b"\x01")), FN_CONFIG),
                      (hostile_plugin(lambda me, o: dict(code=b"\x01", locals_=[(3, I32)])), PLUGIN_CONFIG)):
        rc, out = validate(binary, data, cfg)
        check(rc == 0, "a valid module refused: %s" % out[-500:])


def test_malformed_modules_as_functions(binary):
    """Issue 14, malformed modules: each of MALFORMED and every cut of a
    valid module, as a `wasm` function, is refused by validate with the
    Caddyfile's file:line:col, exit 1, no crash, no sanitizer report."""
    bad = run_all(binary, MALFORMED + TRUNCATED, FN_CONFIG, True)
    check(not bad, "%d of %d wrong:\n%s" % (len(bad), len(MALFORMED) + len(TRUNCATED), "\n".join(bad)))


def test_malformed_modules_as_plugins(binary):
    """Issue 14, malformed modules: the same defects in a `wasm_plugin`
    module are refused the same way."""
    cases = MALFORMED_PLUGINS
    bad = run_all(binary, cases, PLUGIN_CONFIG, True)
    check(not bad, "%d of %d wrong:\n%s" % (len(bad), len(cases), "\n".join(bad)))


def test_huge_but_valid_modules(binary):
    """Issue 14, malformed modules (deep nesting, huge counts): validate
    accepts or refuses each clearly, within its time bound, never a crash
    (a recursive decoder would overflow its stack on the nesting)."""
    cases = big(False) + big(True)
    bad = run_all(binary, big(False), FN_CONFIG, False) + run_all(binary, big(True), PLUGIN_CONFIG, False)
    check(not bad, "%d of %d wrong:\n%s" % (len(bad), len(cases), "\n".join(bad)))


# -- hostile guests and plugins at run time -------------------------------------------

LOOP_GROW = b"\x03\x40" + i32c(16) + b"\x40\x00" + i32c(-1) + b"\x47\x0d\x00\x0b"     # grow until -1
TABLE_GROW = (b"\x03\x40\xd0\x70" + i32c(1 << 20) + b"\xfc\x0f\x00" + i32c(-1) + b"\x47\x0d\x00\x0b")
SPIN = b"\x03\x40\x0c\x00\x0b"

# (name, function of (me, other) -> the hostile function's code, locals,
# helper functions and table): each traps or runs out of time. me is the
# hostile function's index, other its helper's.
RUNTIME = [
    ("unreachable", lambda me, o: dict(code=b"\x00")),
    ("recursion until the stack is exhausted", lambda me, o: dict(code=b"\x10" + leb(me))),
    ("recursion with 500 locals a frame", lambda me, o: dict(code=b"\x10" + leb(me), locals_=[(500, I64)])),
    ("mutual recursion", lambda me, o: dict(code=b"\x10" + leb(o), extra=[b"\x10" + leb(me)])),
    ("memory.grow until refused, then unreachable", lambda me, o: dict(code=LOOP_GROW + b"\x00")),
    ("table.grow until refused, then unreachable", lambda me, o: dict(code=TABLE_GROW + b"\x00", table=b"\x00\x01")),
    ("integer division by zero", lambda me, o: dict(code=i32c(1) + i32c(0) + b"\x6d\x1a")),
    ("signed division overflow", lambda me, o: dict(code=i32c(-0x80000000) + i32c(-1) + b"\x6d\x1a")),
    ("truncation of NaN", lambda me, o: dict(code=b"\x43\x00\x00\xc0\x7f\xa8\x1a")),
    ("load out of bounds", lambda me, o: dict(code=i32c(65536) + b"\x28\x02\x00\x1a")),
    ("store at -1", lambda me, o: dict(code=i32c(-1) + i32c(7) + b"\x36\x02\x00")),
    ("memory.fill past the end", lambda me, o: dict(code=i32c(65000) + i32c(0) + i32c(1000) + b"\xfc\x0b\x00")),
    ("memory.copy past the end", lambda me, o: dict(code=i32c(0) + i32c(65000) + i32c(1000) + b"\xfc\x0a\x00\x00")),
    ("call_indirect of an empty slot", lambda me, o: dict(code=i32c(0) + b"\x11\x01\x00", table=b"\x00\x02")),
    ("call_indirect past the table", lambda me, o: dict(code=i32c(9) + b"\x11\x01\x00", table=b"\x00\x01")),
    ("endless loop", lambda me, o: dict(code=SPIN)),
    ("memory.grow forever, ignoring refusals",
     lambda me, o: dict(code=b"\x03\x40" + i32c(1) + b"\x40\x00\x1a\x0c\x00\x0b")),
]


# What the log says of each (as a function, as a plugin); a function's
# trap is a 500, its timeout a 504.
EXPECT = {
    "unreachable": ("unreachable executed", "unreachable executed"),
    "recursion until the stack is exhausted": ("call stack exhausted", "call stack exhausted"),
    "recursion with 500 locals a frame": ("call stack exhausted", "call stack exhausted"),
    "mutual recursion": ("call stack exhausted", "call stack exhausted"),
    "memory.grow until refused, then unreachable": ("unreachable executed", "unreachable executed"),
    "table.grow until refused, then unreachable": ("unreachable executed", "unreachable executed"),
    "integer division by zero": ("integer divide by zero", "integer divide by zero"),
    "signed division overflow": ("integer overflow", "integer overflow"),
    "truncation of NaN": ("invalid conversion to integer", "invalid conversion to integer"),
    "load out of bounds": ("out of bounds memory access", "out of bounds memory access"),
    "store at -1": ("out of bounds memory access", "out of bounds memory access"),
    "memory.fill past the end": ("out of bounds memory access", "out of bounds memory access"),
    "memory.copy past the end": ("out of bounds memory access", "out of bounds memory access"),
    "call_indirect of an empty slot": ("uninitialized element 0", "uninitialized element 0"),
    "call_indirect past the table": ("undefined element 9", "undefined element 9"),
    "endless loop": ("timed out", "out of fuel"),
    "memory.grow forever, ignoring refusals": ("timed out", "out of fuel"),
}


def hostile_function(make):
    """As a function: the hostile code is _start itself (index 0)."""
    h = make(0, 1)
    return module(code=h["code"], locals_=h.get("locals_", ()), extra_funcs=h.get("extra", ()), table=h.get("table"))


def hostile_plugin(make):
    """As a plugin: on_request (index 0, () -> i32) calls the hostile
    function (index 1), then returns continue."""
    h = make(1, 2)
    funcs = [body(b"\x10\x01" + i32c(0)), body(h["code"], h.get("locals_", ()))]
    funcs += [body(c) for c in h.get("extra", ())]
    out = MAGIC + sec(1, vec([functype((), (I32,)), functype()]))
    out += sec(3, vec([b"\x00"] + [b"\x01"] * (len(funcs) - 1)))
    if h.get("table") is not None:
        out += sec(4, vec([bytes([FUNCREF]) + h["table"]]))
    out += sec(5, vec([b"\x00\x01"]))
    out += sec(7, vec([name("on_request") + b"\x00\x00", name("memory") + b"\x02\x00"]))
    return out + sec(10, vec(funcs))


RT_FN_CONFIG = """{
	admin off
	auto_https off
}
:@PORT@ {
	handle /f/* {
		wasm @DIR@/m%d.wasm {
			snapshot off
			timeout 1s
			memory_limit 16MB
		}
	}
	respond "alive"
}
"""


def test_hostile_functions_end_in_5xx(binary):
    """Issue 14, hostile guests: each module of RUNTIME as a function ends
    its request with a 5xx (500 for a trap, 504 at the timeout) and a log
    line, and the server answers the next request."""
    bad = []
    for i, (label, make) in enumerate(RUNTIME):
        data = hostile_function(make)
        said = EXPECT[label][0]
        with Server(binary, RT_FN_CONFIG % i, files={"m%d.wasm" % i: data}) as srv:
            r = srv.request("GET", "/f/x")
            if r.status != (504 if said == "timed out" else 500):
                bad.append("%s: %r" % (label, r))
            r2 = srv.request("GET", "/")
            if r2.body != b"alive":
                bad.append("%s: not serving after it: %r" % (label, r2))
            if not any("m%d.wasm" % i in line and said in line for line in srv.read_log().splitlines()):
                bad.append("%s: no log line naming the module and saying %r" % (label, said))
    check(not bad, "%d of %d wrong:\n%s" % (len(bad), len(RUNTIME), "\n".join(bad)))


RT_PLUGIN_CONFIG = """{
	admin off
	auto_https off
}
:@PORT@ {
	wasm_plugin @DIR@/p.wasm {
		timeout_ms 200
		memory_mb 4
	}
	respond "alive"
}
"""


def test_hostile_plugins_fail_open(binary):
    """Issue 14, hostile plugins: each module of RUNTIME as an on_request
    hook traps (or is interrupted); the call is logged with the plugin's
    file and counts as continue, so the request is answered by the handler
    after it, twice in a row."""
    bad = []
    for label, make in RUNTIME:
        data = hostile_plugin(make)
        with Server(binary, RT_PLUGIN_CONFIG, files={"p.wasm": data}) as srv:
            for _ in range(2):
                r = srv.request("GET", "/")
                if r.status != 200 or r.body != b"alive":
                    bad.append("%s: %r" % (label, r))
            said = "p.wasm trapped in on_request (2 consecutive): " + EXPECT[label][1]
            if not srv.wait_log(said):
                bad.append("%s: no log line %r" % (label, said))
    check(not bad, "%d of %d wrong:\n%s" % (len(bad), len(RUNTIME), "\n".join(bad)))
