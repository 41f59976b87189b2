"""`ifrit wasm run --profile` (issue 19): fuel per guest function, named
from the name section, as two flat top lists split where a function's
snapshot would be taken. tests/guests/profile_hot.c spends its start-up in
warm_up and, after reading stdin, ten times as much in hot_loop."""
import os
import subprocess

from ifrit_e2e import GUESTS, ROOT, built, check


def run(binary, guest, *args, stdin=b"hi"):
    return subprocess.run([binary, "wasm", "run"] + list(args) + [built(os.path.join(GUESTS, guest + ".wasm"))],
                          input=stdin, capture_output=True, timeout=60)


def parts(stderr):
    """{'before' or 'after': [(fuel, function), ...] in printed order}, and the header lines."""
    lists, heads, current = {}, [], None
    for line in stderr.decode().splitlines():
        words = line.split()
        if line.startswith("before the snapshot point") or line.startswith("after it:"):
            current = "before" if line.startswith("before") else "after"
            lists[current] = []
            heads.append(line)
        elif current and len(words) == 3 and words[0].isdigit() and words[1].endswith("%"):
            lists[current].append((int(words[0]), words[2]))
        elif line.startswith("profile:") or line.startswith("the guest neither"):
            heads.append(line)
    return lists, heads


def test_wasm_profile_splits_at_the_snapshot_point(binary):
    r = run(binary, "profile_hot", "--profile")
    check(r.returncode == 0 and r.stdout == b"read 2 bytes\n", r)
    lists, heads = parts(r.stderr)
    check(heads[1].startswith("before the snapshot point (its first fd_read)"), heads)
    check(lists["before"][0][1] == "warm_up" and lists["after"][0][1] == "hot_loop", lists)
    # hot_loop does ten times warm_up's work; each list is sorted.
    check(lists["after"][0][0] > 5 * lists["before"][0][0], lists)
    for part in lists.values():
        check([f for f, _ in part] == sorted((f for f, _ in part), reverse=True), part)
    total = int(heads[0].split()[1])
    check(sum(f for part in lists.values() for f, _ in part) <= total, (total, lists))


def test_wasm_profile_without_a_snapshot_point_and_off(binary):
    r = run(binary, "fn_hello", "--profile")
    check(r.returncode == 0 and r.stdout == b"hello from a function\n", r)
    check(b"the guest neither read stdin nor looked at its environment" in r.stderr, r.stderr)
    r = run(binary, "profile_hot")
    check(r.returncode == 0 and r.stdout == b"read 2 bytes\n" and r.stderr == b"", r)
    # The environment is the one given, after the split as without it.
    r = run(binary, "fn_env_report", "--profile", "--env", "REQUEST_METHOD=PATCH", "--", stdin=b"")
    check(r.returncode == 0 and b"REQUEST_METHOD=PATCH\n" in r.stdout, r)


def test_wasm_profile_names_go_functions_from_the_go_symbol_table(binary):
    """esbuild's wasip1 build has no name section: its functions are named
    from the Go runtime's own symbol table in its memory."""
    esbuild = built(os.path.join(ROOT, "tests", "guests", "npm", "node_modules", "@esbuild", "wasi-preview1",
                                 "esbuild.wasm"))
    r = subprocess.run([binary, "wasm", "run", "--profile", esbuild, "--loader=ts"], input=b"let x: number = 1",
                       capture_output=True, timeout=120)
    check(r.returncode == 0 and r.stdout == b"let x = 1;\n", r)
    lists, heads = parts(r.stderr)
    check(heads[1].startswith("before the snapshot point (its first environ_sizes_get)"), heads)
    check(all(name.startswith("runtime.") or name.startswith("internal/") for _, name in lists["before"]),
          lists["before"])
    check(lists["after"][0][1].startswith("github.com/evanw/esbuild/internal/js_parser."), lists["after"][:3])
    check(not any(name.startswith("func[") for part in lists.values() for _, name in part), lists)
