#!/usr/bin/env bash
# Runs every test of ifrit and ends with the line `N passed, N failed, N skipped`.
#
# Protocol: every test program prints one line per case, starting with
# `PASS name`, `FAIL name: why` or `SKIP name: why`. A program that exits
# non-zero without printing a FAIL line counts as one failure (it crashed or gave up).
#
# Suites: the unit test binaries of both builds (release, asan), then every
# executable tests/*/suite.sh, run with IFRIT_ROOT, IFRIT_RELEASE, IFRIT_ASAN,
# IFRIT_GUESTS and SPEC_DIR in the environment.
set -u
cd "$(dirname "$0")/.."
root=$(pwd)
log=build/test-log.txt
mkdir -p build
: > "$log"
jobs=$(nproc 2>/dev/null || echo 2)

total_pass=0 total_fail=0 total_skip=0

# run_suite NAME CMD...: runs one program, tallies its lines.
run_suite() {
    local name=$1; shift
    local out start rc p f s
    start=$(date +%s)
    out=$("$@" 2>&1); rc=$?
    printf '### %s\n%s\n' "$name" "$out" >> "$log"
    p=$(grep -c '^PASS ' <<<"$out")
    f=$(grep -c '^FAIL ' <<<"$out")
    s=$(grep -c '^SKIP ' <<<"$out")
    grep '^FAIL ' <<<"$out" | sed "s|^|  [$name] |"
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
        echo "  [$name] FAIL exit status $rc; last lines:"
        tail -n 5 <<<"$out" | sed 's/^/      /'
    fi
    printf '%-40s %4d passed, %d failed, %d skipped (%ds)\n' "$name" "$p" "$f" "$s" $(( $(date +%s) - start ))
    total_pass=$((total_pass + p)); total_fail=$((total_fail + f)); total_skip=$((total_skip + s))
}

build_ok=1
for b in release asan; do
    if ! make --no-print-directory -j"$jobs" BUILD=$b all unit-bins >>"$log" 2>&1; then
        echo "FAIL build ($b): see $log"; tail -n 30 "$log"; build_ok=0
        total_fail=$((total_fail + 1))
    fi
done

run_suite edge-check scripts/edge-check.sh
if [ -x scripts/build-guests.sh ]; then
    run_suite guests-build scripts/build-guests.sh tests
fi

if [ $build_ok = 1 ]; then
    export IFRIT_ROOT=$root IFRIT_RELEASE=$root/build/release IFRIT_ASAN=$root/build/asan
    export IFRIT_GUESTS=$root/build/guests SPEC_DIR=$(cd "$root/../shared/wasm-spec-tests" 2>/dev/null && pwd)
    for b in release asan; do
        for t in $(find build/$b/tests -type f -perm -u+x -name 'test_*' 2>/dev/null | sort); do
            run_suite "unit/$b/${t#build/$b/tests/}" "$t"
        done
    done
    for s in tests/*/suite.sh; do
        [ -x "$s" ] || continue
        run_suite "$(basename "$(dirname "$s")")" "$s"
    done
fi

echo "full log: $log"
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ $total_fail -eq 0 ]
