#!/usr/bin/env bash
# Builds every libFuzzer target tests/fuzz/fuzz_*.c against the core layers
# with clang (-fsanitize=fuzzer,address,undefined) and runs each for
# FUZZ_SECONDS (default 60) on its corpus tests/fuzz/corpus/NAME/.
# New inputs found are kept in build/fuzz/corpus/NAME, not in the repo.
# FUZZ_ONLY=tests/fuzz/fuzz_caddyfile.c runs only the targets named.
set -u
cd "$(dirname "$0")/../.."
CLANG=${CLANG:-clang-19}
secs=${FUZZ_SECONDS:-60}
out=build/fuzz
mkdir -p "$out"
srcs=$(ls src/{base,wasm,wasi,http,config,route,fn,plugin}/*.c 2>/dev/null)
make --no-print-directory gen >/dev/null || exit 1   # build/gen/blowfish_pi.h
flags="-std=c17 -D_GNU_SOURCE -Isrc -Ibuild/gen -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
status=0
for t in ${FUZZ_ONLY:-tests/fuzz/fuzz_*.c}; do
    [ -e "$t" ] || continue
    name=$(basename "${t%.c}")
    # shellcheck disable=SC2086
    if ! $CLANG $flags "$t" $srcs -lm -o "$out/$name" 2>"$out/$name.build.log"; then
        echo "FAIL fuzz/$name: does not build"; head -n 20 "$out/$name.build.log"; status=1; continue
    fi
    mkdir -p "$out/corpus/$name"
    seeds=tests/fuzz/corpus/$name
    [ -d "$seeds" ] || seeds=
    if "$out/$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
            "$out/corpus/$name" $seeds >"$out/$name.log" 2>&1; then
        echo "PASS fuzz/$name: $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$out/$name.log" | grep -o '[0-9]*$') runs in ${secs}s"
    else
        echo "FAIL fuzz/$name: crash, see $out/$name.log"; grep -m5 -E 'ERROR|SUMMARY' "$out/$name.log"; status=1
    fi
done
exit $status
