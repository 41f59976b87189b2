#!/usr/bin/env bash
# Runs every test of ifrit and ends with the line `N passed, N failed, N skipped`.
#   tests/run.sh           everything (`make test`): release and asan builds,
#                          the guests, edge-check, the unit tests of both
#                          builds, every tests/*/suite.sh
#   tests/run.sh --quick   `make test-quick`: the release build, the guests,
#                          its unit tests and the e2e tests (no asan)
#
# Protocol and counting rules: tests/tally.sh (every program prints `PASS
# name`, `FAIL name: why` or `SKIP name: why`; one that exits non-zero
# without a FAIL line, or prints no PASS or FAIL line at all, is a failure;
# with CI=true a SKIP not listed in tests/skips-allowed.txt is a failure).
# Also failures: a build that fails (each build is one step, one line), a
# tests/*/suite.sh without its run bit, a tests/unit/*/test_*.c whose binary
# the build did not produce. Only the unit binaries of today's sources run,
# never a stale one of a deleted test.
#
# Suites run with IFRIT_ROOT, IFRIT_RELEASE, IFRIT_ASAN, IFRIT_GUESTS and
# SPEC_DIR in the environment. A clone with no ../shared beside it (outside
# CI) reports the suites that need it as one SKIP each, saying where they
# come from; in CI (CI=true) they always run.
set -u
cd "$(dirname "$0")/.."
root=$(pwd)
quick=0
case ${1:-} in
--quick) quick=1 ;;
"") ;;
*) echo "usage: tests/run.sh [--quick]" >&2; exit 2 ;;
esac
log=build/test-log.txt
mkdir -p build
: > "$log"
jobs=$(nproc 2>/dev/null || echo 2)
. tests/tally.sh

# run_suite NAME CMD...: runs one program, logs and tallies its lines.
run_suite() {
    local name=$1; shift
    local out rc start
    start=$(date +%s)
    out=$("$@" 2>&1); rc=$?
    printf '### %s\n%s\n' "$name" "$out" >> "$log"
    tally_program "$name" "$rc" "$out" "$start"
}

# build LABEL CMD...: a build as one step: its output, then PASS or FAIL.
build() {
    local label=$1 out; shift
    out=$("$@" 2>&1) && { printf '%s\nPASS build/%s\n' "$out" "$label"; return 0; }
    printf '%s\n' "$out"
    echo "FAIL build/$label: '$*' failed: $(grep -m 1 -E 'error|FAIL' <<<"$out" | cut -c1-300) (all of it in $log)"
    return 1
}

builds="release asan"
[ $quick = 1 ] && builds=release
build_ok=1
for b in $builds; do
    run_suite "build/$b" build "$b" make --no-print-directory -j"$jobs" BUILD=$b all unit-bins || build_ok=0
done
run_suite build/guests build guests scripts/build-guests.sh tests
[ $quick = 1 ] || run_suite edge-check scripts/edge-check.sh

# The suites that need ../shared (the official test suites kept beside the clone).
shared_suites=" spec "
have_shared=1
[ -d "$root/../shared" ] || have_shared=0

if [ $build_ok = 1 ]; then
    export IFRIT_ROOT=$root IFRIT_RELEASE=$root/build/release IFRIT_ASAN=$root/build/asan
    export IFRIT_GUESTS=$root/build/guests SPEC_DIR=$(cd "$root/../shared/wasm-spec-tests" 2>/dev/null && pwd)
    # The unit binaries run $jobs at a time (each alone is quick; a few,
    # bcrypt's under ASan, take seconds); they are tallied in order after.
    units=$(mktemp -d)
    n=0
    for b in $builds; do
        for src in tests/unit/*/test_*.c; do
            rel=${src#tests/unit/}; rel=${rel%.c}
            t=build/$b/tests/$rel
            n=$((n + 1))
            echo "unit/$b/$rel" > "$units/$n.name"
            if [ ! -x "$t" ]; then
                echo "FAIL unit/$b/$rel: the build did not produce $t" > "$units/$n.out"
                echo "0 0" > "$units/$n.rc"
                continue
            fi
            while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
            ( s=$(date +%s); "$t" > "$units/$n.out" 2>&1; echo "$? $(( $(date +%s) - s ))" > "$units/$n.rc" ) &
        done
    done
    wait
    for i in $(seq 1 $n); do
        name=$(cat "$units/$i.name"); out=$(cat "$units/$i.out")
        read -r rc took < "$units/$i.rc"
        printf '### %s\n%s\n' "$name" "$out" >> "$log"
        tally_program "$name" "$rc" "$out" $(( $(date +%s) - took ))
    done
    rm -rf "$units"
    if [ $quick = 1 ]; then
        e2e_release() {
            python3 tests/e2e/run.py --binary "$IFRIT_RELEASE/ifrit" --label release ||
                echo "FAIL e2e/release: tests/e2e/run.py exited with status $?"
        }
        run_suite e2e e2e_release
    else
        for s in tests/*/suite.sh; do
            name=$(basename "$(dirname "$s")")
            if [ ! -x "$s" ]; then
                run_suite "$name" echo "FAIL $name: $s is not executable (chmod +x $s), so it did not run"
            elif [[ "$shared_suites" == *" $name "* ]] && [ $have_shared = 0 ] && [ "${CI:-}" != true ]; then
                line="SKIP $name: no ../shared beside this clone; the official suites come from ../shared (wasm-spec-tests: github.com/WebAssembly/testsuite); in CI (CI=true) they always run"
                echo "$line" >> "$log"
                printf '%-40s %4d passed, %d failed, %d skipped\n' "$name" 0 0 1
                tally_skip "$name" "${line#SKIP }" || total_fail=$((total_fail + 1))
            else
                run_suite "$name" "$s"
            fi
        done
    fi
fi

echo "full log: $log"
tally_reasons
tally_unused_allows
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ $total_fail -eq 0 ]
