#!/usr/bin/env bash
# Compiles the WebAssembly guests written in this repo with clang for wasm32-wasi.
#   scripts/build-guests.sh tests      tests/guests/*.c   -> build/guests/NAME.wasm (WASI commands)
#                                      tests/guests/rust/*.rs -> build/guests/NAME.wasm (Debian's rustc, std only)
#                                      tests/guests/wasi-conformance.rs -> build/guests/wasi-conformance-rs.wasm
#                                      tests/guests/as/*.ts -> build/guests/NAME.wasm (AssemblyScript and its
#                                        WASI shim from tests/guests/npm, which scripts/install-deps.sh installs)
#                                      tests/plugins/*.c  -> build/plugins/NAME.wasm (plugin modules)
#                                      tests/plugins/components/ -> build/plugins/*.component.wasm (Dwaar
#                                        plugin components: C wrapped by jco's wasm-tools, JavaScript by
#                                        componentize-js, both from tests/guests/npm)
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

# A Dwaar plugin component: a core module in C (no libc) wrapped for a WIT
# world, or JavaScript through componentize-js.
build_component() { # src wit out [cflags, or for JavaScript: wasi]
    local src=$1 wit=$2 out=$3 dir=tests/plugins/components
    [ "$out" -nt "$src" ] && [ "$out" -nt "$wit" ] && return
    local ok
    if [ "${src##*.}" = js ]; then
        node "$dir/componentize.mjs" "$NPM_DIR" "$src" "$wit" "$out" ${4:-} >"$out.err" 2>&1 && ok=1
    else
        # shellcheck disable=SC2086
        $CLANG --target=wasm32 -O2 -Wall -Wextra -Werror -nostdlib -Wl,--no-entry ${4:-} "$src" -o "$out.core" \
            2>"$out.err" && node "$dir/wrap.mjs" "$NPM_DIR" "$out.core" "$wit" "$out" 2>>"$out.err" && ok=1
        rm -f "$out.core"
    fi
    if [ -n "${ok:-}" ]; then rm -f "$out.err"; echo "built $out"; else fail "$src" "$out.err"; fi
}

# The same with wasi-libc and the preview1 adapter: a component importing
# WASI preview2 (gate_libc.c includes gate.c).
build_component_libc() { # src wit out
    local src=$1 wit=$2 out=$3 dir=tests/plugins/components
    [ "$out" -nt "$src" ] && [ "$out" -nt "$wit" ] && [ "$out" -nt "$dir/gate.c" ] && return
    if $CLANG --target=wasm32-wasi -O2 -Wall -Wextra -Werror -mexec-model=reactor "$src" -o "$out.core" 2>"$out.err" &&
        node "$dir/wrap.mjs" "$NPM_DIR" "$out.core" "$wit" "$out" adapter 2>>"$out.err"; then
        rm -f "$out.err" "$out.core"; echo "built $out"
    else
        rm -f "$out.core"; fail "$src" "$out.err"
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
    c=tests/plugins/components
    build_component $c/gate.c $c/dwaar.wit build/plugins/gate.component.wasm
    build_component $c/gate.c $c/dwaar-headers.wit build/plugins/gate_headers.component.wasm -DWITH_HEADERS
    build_component $c/gate.js $c/dwaar.wit build/plugins/gate_js.component.wasm
    build_component $c/gate.js $c/dwaar.wit build/plugins/gate_js_wasi.component.wasm wasi
    build_component_libc $c/gate_libc.c $c/dwaar.wit build/plugins/gate_libc.component.wasm
    ;;
examples)
    for f in examples/functions/*.c; do [ -e "$f" ] && build_one command "$f" "${f%.c}.wasm"; done
    ;;
*) echo "usage: $0 tests|examples" >&2; exit 2 ;;
esac
exit $status
