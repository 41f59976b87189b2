#!/usr/bin/env bash
# WASI end to end: each guest of tests/guests run through the real
# `ifrit wasm run` (the release build and the asan build, and the release
# build with the compiler), checking
# stdout, stderr and exit status; where node is installed, behaviour that
# must match is compared with node's WASI (tests/wasi/node-run.mjs).
# Env: IFRIT_RELEASE, IFRIT_ASAN (build dirs), IFRIT_GUESTS (compiled guests).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=${IFRIT_ROOT:-$(cd "$here/../.." && pwd)}
guests=${IFRIT_GUESTS:-$root/build/guests}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

have_node=0
command -v node >/dev/null 2>&1 && have_node=1

# Bounds a run that went wrong (a hang is a failure, never a measurement).
LIMIT=120

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }

# run NAME ARGS...: runs `ifrit wasm run ARGS...` with stdin from $stdin_file,
# leaving $out, $err and $rc.
stdin_file=/dev/null
run() {
    local name=$1; shift
    out=$work/$name.out err=$work/$name.err
    timeout $LIMIT "$ifrit" wasm run "$@" <"$stdin_file" >"$out" 2>"$err"
    rc=$?
}

node_run() {
    timeout $LIMIT node --no-warnings "$here/node-run.mjs" "$@" <"$stdin_file" >"$work/node.out" 2>"$work/node.err"
    node_rc=$?
}

# check NAME EXPECTED_RC [STDOUT_GREP] [STDERR_GREP]
check() {
    local name=$1 want=$2 o=${3:-} e=${4:-}
    if [ "$rc" != "$want" ]; then
        fail "$name" "exit status $rc, expected $want; stderr: $(head -c 300 "$err")"
    elif [ -n "$o" ] && ! grep -q -- "$o" "$out"; then
        fail "$name" "stdout lacks '$o': $(head -c 300 "$out")"
    elif [ -n "$e" ] && ! grep -q -- "$e" "$err"; then
        fail "$name" "stderr lacks '$e': $(head -c 300 "$err")"
    else
        pass "$name"
    fi
}

# same_as_node NAME ARGS...: stdout and exit status as node's WASI gives them.
same_as_node() {
    local name=$1; shift
    [ $have_node = 1 ] || { echo "SKIP $name: node not installed"; return; }
    node_run "$@"
    if [ "$node_rc" != "$rc" ]; then fail "$name" "exit status $rc, node says $node_rc"
    elif ! cmp -s "$out" "$work/node.out"; then fail "$name" "stdout differs from node's: $(diff "$out" "$work/node.out" | head -n 5)"
    else pass "$name"
    fi
}

sandbox() { # fresh HOST dir: root/ (preopened) and secret (outside it)
    rm -rf "$work/fs"; mkdir -p "$work/fs/root"; echo outside >"$work/fs/secret"
}

suite() { # b = build name
    local b=$1 g=$guests
    stdin_file=/dev/null

    printf 'hello, stdin' >"$work/small.in"
    stdin_file=$work/small.in
    run echo "$g/stdio_echo.wasm"
    check "$b/stdio-echo" 0 "hello, stdin" "echoed 12 bytes"
    head -c 5000000 /dev/urandom >"$work/big.in"
    stdin_file=$work/big.in
    run echo_big "$g/stdio_echo.wasm"
    if [ $rc = 0 ] && cmp -s "$out" "$work/big.in"; then pass "$b/stdio-echo-5MB"
    else fail "$b/stdio-echo-5MB" "rc=$rc, output differs from input"; fi
    stdin_file=/dev/null

    run args --env GREETING=hi --env EMPTY= "$g/args_env.wasm" one "two words" ""
    check "$b/args-env" 0 "arg\[2\]=two words"
    grep -qx "GREETING=hi" "$out" && grep -qx "EMPTY=" "$out" && grep -qx "MISSING=(unset)" "$out" &&
        grep -qx "envc=2" "$out" && grep -qx "argc=4" "$out" && grep -qx "arg\[3\]=" "$out" \
        && pass "$b/args-env-values" || fail "$b/args-env-values" "$(tr '\n' ' ' <"$out")"
    same_as_node "$b/args-env-node" --env GREETING=hi --env EMPTY= "$g/args_env.wasm" one "two words" ""

    for code in 0 7 255; do
        run exit "$g/exit_code.wasm" $code
        check "$b/exit-$code" $code
    done
    run exit "$g/exit_code.wasm" 3 return
    check "$b/exit-return-from-main" 3

    sandbox
    run files --dir "$work/fs/root::/sandbox" "$g/files.wasm"
    check "$b/files" 0 "^files ok"
    # Both checks below hold only if the guest ran to its end inside the
    # sandbox: it printed its last line and left root/sub (made last, kept).
    local ran=1
    grep -Eqx 'files (ok|FAILED)' "$out" && [ -d "$work/fs/root/sub" ] || ran=0
    if [ $ran = 0 ]; then
        fail "$b/files-nothing-outside-touched" "the guest did not run to its end in the sandbox (rc=$rc): $(head -c 200 "$err")"
    elif [ "$(cat "$work/fs/secret")" = outside ] && [ ! -e "$work/fs/created" ] && [ ! -e "$work/fs/moved" ]; then
        pass "$b/files-nothing-outside-touched"
    else
        fail "$b/files-nothing-outside-touched" "$(ls "$work/fs")"
    fi
    local tried denied
    tried=$(grep -c '^escape ' "$out") denied=$(grep -c '^escape .*: denied$' "$out")
    if [ $ran = 0 ] || [ "$tried" = 0 ]; then fail "$b/files-escapes" "the guest tried no escape (rc=$rc)"
    elif [ "$tried" != "$denied" ]; then fail "$b/files-escapes" "$(grep '^escape ' "$out" | grep -v ': denied$' | tr '\n' ' ')"
    else pass "$b/files-escapes"; fi
    if [ $have_node = 1 ]; then
        sandbox
        node_run --dir "$work/fs/root::/sandbox" "$g/files.wasm"
        # Escape lines may differ in how a refusal shows; the file operations may not.
        if ! grep -Eqx 'files (ok|FAILED)' "$work/node.out"; then fail "$b/files-node" "node's run did not reach its end: $(head -c 200 "$work/node.err")"
        elif diff <(grep -v '^escape' "$out") <(grep -v '^escape' "$work/node.out") >/dev/null; then pass "$b/files-node"
        else fail "$b/files-node" "$(diff <(grep -v '^escape' "$out") <(grep -v '^escape' "$work/node.out") | head -n 5)"; fi
    fi
    run nofiles "$g/files.wasm"
    check "$b/files-without-preopen" 1 "mkdir: FAILED"

    # A pointer out of bounds or misaligned traps (the witx), naming the call.
    local bad call
    while IFS=: read -r bad call; do
        run "badptr_$bad" "$g/bad_pointers.wasm" "$bad"
        check "$b/bad-pointer-traps-$bad" 134 "^calling $bad" "trap: .*$call: a pointer argument is out of bounds or misaligned"
    done <<'EOF'
iovs:fd_write
buffer:fd_write
result:fd_write
random:random_get
args_sizes:args_sizes_get
clock:clock_time_get
fdstat:fd_fdstat_get
misaligned_result:fd_write
misaligned_iovs:fd_write
misaligned_clock:clock_time_get
misaligned_fdstat:fd_fdstat_get
misaligned_events:poll_oneoff
EOF
    run badptr_aligned "$g/bad_pointers.wasm" aligned
    check "$b/bad-pointer-aligned-calls-succeed" 0 "^aligned calls: errno 0"

    run clocks "$g/clocks.wasm"
    check "$b/clocks" 0 "sleep ok"
    run random "$g/random.wasm"
    check "$b/random" 0 "random ok"

    local kind msg
    while IFS=: read -r kind msg; do
        run "trap_$kind" "$g/traps.wasm" "$kind"
        check "$b/trap-$kind" 134 "about to trap: $kind" "$msg"
        grep -q "backtrace:" "$err" && grep -Eq "func\[[0-9]+\] [^<]" "$err" \
            && pass "$b/trap-$kind-backtrace" || fail "$b/trap-$kind-backtrace" "$(head -c 300 "$err")"
    done <<'EOF'
unreachable:unreachable
oob:out of bounds memory access
div0:integer divide by zero
overflow:integer overflow
conversion:invalid conversion to integer
indirect:indirect call type mismatch
stack:call stack exhausted
EOF

    run fuel --fuel 1000000 "$g/loop.wasm"
    check "$b/loop-stopped-by-fuel" 134 "spinning" "out of fuel"
    run timeout --timeout 300ms "$g/loop.wasm"
    check "$b/loop-stopped-by-timeout" 134 "spinning" "interrupted"
    run sleeper --timeout 300ms "$g/sleeper.wasm"
    check "$b/sleep-stopped-by-timeout" 134 "sleeping" "interrupted"
    run memcap --max-memory 16MiB "$g/memhog.wasm"
    check "$b/memhog-capped" 3 "malloc failed after"
    run memfree "$g/memhog.wasm"
    check "$b/memhog-uncapped" 0 "allocated 64 MiB"

    # Programs from the wider world: esbuild's wasip1 build (Go, from npm,
    # pinned by tests/guests/npm) and an AssemblyScript guest with its WASI
    # shim give node's stdout and exit status.
    local esbuild=$root/tests/guests/npm/node_modules/@esbuild/wasi-preview1/esbuild.wasm
    if [ -f "$esbuild" ]; then
        printf 'const x: number = 1 + 2;\nexport function f(a: string) { return a.repeat(x) }\n' >"$work/es.ts"
        printf 'export const f = (a) => <div class="x">{a}</div>;\n' >"$work/es.jsx"
        stdin_file=$work/es.ts
        run esbuild "$esbuild" --loader=ts --minify
        check "$b/esbuild-ts-minify" 0 "export function f(n){return n.repeat(3)}"
        same_as_node "$b/esbuild-ts-minify-node" "$esbuild" --loader=ts --minify
        run esbuild "$esbuild" --loader=ts --format=cjs --target=es2015
        same_as_node "$b/esbuild-ts-cjs-node" "$esbuild" --loader=ts --format=cjs --target=es2015
        stdin_file=$work/es.jsx
        run esbuild "$esbuild" --loader=jsx
        same_as_node "$b/esbuild-jsx-node" "$esbuild" --loader=jsx
        run esbuild "$esbuild" --loader=ts   # JSX is a syntax error in .ts: exit 1 on both
        same_as_node "$b/esbuild-syntax-error-node" "$esbuild" --loader=ts
        stdin_file=/dev/null
        run esbuild "$esbuild" --version
        same_as_node "$b/esbuild-version-node" "$esbuild" --version
    else
        echo "SKIP $b/esbuild: $esbuild not installed (scripts/install-deps.sh)"
    fi
    run as_env --env GREETING=hi "$g/fn_as_env_report.wasm" one two
    check "$b/assemblyscript-env" 0 "REQUEST_METHOD=(unset)"
    same_as_node "$b/assemblyscript-env-node" --env GREETING=hi "$g/fn_as_env_report.wasm" one two

    # Every preview1 call's answers (tests/wasi/conformance.expect, and
    # conformance-rust.expect for the Rust guest), and node's.
    "$here/conformance.sh" "$ifrit" "$g" "$b"
    "$here/conformance.sh" "$ifrit" "$g" "$b/rust" wasi-conformance-rs conformance-rust.expect

    printf '\0asm\1\0\0\0\1\5\1\140' >"$work/bad.wasm"   # a type section cut short
    run bad "$work/bad.wasm"
    check "$b/invalid-module" 1 "" "invalid module at offset 0x"
    run missing "$work/no-such.wasm"
    check "$b/missing-file" 1 "" "no-such.wasm"
    run usage --bogus-option 1 "$g/exit_code.wasm"
    check "$b/bad-option" 2 "" "unknown option"
    run nodir --dir "$work/no-such-dir" "$g/exit_code.wasm"
    check "$b/bad-dir" 2 "" "cannot open directory"
}

# release and asan with the interpreter, then release once more with the
# compiler (IFRIT_ENGINE=compiler: every guest's functions as machine code;
# docs/engine.md, Compiler): lines wasi/compiler/...
# The three run side by side, each in its own work directory; their lines
# come out one run after the other.
for b in release asan compiler; do
    (
        work=$work/$b
        mkdir -p "$work"
        [ $b = asan ] && dir=${IFRIT_ASAN:-$root/build/asan} || dir=${IFRIT_RELEASE:-$root/build/release}
        ifrit=$dir/ifrit
        if [ -z "$dir" ] || [ ! -x "$ifrit" ]; then echo "FAIL wasi/$b: no ifrit binary in '$dir'"; exit 0; fi
        if [ ! -f "$guests/exit_code.wasm" ]; then echo "FAIL wasi/$b: guests not built in $guests (scripts/build-guests.sh tests)"; exit 0; fi
        if [ $b = compiler ]; then IFRIT_ENGINE=compiler suite "wasi/$b"; else IFRIT_ENGINE=interpreter suite "wasi/$b"; fi
    ) > "$work/$b.lines" 2>&1 &
done
wait
cat "$work/release.lines" "$work/asan.lines" "$work/compiler.lines"
exit 0
