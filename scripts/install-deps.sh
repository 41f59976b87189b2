#!/usr/bin/env bash
# Installs what building, running and testing ifrit needs on Debian 12.
# Idempotent and quiet when everything is already there. apt-get and npm only.
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --run    only what `make run` needs
set -euo pipefail

build_pkgs=(make gcc clang-19 lld-19 libclang-rt-19-dev libclang-rt-19-dev-wasm32 wasi-libc
            libssl-dev libnghttp2-dev zlib1g-dev libzstd-dev libcrypt-dev libcurl4-openssl-dev
            libsqlite3-dev libhiredis-dev libpq-dev pkg-config rustc libstd-rust-dev-wasm32)
test_pkgs=(curl python3 zstd wabt nginx-light caddy wrk nghttp2-client openssl nodejs npm pebble testssl.sh
           python3-h2 php-fpm universal-ctags redis-server postgresql)

want=("${build_pkgs[@]}")
[ "${1:-}" = "--run" ] || want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
    # node from another repository counts: only ask apt for what is absent.
    if [ "$p" = nodejs ] && command -v node >/dev/null; then continue; fi
    if [ "$p" = npm ] && command -v npm >/dev/null; then continue; fi
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # Debian starts these as services on install; tests start their own.
    for svc in nginx caddy php8.2-fpm redis-server postgresql; do
        if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then
            $sudo systemctl stop "$svc" || true
            $sudo systemctl disable "$svc" >/dev/null 2>&1 || true
        fi
    done
fi

# workerd for the edge tests and benchmark, pinned by edge/package-lock.json,
# installed into edge/node_modules (never globally).
edge_dir="$(dirname "$0")/../edge"
if [ "${1:-}" != "--run" ] && [ ! -x "$edge_dir/node_modules/.bin/workerd" ]; then
    echo "install-deps: installing workerd (npm, into edge/node_modules)"
    # `npm install` honours the lock file; `npm ci` in npm 11 refuses this one
    # because workerd's other-platform optional packages are absent from it.
    (cd "$edge_dir" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi

# The guest toolchains and programs of the functions and plugin tests and
# benchmark (AssemblyScript with its WASI shim, esbuild's wasip1 build, jco
# and componentize-js for plugin components), pinned by
# tests/guests/npm/package-lock.json, installed into its node_modules.
guests_npm="$(dirname "$0")/../tests/guests/npm"
if [ "${1:-}" != "--run" ] && { [ ! -x "$guests_npm/node_modules/.bin/asc" ] ||
        [ ! -x "$guests_npm/node_modules/.bin/jco" ]; }; then
    echo "install-deps: installing the guests' npm packages (into tests/guests/npm/node_modules)"
    (cd "$guests_npm" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
