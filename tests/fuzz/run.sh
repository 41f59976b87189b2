#!/usr/bin/env bash
# The libFuzzer targets tests/fuzz/fuzz_*.c, linked against the core layers,
# src/tls, src/acme and src/server (with OpenSSL, libcurl and nghttp2) built once by `make BUILD=fuzz` (clang,
# -fsanitize=fuzzer,address,undefined) into FUZZ_OUT (default build/fuzz).
#   tests/fuzz/run.sh            `make fuzz`: each target for FUZZ_SECONDS
#                                (default 60) on its seed corpus
#                                tests/fuzz/corpus/NAME/; new inputs found are
#                                kept in FUZZ_OUT/corpus/NAME, not in the repo.
#   tests/fuzz/run.sh --replay   `make test` and `make fuzz-replay`: every seed
#                                input of every target once, under the
#                                sanitizers, so an input that once broke a
#                                target (the regress-* ones) fails again if
#                                the bug comes back.
# FUZZ_ONLY=tests/fuzz/fuzz_caddyfile.c runs only the targets named.
# Prints PASS/FAIL per target.
set -u
cd "$(dirname "$0")/../.." || exit 1
CLANG=${CLANG:-clang-19}
secs=${FUZZ_SECONDS:-60}
out=${FUZZ_OUT:-build/fuzz}
replay=0
case ${1:-} in
--replay) replay=1 ;;
"") ;;
*) echo "usage: tests/fuzz/run.sh [--replay]" >&2; exit 2 ;;
esac
mode=fuzz; [ $replay = 1 ] && mode=fuzz-replay
mkdir -p "$out"
jobs=$(nproc 2>/dev/null || echo 2)
if ! make --no-print-directory -j"$jobs" BUILD=fuzz CC="$CLANG" OUT="$out" "$out/libifrit-core.a" "$out/libifrit-tls.a" \
        "$out/libifrit-acme.a" "$out/libifrit-server.a" >"$out/core.build.log" 2>&1; then
    echo "FAIL $mode/core: the core does not build for fuzzing: $(grep -m 1 error "$out/core.build.log")"
    exit 1
fi
libs=$(make --no-print-directory -s print-ldlibs)
flags="-std=c17 -D_GNU_SOURCE -Isrc -Ibuild/gen -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
# Sources a target needs besides its own file.
target_helpers() {
    case $1 in
    fuzz_jit_diff) echo tests/fuzz/wasm_gen.c ;;
    esac
}
# build_target T: compiles and links one target (its log: FUZZ_OUT/NAME.build.log).
build_target() {
    local name helpers
    name=$(basename "${1%.c}")
    helpers=$(target_helpers "$name")
    rm -f "$out/$name"
    # Every target links the server library too (fuzz_h2 drives a worker; the
    # others take only what they use from it).
    # shellcheck disable=SC2086
    $CLANG $flags "$1" $helpers "$out/libifrit-server.a" "$out/libifrit-acme.a" "$out/libifrit-tls.a" "$out/libifrit-core.a" \
        $libs -o "$out/$name" 2>"$out/$name.build.log"
}
# The targets build a core's worth of jobs at a time (each is one compile
# and a big link), then run one after the other.
for t in ${FUZZ_ONLY:-tests/fuzz/fuzz_*.c}; do
    [ -e "$t" ] || continue
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
    build_target "$t" &
done
wait
status=0
for t in ${FUZZ_ONLY:-tests/fuzz/fuzz_*.c}; do
    [ -e "$t" ] || continue
    name=$(basename "${t%.c}")
    if [ ! -x "$out/$name" ]; then
        echo "FAIL $mode/$name: does not build: $(head -n 3 "$out/$name.build.log" | tr '\n' ' ')"; status=1; continue
    fi
    seeds=tests/fuzz/corpus/$name
    if [ $replay = 1 ]; then
        inputs=("$seeds"/*)
        if [ ! -e "${inputs[0]}" ]; then
            echo "FAIL $mode/$name: no seed inputs in $seeds"; status=1; continue
        fi
        # Files as arguments: libFuzzer runs each once and stops at the first crash.
        if "$out/$name" -timeout=10 -rss_limit_mb=2048 "${inputs[@]}" >"$out/$name.replay.log" 2>&1; then
            ran=$(grep -c '^Executed ' "$out/$name.replay.log")
            if [ "$ran" = "${#inputs[@]}" ]; then
                echo "PASS $mode/$name: ${#inputs[@]} seed inputs"
            else
                echo "FAIL $mode/$name: ran $ran of ${#inputs[@]} seed inputs, see $out/$name.replay.log"; status=1
            fi
        else
            echo "FAIL $mode/$name: $(grep '^Running: ' "$out/$name.replay.log" | tail -n 1 | cut -c10-) breaks it:" \
                "$(grep -m 1 'SUMMARY' "$out/$name.replay.log") (see $out/$name.replay.log)"
            status=1
        fi
        continue
    fi
    mkdir -p "$out/corpus/$name"
    [ -d "$seeds" ] || seeds=
    if "$out/$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
            "$out/corpus/$name" $seeds >"$out/$name.log" 2>&1; then
        echo "PASS fuzz/$name: $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$out/$name.log" | grep -o '[0-9]*$') runs in ${secs}s"
    else
        echo "FAIL fuzz/$name: crash, see $out/$name.log"; grep -m5 -E 'ERROR|SUMMARY' "$out/$name.log"; status=1
    fi
done
exit $status
