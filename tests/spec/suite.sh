#!/usr/bin/env bash
# The official WebAssembly spec tests: each script in $SPEC_DIR is converted
# with wast2json into a temporary directory and run by tools/spec_run (release
# build). One PASS/FAIL line per script, SKIP for SIMD scripts, then a summary
# of modules and assertions.
set -u
root=${IFRIT_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${IFRIT_RELEASE:-$root/build/release}
runner=$build/tools/spec_run
spec=${SPEC_DIR:-$root/../shared/wasm-spec-tests}
if [ ! -x "$runner" ]; then echo "FAIL spec: $runner not built"; exit 1; fi
if ! command -v wast2json >/dev/null; then echo "SKIP spec: wast2json not installed"; exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
scripts=0 modules=0 passed=0 failed=0 skipped=0 simd=0
for wast in "$spec"/*.wast; do
    name=$(basename "$wast" .wast)
    case $name in simd_*) echo "SKIP spec/$name: SIMD is not supported yet"; simd=$((simd + 1)); continue ;; esac
    mkdir -p "$tmp/$name"
    if ! wast2json --enable-all "$wast" -o "$tmp/$name/$name.json" 2>"$tmp/$name/err"; then
        if ! wast2json "$wast" -o "$tmp/$name/$name.json" 2>"$tmp/$name/err"; then
            echo "FAIL spec/$name: wast2json: $(head -c 200 "$tmp/$name/err")"; failed=$((failed + 1)); continue
        fi
    fi
    out=$(cd "$tmp/$name" && timeout 120 "$runner" "$tmp/$name/$name.json" 2>&1)
    rc=$?
    grep -E '^(PASS|FAIL) ' <<<"$out" | head -n 1
    if [ $rc -ne 0 ] && ! grep -q '^FAIL ' <<<"$out"; then
        echo "FAIL spec/$name: runner exited with status $rc: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
    fi
    counts=$(grep '^COUNTS ' <<<"$out")
    scripts=$((scripts + 1))
    for kv in $counts; do
        case $kv in
            modules=*) modules=$((modules + ${kv#*=})) ;;
            passed=*) passed=$((passed + ${kv#*=})) ;;
            failed=*) failed=$((failed + ${kv#*=})) ;;
            skipped=*) skipped=$((skipped + ${kv#*=})) ;;
        esac
    done
    rm -rf "${tmp:?}/$name"
done
echo "spec summary: $scripts scripts ($simd SIMD scripts skipped), $modules modules, assertions: $passed passed, $failed failed, $skipped skipped"
