#!/usr/bin/env bash
# Compiles the WebAssembly guests written in this repo with clang for wasm32-wasi.
#   scripts/build-guests.sh tests      tests/guests/*.c   -> build/guests/NAME.wasm (WASI commands)
#                                      tests/guests/rust/*.rs -> build/guests/NAME.wasm (Debian's rustc, std only)
#                                      tests/guests/wasi-conformance.rs -> build/guests/wasi-conformance-rs.wasm
#                                      tests/guests/as/*.ts -> build/guests/NAME.wasm (AssemblyScript and its
#                                        WASI shim from tests/guests/npm, which scripts/install-deps.sh installs)
#                                      tests/plugins/*.c  -> build/plugins/NAME.wasm (plugin modules)
#   scripts/build-guests.sh examples   examples/functions/*.c -> examples/functions/NAME.wasm
# A guest may name extra flags in a first-line comment: `// cflags: -O0 -Wl,-z,stack-size=65536`.
# Rebuilds only what changed, printing `built OUT` for each guest it built
# and `FAIL guest-build/NAME: why` for one that does not build (then exits
# 1). Not a test of its own: tests/run.sh counts the whole as one build step.
set -u
cd "$(dirname "$0")/.."
CLANG=${CLANG:-clang-19}
# Debian's rustc (the rustc and libstd-rust-dev-wasm32 packages), not a
# rustup toolchain that may come first on PATH.
RUSTC=${RUSTC:-/usr/bin/rustc}
NPM_DIR=tests/guests/npm
status=0

fail() { # src errfile
    echo "FAIL guest-build/$(basename "$1"): $(head -c 600 "$2")"; status=1
}

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
        fail "$src" "$out.err"
    fi
}

# Rust keeps its name section (function names for traps and profiles).
build_rust() { # src out
    local src=$1 out=$2
    [ "$out" -nt "$src" ] && return
    local crate
    crate=$(basename "${out%.wasm}" | tr - _)   # a crate name has no '-'
    if "$RUSTC" --target wasm32-wasi -O -C strip=debuginfo --crate-name "$crate" "$src" -o "$out" 2>"$out.err"; then
        rm -f "$out.err"; echo "built $out"
    else
        fail "$src" "$out.err"
    fi
}

# asc reads the shim's config relative to the directory it runs in.
build_as() { # src out
    local src=$1 out=$2
    [ "$out" -nt "$src" ] && return
    if (cd "$NPM_DIR" && ./node_modules/.bin/asc "../../../$src" -O \
            --config ./node_modules/@assemblyscript/wasi-shim/asconfig.json -o "../../../$out") 2>"$out.err"; then
        rm -f "$out.err"; echo "built $out"
    else
        fail "$src" "$out.err"
    fi
}

case "${1:-tests}" in
tests)
    mkdir -p build/guests build/plugins
    for f in tests/guests/*.c; do [ -e "$f" ] && build_one command "$f" "build/guests/$(basename "${f%.c}").wasm"; done
    for f in tests/guests/rust/*.rs; do [ -e "$f" ] && build_rust "$f" "build/guests/$(basename "${f%.rs}").wasm"; done
    build_rust tests/guests/wasi-conformance.rs build/guests/wasi-conformance-rs.wasm
    for f in tests/guests/as/*.ts; do [ -e "$f" ] && build_as "$f" "build/guests/$(basename "${f%.ts}").wasm"; done
    for f in tests/plugins/*.c; do [ -e "$f" ] && build_one plugin "$f" "build/plugins/$(basename "${f%.c}").wasm"; done
    ;;
examples)
    for f in examples/functions/*.c; do [ -e "$f" ] && build_one command "$f" "${f%.c}.wasm"; done
    ;;
*) echo "usage: $0 tests|examples" >&2; exit 2 ;;
esac
exit $status
