#!/usr/bin/env bash
# Compiles the WebAssembly guests written in this repo with clang for wasm32-wasi.
#   scripts/build-guests.sh tests      tests/guests/*.c   -> build/guests/NAME.wasm (WASI commands)
#                                      tests/plugins/*.c  -> build/plugins/NAME.wasm (plugin modules)
#   scripts/build-guests.sh examples   examples/functions/*.c -> examples/functions/NAME.wasm
# A guest may name extra flags in a first-line comment: `// cflags: -O0 -Wl,-z,stack-size=65536`.
# Rebuilds only what changed, printing `built OUT` for each guest it built
# and `FAIL guest-build/NAME: why` for one that does not build (then exits
# 1). Not a test of its own: tests/run.sh counts the whole as one build step.
set -u
cd "$(dirname "$0")/.."
CLANG=${CLANG:-clang-19}
status=0

build_one() { # kind src out
    local kind=$1 src=$2 out=$3 extra
    [ "$out" -nt "$src" ] && return
    extra=$(sed -n '1s|^// cflags: ||p' "$src")
    local flags=(--target=wasm32-wasi -O2 -Wall -Wextra -Werror)
    if [ "$kind" = plugin ]; then
        flags+=(-mexec-model=reactor -Iinclude)
    fi
    # shellcheck disable=SC2086
    if $CLANG "${flags[@]}" $extra "$src" -o "$out" 2>"$out.err"; then
        rm -f "$out.err"; echo "built $out"
    else
        echo "FAIL guest-build/$(basename "$src"): $(head -c 600 "$out.err")"; status=1
    fi
}

case "${1:-tests}" in
tests)
    mkdir -p build/guests build/plugins
    for f in tests/guests/*.c; do [ -e "$f" ] && build_one command "$f" "build/guests/$(basename "${f%.c}").wasm"; done
    for f in tests/plugins/*.c; do [ -e "$f" ] && build_one plugin "$f" "build/plugins/$(basename "${f%.c}").wasm"; done
    ;;
examples)
    for f in examples/functions/*.c; do [ -e "$f" ] && build_one command "$f" "${f%.c}.wasm"; done
    ;;
*) echo "usage: $0 tests|examples" >&2; exit 2 ;;
esac
exit $status
