#!/usr/bin/env bash
# The official WebAssembly spec tests: each script in $SPEC_DIR is converted
# with wast2json into a temporary directory and run by tools/spec_run of the
# release build and of the ASan+UBSan build (a few seconds more: conversion
# is most of the time). $IFRIT_ASAN names that build, as tests/run.sh sets
# it (its runner missing is a failure then); by hand the ASan runner runs
# when build/asan has it. One PASS/FAIL/SKIP line per script and build
# (spec/<name>, spec/asan/<name>), then a summary of modules and assertions
# per build. Then the same for the WebAssembly 3.0 scripts ($SPEC3_DIR,
# default wasm-spec-tests-3.0 beside $SPEC_DIR): spec3/<name>,
# spec3/asan/<name>; a script needing a proposal the engine refuses is a
# SKIP naming it (tests/skips-allowed.txt lists those allowed in CI).
# Every runner runs every script twice: with the interpreter, then with the
# compiler (IFRIT_ENGINE=compiler; lines spec/compiler/<name>,
# spec/asan/compiler/<name>; docs/engine.md, Compiler; a compiler run's
# summary says how many of the modules' functions got machine code). The
# SIMD scripts run once more on the release build, both engines, with
# IFRIT_SIMD=portable (spec/portable-simd/<name>,
# spec/portable-simd/compiler/<name>): the SSE4.1 forms and the portable C
# both.
#
# First the runner's own check: every assertion of tests/spec/strict/ is
# wrong on purpose (a missing export, a wrong trap text or kind, a module
# refused for another reason, a link error for a trap, an unreadable file),
# and the runner must fail each one.
set -u
root=${IFRIT_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
release=${IFRIT_RELEASE:-$root/build/release}
asan=${IFRIT_ASAN:-$root/build/asan}
asan_given=${IFRIT_ASAN:+yes}
spec=${SPEC_DIR:-$root/../shared/wasm-spec-tests}
runners=("$release/tools/spec_run" "$release/tools/spec_run")
labels=(spec spec/compiler)
engines=(interpreter compiler)
if [ ! -x "${runners[0]}" ]; then echo "FAIL spec: ${runners[0]} not built"; exit 1; fi
if [ -x "$asan/tools/spec_run" ]; then
    runners+=("$asan/tools/spec_run" "$asan/tools/spec_run"); labels+=(spec/asan spec/asan/compiler)
    engines+=(interpreter compiler)
elif [ -n "$asan_given" ]; then
    echo "FAIL spec/asan: $asan/tools/spec_run not built (IFRIT_ASAN names that build)"
fi
if ! command -v wast2json >/dev/null; then echo "FAIL spec: wast2json (wabt) not installed"; exit 1; fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sanitizer='==[0-9]+==ERROR: [A-Za-z]+Sanitizer|SUMMARY: [A-Za-z]+Sanitizer|runtime error: '

# convert WAST DIR: DIR/NAME.json from WAST; prints a FAIL line if it cannot.
convert() {
    local wast=$1 dir=$2 name
    name=$(basename "$wast" .wast)
    mkdir -p "$dir"
    wast2json --enable-all "$wast" -o "$dir/$name.json" 2>"$dir/err" ||
        wast2json "$wast" -o "$dir/$name.json" 2>"$dir/err" ||
        { echo "FAIL spec/$name: wast2json: $(head -c 200 "$dir/err")"; return 1; }
}

# --- the runner's own check -------------------------------------------------
for script in "$root"/tests/spec/strict/*.wast "$root"/tests/spec/strict/*.json; do
    [ -e "$script" ] || continue
    name=$(basename "${script%.*}")
    dir=$tmp/strict/$name
    case $script in
    *.wast) convert "$script" "$dir" || continue ;;
    *) mkdir -p "$dir"; cp "$script" "$dir/"; printf '\0asm\1\0\0\0' > "$dir/empty.wasm" ;;   # a JSON script may load the empty module
    esac
    json=$dir/$name.json
    want=$(grep -o '"type": *"assert_[a-z_]*"' "$json" | wc -l)
    for i in "${!runners[@]}"; do
        out=$(cd "$dir" && IFRIT_ENGINE=${engines[$i]} timeout 120 "${runners[$i]}" "$json" 2>&1)
        counts=$(grep '^COUNTS ' <<<"$out")
        label="${labels[$i]}/strict/$name"
        if grep -qE "$sanitizer" <<<"$out"; then
            echo "FAIL $label: sanitizer report: $(grep -m 1 -E "$sanitizer" <<<"$out")"
        elif [[ "$counts" == *" passed=0 failed=$want "* ]]; then
            echo "PASS $label"
        else
            echo "FAIL $label: the runner must fail all $want assertions; it says: $counts $(grep -m 1 '^FAIL' <<<"$out" | cut -c1-300)"
        fi
    done
done

# --- the official scripts ---------------------------------------------------
# run_suite DIR PREFIX: every script of DIR, lines PREFIX/<name> and
# PREFIX/asan/<name>; a script the runner skips (it needs a proposal the
# engine refuses, named in its SKIP line) counts as a skipped script.
run_suite() {
    local spec_dir=$1 prefix=$2 wast name dir i l out rc line kv fn e pl scripts=0 simd=0
    local -A modules passed failed skipped skipped_scripts funcs compiled
    for i in "${!runners[@]}"; do
        l=$prefix${labels[$i]#spec}
        modules[$l]=0 passed[$l]=0 failed[$l]=0 skipped[$l]=0 skipped_scripts[$l]=0 funcs[$l]=0 compiled[$l]=0
    done
    for wast in "$spec_dir"/*.wast; do
        name=$(basename "$wast" .wast)
        case $name in simd_*) simd=$((simd + 1)) ;; esac
        dir=$tmp/$prefix/$name
        convert "$wast" "$dir" || continue
        scripts=$((scripts + 1))
        for i in "${!runners[@]}"; do
            l=$prefix${labels[$i]#spec}
            out=$(cd "$dir" && IFRIT_ENGINE=${engines[$i]} timeout 120 "${runners[$i]}" "$dir/$name.json" 2>&1)
            rc=$?
            line=$(grep -m 1 -E '^(PASS|FAIL|SKIP) ' <<<"$out")
            if grep -qE "$sanitizer" <<<"$out"; then
                echo "FAIL $l/$name: sanitizer report: $(grep -m 1 -E "$sanitizer" <<<"$out" | cut -c1-300)"
            elif [ $rc -ne 0 ] && [[ "$line" != FAIL* ]]; then
                echo "FAIL $l/$name: runner exited with status $rc: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
            else
                [[ "$line" == SKIP* ]] && skipped_scripts[$l]=$((skipped_scripts[$l] + 1))
                echo "$line" | sed "s#^\(PASS\|FAIL\|SKIP\) spec/#\1 $l/#"
            fi
            for kv in $(grep '^COUNTS ' <<<"$out"); do
                case $kv in
                    modules=*) modules[$l]=$((modules[$l] + ${kv#*=})) ;;
                    passed=*) passed[$l]=$((passed[$l] + ${kv#*=})) ;;
                    failed=*) failed[$l]=$((failed[$l] + ${kv#*=})) ;;
                    skipped=*) skipped[$l]=$((skipped[$l] + ${kv#*=})) ;;
                    funcs=*) funcs[$l]=$((funcs[$l] + ${kv#*=})) ;;
                    compiled=*) compiled[$l]=$((compiled[$l] + ${kv#*=})) ;;
                esac
            done
        done
        # A SIMD script once more on the release build, interpreter and
        # compiler, with the portable C of every instruction
        # (IFRIT_SIMD=portable): the runs above took the SSE4.1 forms where
        # the CPU has them (src/wasm/simd_sse.h; the compiler's inline
        # SSE4.1 forms too). Lines PREFIX/portable-simd/<name> and
        # PREFIX/portable-simd/compiler/<name>.
        if [[ $name == simd_* ]]; then
            for e in interpreter compiler; do
                pl=$prefix/portable-simd
                [ $e = compiler ] && pl=$pl/compiler
                out=$(cd "$dir" && IFRIT_SIMD=portable IFRIT_ENGINE=$e timeout 120 "${runners[0]}" "$dir/$name.json" 2>&1)
                rc=$?
                line=$(grep -m 1 -E '^(PASS|FAIL|SKIP) ' <<<"$out")
                if [ $rc -ne 0 ] && [[ "$line" != FAIL* ]]; then
                    echo "FAIL $pl/$name: runner exited with status $rc: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
                else
                    echo "$line" | sed "s#^\(PASS\|FAIL\|SKIP\) spec/#\1 $pl/#"
                fi
            done
        fi
        rm -rf "${dir:?}"
    done
    for i in "${!runners[@]}"; do
        l=$prefix${labels[$i]#spec}
        fn=""
        [ "${engines[$i]}" = compiler ] && fn=", functions: ${compiled[$l]} of ${funcs[$l]} compiled"
        echo "$l summary: $scripts scripts ($simd of them SIMD, ${skipped_scripts[$l]} skipped), ${modules[$l]} modules, assertions: ${passed[$l]} passed, ${failed[$l]} failed, ${skipped[$l]} skipped$fn"
    done
}

# The 2.0 suite ($SPEC_DIR) and the 3.0 one beside it ($SPEC3_DIR; its
# README lists what each script covers), side by side (each runner is one
# thread: two cores run both at once); their lines come out one suite
# after the other.
run_suite "$spec" spec > "$tmp/spec2.out" 2>&1 &
spec3=${SPEC3_DIR:-$(dirname "$spec")/wasm-spec-tests-3.0}
if [ -d "$spec3" ]; then run_suite "$spec3" spec3 > "$tmp/spec3.out" 2>&1 &
else echo "FAIL spec3: $spec3 not found (the WebAssembly 3.0 scripts, beside $spec)" > "$tmp/spec3.out"; fi
wait
cat "$tmp/spec2.out" "$tmp/spec3.out"
