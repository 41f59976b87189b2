#!/usr/bin/env bash
# The edge build's tests (docs/edge.md): builds build/edge/ifrit.wasm, checks
# its core under node's WASI (and the test guests), then runs the shared case list against the
# native release binary and the bundle in workerd (tests/edge/run.py).
# Prints PASS/FAIL/SKIP lines (see tests/run.sh); every program it runs
# reports its own lines, and its non-zero exit (it crashed, or timed out)
# becomes a FAIL line.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=${IFRIT_ROOT:-$(cd "$here/../.." && pwd)}
cd "$root"
if ! out=$(make --no-print-directory -j2 edge 2>&1); then
    echo "FAIL edge/build: make edge failed:"; tail -n 20 <<<"$out" | sed 's/^/    /'
    exit 1
fi
echo "PASS edge/build"
# The function guests the shared cases run (tests/edge/cases/functions.t).
if ! out=$(scripts/build-guests.sh tests 2>&1); then
    echo "FAIL edge/guests: scripts/build-guests.sh tests failed: $(grep '^FAIL' <<<"$out" | head -n 3 | tr '\n' ' ')"
fi

# check NAME CMD...: runs a program that prints its own PASS/FAIL/SKIP
# lines; its non-zero exit is one more FAIL line.
check() {
    local name=$1 rc; shift
    "$@"; rc=$?
    [ $rc -eq 0 ] || echo "FAIL $name: exited with status $rc$([ $rc = 124 ] && echo ' (timed out)'), so some of its results are missing"
}
nout=$(timeout 120 node --no-warnings tests/edge/node_check.mjs "$root" 2>&1); rc=$?
grep -E '^(PASS|FAIL|SKIP) ' <<<"$nout"
[ $rc -eq 0 ] || echo "FAIL edge-node: exit status $rc: $(tail -n 3 <<<"$nout" | tr '\n' ' ')"
bin=${IFRIT_RELEASE:-$root/build/release}/ifrit
if [ ! -x edge/node_modules/.bin/workerd ]; then
    echo "SKIP edge/workerd: not installed (scripts/install-deps.sh installs it)"
elif [ ! -x "$bin" ]; then
    echo "FAIL edge/workerd: no native binary at $bin to compare with"
else
    check edge/run.py timeout 900 python3 tests/edge/run.py --binary "$bin" "$@"
    check edge/upstream.py timeout 600 python3 tests/edge/upstream.py --binary "$bin"
    check edge/edge_only.py timeout 300 python3 tests/edge/edge_only.py --binary "$bin"
    check edge/header_fields.py timeout 300 python3 tests/edge/header_fields.py --binary "$bin"
    check edge/hostapi.py timeout 300 python3 tests/edge/hostapi.py --binary "$bin"
    check edge/compat.py timeout 900 python3 tests/edge/compat.py --binary "$bin"
fi
