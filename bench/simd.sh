#!/usr/bin/env bash
# Section "simd" (issue 22): the kernels of bench/simd/ (a memchr-like byte
# search, 16-bit dot products, a base64 encoder), plain C that compilers
# vectorise, as whole processes: natively (gcc -O3, whose auto-vectorisation
# uses SSE2), and built twice for wasm32-wasi with clang-19 -O2, without and
# with -msimd128, each run on ifrit's engine with the interpreter (`ifrit
# wasm run --engine interpreter`) and with the compiler (`--engine
# compiler`, the comp columns: its compile time included) and on node's V8
# (node:wasi). Prints the best of BENCH_RUNS in seconds, the ratios
# engine/native, engine/node and scalar/SIMD per runtime (above 1: the SIMD
# build is faster), and whether all seven checksums agree. Every runtime
# runs pinned to core BENCH_SERVER_CPU.
set -u
. "$(dirname "$0")/lib.sh"
src=$BENCH_ROOT/bench/simd
out=$BENCH_OUT/simd
mkdir -p "$out/native" "$out/wasm" "$out/runs"
CLANG=${CLANG:-clang-19}
node_runner=$BENCH_ROOT/bench/compute/run-node.mjs

# name, default size (in the kernel), size for BENCH_QUICK=1
kernels="memchr:40:4 dot:100:10 base64:8:1"

bench_section "simd (issue 22): whole process, best of $BENCH_RUNS, seconds, each runtime on core $BENCH_SERVER_CPU"
bench_have taskset || { bench_na "simd" "taskset not installed (make deps)"; exit 0; }
bench_have "$CLANG" || { bench_na "simd" "$CLANG not installed"; exit 0; }
pin=(taskset -c "$BENCH_SERVER_CPU")
flags=(-Wall -Wextra -Werror -I"$BENCH_ROOT/bench/compute")

# build SRC OUT CMD...: runs CMD when SRC or kernel.h is newer than OUT.
build() {
    local src_file=$1 target=$2; shift 2
    [ "$target" -nt "$src_file" ] && [ "$target" -nt "$BENCH_ROOT/bench/compute/kernel.h" ] && return 0
    "$@" 2>"$target.build.log" || { echo "build failed: $target, see $target.build.log"; exit 1; }
}
for k in $kernels; do
    name=${k%%:*}
    build "$src/$name.c" "$out/native/$name" gcc -std=c17 -O3 "${flags[@]}" "$src/$name.c" -o "$out/native/$name"
    build "$src/$name.c" "$out/wasm/$name.wasm" "$CLANG" --target=wasm32-wasi -O2 "${flags[@]}" \
        "$src/$name.c" -o "$out/wasm/$name.wasm"
    build "$src/$name.c" "$out/wasm/$name-simd.wasm" "$CLANG" --target=wasm32-wasi -O2 -msimd128 "${flags[@]}" \
        "$src/$name.c" -o "$out/wasm/$name-simd.wasm"
done
engine_ok=1 node_ok=1
[ -x "$IFRIT" ] || { engine_ok=0; bench_na "engine" "no $IFRIT: run make first"; }
bench_have node || { node_ok=0; bench_na "node" "node not installed"; }

# run NAME.RUNTIME CMD...: the best time, or "failed"/"wrong" (checksum
# differs from native's, in $want).
run() {
    local tag=$1 t; shift
    t=$(bench_best_time "$out/runs/$tag" timeout "${BENCH_ENGINE_TIMEOUT:-600}" "${pin[@]}" "$@") || { echo failed; return; }
    [ "$(cat "$out/runs/$tag")" = "$want" ] && echo "$t" || echo wrong
}

printf '%-8s %7s %7s %7s %7s %9s %7s %7s %13s %12s %13s %14s %13s %14s %14s  %s\n' kernel native engine eng-simd \
    comp comp-simd node node-simd engine/native simd/native csimd/native simd:eng/node simd-gain:eng simd-gain:comp \
    simd-gain:node checksums
for k in $kernels; do
    IFS=: read -r name _ quick <<<"$k"
    args=()
    [ "$BENCH_QUICK" = 1 ] && args=("$quick")
    t_native=$(bench_best_time "$out/runs/$name.native" "${pin[@]}" "$out/native/$name" "${args[@]}") || t_native=failed
    want=$(cat "$out/runs/$name.native")
    e="" es="" c="" cs="" n="" ns=""
    if [ $engine_ok = 1 ]; then
        e=$(run "$name.engine" "$IFRIT" wasm run --engine interpreter "$out/wasm/$name.wasm" "${args[@]}")
        es=$(run "$name.engine-simd" "$IFRIT" wasm run --engine interpreter "$out/wasm/$name-simd.wasm" "${args[@]}")
        c=$(run "$name.comp" "$IFRIT" wasm run --engine compiler "$out/wasm/$name.wasm" "${args[@]}")
        cs=$(run "$name.comp-simd" "$IFRIT" wasm run --engine compiler "$out/wasm/$name-simd.wasm" "${args[@]}")
    fi
    if [ $node_ok = 1 ]; then
        n=$(run "$name.node" node --no-warnings "$node_runner" "$out/wasm/$name.wasm" "${args[@]}")
        ns=$(run "$name.node-simd" node --no-warnings "$node_runner" "$out/wasm/$name-simd.wasm" "${args[@]}")
    fi
    sums="agree"
    for t in "$e" "$es" "$c" "$cs" "$n" "$ns"; do case $t in failed|wrong) sums="differ or failed (see $out/runs)" ;; esac; done
    printf '%-8s %7s %7s %7s %7s %9s %7s %7s %13s %12s %13s %14s %13s %14s %14s  %s\n' "$name" "$t_native" \
        "${e:-n/a}" "${es:-n/a}" "${c:-n/a}" "${cs:-n/a}" "${n:-n/a}" "${ns:-n/a}" \
        "$(bench_ratio "$e" "$t_native")" "$(bench_ratio "$es" "$t_native")" "$(bench_ratio "$cs" "$t_native")" \
        "$(bench_ratio "$es" "$ns")" "$(bench_ratio "$e" "$es")" "$(bench_ratio "$c" "$cs")" "$(bench_ratio "$n" "$ns")" \
        "$sums"
done
echo "engine/native, simd/native: the interpreter's time for the scalar and the SIMD build over native's;" \
     "csimd/native: the compiler's for the SIMD build; simd:eng/node: interpreter over node, SIMD builds;" \
     "simd-gain: the scalar build's time over the SIMD build's on that runtime"
