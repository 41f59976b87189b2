#!/usr/bin/env bash
# Starts ifrit on examples/Caddyfile and prints the URL to open (`make run`).
# IFRIT_PORT picks another port than 8080.
set -euo pipefail
ifrit=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$(dirname "$0")/../examples"
port=${IFRIT_PORT:-8080}
export IFRIT_PORT=$port
if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then
    echo "run: port $port is already in use; try: IFRIT_PORT=8081 make run" >&2
    exit 1
fi
echo "ifrit: serving examples/Caddyfile at http://localhost:$port/ (Ctrl-C to stop)"
exec "$ifrit" run --config Caddyfile
