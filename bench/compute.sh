#!/usr/bin/env bash
# Section "compute" (issue 3): the kernels of bench/compute/ as whole
# processes, natively (gcc -O2), on ifrit's engine (`ifrit wasm run`, from
# clang-19 -O2 --target=wasm32-wasi) with the interpreter (`--engine
# interpreter`, the engine column) and with the compiler (`--engine
# compiler`, its compile time included: issue 23), and on node's V8
# (node:wasi). Prints each time (best of BENCH_RUNS), the ratios
# engine/native, compiler/native and engine/node, whether the checksums
# agree, and the geometric means of engine/native and compiler/native over
# all kernels (or "k of N kernels" and which ones failed: never a mean that
# quietly leaves one out), then what compiling each module costs (load time
# per engine, MB/s of code section, machine code size: bench_compile). Every runtime runs pinned to core
# BENCH_SERVER_CPU, so a multi-threaded one (node's V8 compiles in the
# background) gets the one core the others get. Then the in-process
# instantiate-and-run loop of a hello-world module.
set -u
. "$(dirname "$0")/lib.sh"
src=$BENCH_ROOT/bench/compute
out=$BENCH_OUT/compute
mkdir -p "$out/native" "$out/wasm" "$out/runs"
CLANG=${CLANG:-clang-19}

# name, default size (in the kernel), size for BENCH_QUICK=1
kernels="fib:41:32 sieve:5:1 matmul:1100:300 hash:72:8 quicksort:5:1 json:130:15 coremix:6000:600"

bench_section "compute (issue 3): whole process, best of $BENCH_RUNS, seconds, each runtime on core $BENCH_SERVER_CPU"
bench_have taskset || { bench_na "compute" "taskset not installed (make deps)"; exit 0; }
pin=(taskset -c "$BENCH_SERVER_CPU")

# build SRC OUT CMD...: runs CMD when SRC or kernel.h is newer than OUT.
build() {
    local src_file=$1 target=$2; shift 2
    [ "$target" -nt "$src_file" ] && [ "$target" -nt "$src/kernel.h" ] && return 0
    "$@" 2>"$target.build.log"
}

have_wasm=1 wasm_reason=""
bench_have "$CLANG" || { have_wasm=0; wasm_reason="$CLANG not installed"; }
for k in $kernels hello:0:0; do
    name=${k%%:*}
    build "$src/$name.c" "$out/native/$name" gcc -std=c17 -O2 -Wall -Wextra -Werror \
        "$src/$name.c" -o "$out/native/$name" || { echo "build failed: $name (native), see $out/native/$name.build.log"; exit 1; }
    if [ $have_wasm = 1 ] && ! build "$src/$name.c" "$out/wasm/$name.wasm" "$CLANG" --target=wasm32-wasi -O2 \
            -Wall -Wextra -Werror "$src/$name.c" -o "$out/wasm/$name.wasm"; then
        have_wasm=0; wasm_reason="wasm32-wasi build failed: $(head -c 200 "$out/wasm/$name.wasm.build.log")"
    fi
done

# Which runtimes can run at all: each must print "hello" for the hello kernel.
engine_reason="" node_reason=""
if [ $have_wasm = 0 ]; then
    engine_reason=$wasm_reason; node_reason=$wasm_reason
else
    if [ ! -x "$IFRIT" ]; then engine_reason="no $IFRIT: run make first"
    elif ! got=$(timeout 10 "$IFRIT" wasm run "$out/wasm/hello.wasm" 2>&1) || [ "$got" != hello ]; then
        engine_reason="ifrit wasm run cannot run hello.wasm yet: $(head -n 1 <<<"$got" | cut -c1-120)"
    fi
    if ! bench_have node; then node_reason="node not installed"
    elif [ "$(node --no-warnings "$src/run-node.mjs" "$out/wasm/hello.wasm" 2>&1)" != hello ]; then
        node_reason="node:wasi cannot run hello.wasm"
    fi
fi
[ -n "$engine_reason" ] && bench_na "engine" "$engine_reason"
[ -n "$node_reason" ] && bench_na "node" "$node_reason"

printf '%-10s %8s %8s %8s %8s %14s %16s %12s  %s\n' kernel native engine compiler node engine/native \
    compiler/native engine/node checksums
ratios=() missing=() total=0 cratios=() cmissing=()
for k in $kernels; do
    IFS=: read -r name _ quick <<<"$k"
    args=()
    [ "$BENCH_QUICK" = 1 ] && args=("$quick")
    t_native=$(bench_best_time "$out/runs/$name.native" "${pin[@]}" "$out/native/$name" "${args[@]}")
    want=$(cat "$out/runs/$name.native")
    t_engine="" t_comp="" t_node="" sums="native"
    if [ -z "$engine_reason" ]; then
        t_engine=$(bench_best_time "$out/runs/$name.engine" timeout "${BENCH_ENGINE_TIMEOUT:-600}" \
                   "${pin[@]}" "$IFRIT" wasm run --engine interpreter "$out/wasm/$name.wasm" "${args[@]}") || t_engine="failed"
        if [ "$t_engine" = failed ]; then sums+=" engine:FAILED($(head -c 80 "$out/runs/$name.engine.err"))"
        elif [ "$(cat "$out/runs/$name.engine")" != "$want" ]; then sums+=" engine:MISMATCH"; t_engine="wrong"
        else sums+="=engine"; fi
        t_comp=$(bench_best_time "$out/runs/$name.compiler" timeout "${BENCH_ENGINE_TIMEOUT:-600}" \
                 "${pin[@]}" "$IFRIT" wasm run --engine compiler "$out/wasm/$name.wasm" "${args[@]}") || t_comp="failed"
        if [ "$t_comp" = failed ]; then sums+=" compiler:FAILED($(head -c 80 "$out/runs/$name.compiler.err"))"
        elif [ "$(cat "$out/runs/$name.compiler")" != "$want" ]; then sums+=" compiler:MISMATCH"; t_comp="wrong"
        else sums+="=compiler"; fi
    fi
    if [ -z "$node_reason" ]; then
        t_node=$(bench_best_time "$out/runs/$name.node" "${pin[@]}" node --no-warnings "$src/run-node.mjs" \
                 "$out/wasm/$name.wasm" "${args[@]}") || t_node="failed"
        if [ "$t_node" = failed ]; then sums+=" node:FAILED"
        elif [ "$(cat "$out/runs/$name.node")" != "$want" ]; then sums+=" node:MISMATCH"; t_node="wrong"
        else sums+="=node"; fi
    fi
    r_native=$(bench_ratio "$t_engine" "$t_native")
    r_node=$(bench_ratio "$t_engine" "$t_node")
    total=$((total + 1))
    if [ "$r_native" = n/a ]; then
        case $t_native/$t_engine in
            /*) missing+=("$name (native failed)") ;;
            */failed) missing+=("$name (engine failed)") ;;
            */wrong) missing+=("$name (engine output differs)") ;;
            *) missing+=("$name (no ratio)") ;;
        esac
    else
        ratios+=("$r_native")
    fi
    r_comp=$(bench_ratio "$t_comp" "$t_native")
    if [ "$r_comp" = n/a ]; then cmissing+=("$name (${t_comp:-not run})")
    else cratios+=("$r_comp"); fi
    printf '%-10s %8s %8s %8s %8s %14s %16s %12s  %s\n' "$name" "${t_native:-failed}" "${t_engine:-n/a}" \
        "${t_comp:-n/a}" "${t_node:-n/a}" "$r_native" "$r_comp" "$r_node" "$sums"
done
if [ -z "$engine_reason" ] && [ ${#missing[@]} -eq 0 ]; then
    echo "geometric mean engine/native over all $total kernels: $(bench_geomean "${ratios[@]}")  (issue 3 target: at most 12)"
elif [ -z "$engine_reason" ]; then
    echo "geometric mean engine/native: n/a: ${#ratios[@]} of $total kernels ran and matched; not: ${missing[*]}"
else
    bench_na "geomean engine/native" "no engine timings"
fi
if [ -z "$engine_reason" ] && [ ${#cmissing[@]} -eq 0 ]; then
    echo "geometric mean compiler/native over all $total kernels: $(bench_geomean "${cratios[@]}")  (issue 23 target: at most 2.0)"
elif [ -z "$engine_reason" ]; then
    echo "geometric mean compiler/native: n/a: ${#cratios[@]} of $total kernels ran and matched; not: ${cmissing[*]}"
fi
# What compiling costs: per module, load time with each engine, the
# difference as MB/s of code section, machine code and offset table sizes
# (tests/tools/bench_compile).
ctool=$BENCH_TOOLS_OUT/tools/bench_compile
if [ -n "$engine_reason" ]; then
    bench_na "compile" "$engine_reason"
elif ! make -C "$BENCH_ROOT" --no-print-directory -s BUILD=release OUT="$BENCH_TOOLS_OUT" "$ctool" \
        >"$out/bench_compile.build.log" 2>&1; then
    bench_na "compile" "tests/tools/bench_compile does not build (see $out/bench_compile.build.log)"
else
    for k in $kernels; do
        name=${k%%:*}
        printf '%-10s %s\n' "$name" "$("$ctool" "$out/wasm/$name.wasm" 2>&1 | head -n 1)"
    done
fi
# In-process loop: load hello.wasm once, then instantiate + run _start.
tool=$BENCH_TOOLS_OUT/tools/bench_instantiate
if [ $have_wasm = 0 ]; then
    bench_na "instantiate+run" "$wasm_reason"
elif ! make -C "$BENCH_ROOT" --no-print-directory -s BUILD=release OUT="$BENCH_TOOLS_OUT" "$tool" \
        >"$out/bench_instantiate.build.log" 2>&1; then
    bench_na "instantiate+run" "tests/tools/bench_instantiate does not build yet (see $out/bench_instantiate.build.log)"
elif [ -n "$engine_reason" ]; then
    bench_na "instantiate+run" "$engine_reason"
else
    "$tool" "$out/wasm/hello.wasm" || bench_na "instantiate+run" "bench_instantiate failed"
fi
