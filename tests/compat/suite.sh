#!/usr/bin/env bash
# The differential suite: each case's Caddyfile and requests against Caddy
# (Debian's caddy package) and the release build of ifrit; see
# tests/compat/README.md. Prints PASS/FAIL/SKIP lines (tests/run.sh) and
# `compat: N cases, M requests, L log files compared, K matched, D documented differences`.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=${IFRIT_ROOT:-$(cd "$here/../.." && pwd)}
export IFRIT_ROOT=$root
bin=${IFRIT_RELEASE:-$root/build/release}/ifrit
if [ ! -x "$bin" ]; then
    echo "FAIL compat: no binary at $bin"
    exit 1
fi
timeout 600 python3 "$here/run.py" --binary "$bin" "$@" ||
    { rc=$?; echo "FAIL compat: tests/compat/run.py exited with status $rc, so some results are missing"; exit 1; }
