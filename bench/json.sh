#!/usr/bin/env bash
# Section "json": the JSON reader (src/base/json_read.c) on the largest JSON
# ifrit reads, wast2json output of the spec tests, against V8's JSON.parse
# on the same files in the same run. Throughput in MB/s, in-process.
set -u
. "$(dirname "$0")/lib.sh"
out=$BENCH_OUT/json
spec=${SPEC_DIR:-$BENCH_ROOT/../shared/wasm-spec-tests}
bench_section "json: JSON reader throughput on wast2json output, vs node JSON.parse"
bench_have wast2json || { bench_na "json" "wast2json not installed (wabt)"; exit 0; }
[ -d "$spec" ] || { bench_na "json" "no spec tests at $spec (set SPEC_DIR)"; exit 0; }
mkdir -p "$out"
tool=$BENCH_TOOLS_OUT/tools/bench_json
if ! make --no-print-directory -s BUILD=release OUT="$BENCH_TOOLS_OUT" "$tool" >"$out/bench_json.build.log" 2>&1; then
    bench_na "json" "tests/tools/bench_json does not build (see $out/bench_json.build.log)"; exit 0
fi
files=()
for name in float_exprs conversions i64; do
    [ -f "$spec/$name.wast" ] || continue
    [ "$out/$name.json" -nt "$spec/$name.wast" ] || wast2json "$spec/$name.wast" -o "$out/$name.json" >/dev/null 2>&1 || continue
    files+=("$out/$name.json")
done
[ ${#files[@]} -gt 0 ] || { bench_na "json" "wast2json produced no files"; exit 0; }
[ "$BENCH_QUICK" = 1 ] && export BENCH_JSON_SECONDS=${BENCH_JSON_SECONDS:-0.3}
declare -A node_mbs
if bench_have node; then
    while read -r _ f _ mbs; do node_mbs[$f]=$mbs; done < <(node --no-warnings bench/json-node.mjs "${files[@]}")
fi
printf '%-20s %10s %12s %12s %10s\n' file bytes "ifrit MB/s" "node MB/s" ifrit/node
"$tool" "${files[@]}" | while read -r _ f bytes mbs _; do
    printf '%-20s %10s %12s %12s %10s\n' "$(basename "$f")" "$bytes" "$mbs" "${node_mbs[$f]:-n/a}" \
        "$(bench_ratio "$mbs" "${node_mbs[$f]:-}")"
done
