#!/usr/bin/env bash
# Proves that every layer below server/ builds for wasm32-wasi with nothing
# but wasi-libc: each layer's files must compile, the whole core must link
# into one module with every symbol kept, and that module may import only
# WASI preview1 functions other than sockets. Prints PASS/FAIL per layer.
# EDGE_CHECK_OUT (default build/edge-check) is where objects go;
# WASM_OBJDUMP (default wasm-objdump, from wabt) reads their imports.
set -u
cd "$(dirname "$0")/.."
CLANG=${CLANG:-clang-19}
OBJDUMP=${WASM_OBJDUMP:-wasm-objdump}
out=${EDGE_CHECK_OUT:-build/edge-check}
rm -rf "$out"; mkdir -p "$out"
make --no-print-directory gen >/dev/null || { echo "FAIL edge-check/gen: build/gen/blowfish_pi.h"; exit 1; }
flags="--target=wasm32-wasi -std=c17 -Wall -Wextra -Werror -D_GNU_SOURCE -Isrc -Ibuild/gen -O1"
objs=()
status=0
for layer in base wasm wasi http config route fn plugin; do
    files=(src/$layer/*.c)
    [ -e "${files[0]}" ] || { echo "FAIL edge-check/$layer: src/$layer has no .c files"; status=1; continue; }
    ok=1
    for f in "${files[@]}"; do
        o=$out/${f//\//_}.o
        if ! $CLANG $flags -c "$f" -o "$o" 2>"$o.err"; then
            ok=0; echo "FAIL edge-check/$layer: $f does not build for wasm32-wasi:"; sed 's/^/    /' "$o.err" | head -n 10
        fi
        objs+=("$o")
    done
    [ $ok = 1 ] && echo "PASS edge-check/$layer" || status=1
done
[ $status = 0 ] || exit 1
# One module with every symbol exported, so every reference must resolve.
if ! $CLANG --target=wasm32-wasi -mexec-model=reactor -Wl,--export-all -Wl,--no-gc-sections \
        "${objs[@]}" -o "$out/core.wasm" 2>"$out/link.err"; then
    echo "FAIL edge-check/link: the core needs something wasi-libc does not have:"
    sed 's/^/    /' "$out/link.err" | head -n 20
    exit 1
fi
echo "PASS edge-check/link"
# Native-only calls a core object may not reference (undefined symbols of a
# relocatable wasm object show up as imports from "env").
deny='^(socket|connect|bind|listen|accept4?|send|sendto|sendmsg|recv|recvfrom|recvmsg|getaddrinfo|pthread_.*|epoll_.*|fork|execv.*|dlopen|SSL_.*|nghttp2_.*|deflate.*|inflate.*|ZSTD_.*|Brotli.*|crypt|crypt_r)$'
if ! command -v "$OBJDUMP" >/dev/null; then
    echo "FAIL edge-check/imports: $OBJDUMP (wabt) not installed, so the imports were not read"
    exit 1
fi
bad=""
for o in "${objs[@]}"; do
    if ! dump=$("$OBJDUMP" -x -j Import "$o" 2>&1); then
        echo "FAIL edge-check/imports: $OBJDUMP cannot read $o: $(head -n 1 <<<"$dump")"
        exit 1
    fi
    syms=$(sed -n 's/.*<- env\.\([A-Za-z0-9_]*\).*/\1/p' <<<"$dump" | grep -E "$deny")
    [ -n "$syms" ] && bad+="$o: $(echo $syms)"$'\n'
done
if [ -n "$bad" ]; then
    echo "FAIL edge-check/imports: the core calls native-only functions:"
    printf '%s' "$bad" | sed 's/^/    /'
    exit 1
fi
echo "PASS edge-check/imports"
