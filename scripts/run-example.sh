#!/usr/bin/env bash
# Starts ifrit on examples/Caddyfile and prints the URLs to open (`make run`).
# IFRIT_PORT picks another port than 8080 for HTTP, IFRIT_HTTPS_PORT another
# than 8443 for HTTPS.
set -euo pipefail
ifrit=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$(dirname "$0")/../examples"
port=${IFRIT_PORT:-8080}
https_port=${IFRIT_HTTPS_PORT:-8443}
export IFRIT_PORT=$port IFRIT_HTTPS_PORT=$https_port
for p in "$port:IFRIT_PORT=8081" "$https_port:IFRIT_HTTPS_PORT=8444"; do
    if (exec 3<>/dev/tcp/127.0.0.1/"${p%%:*}") 2>/dev/null; then
        echo "run: port ${p%%:*} is already in use; try: ${p#*:} make run" >&2
        exit 1
    fi
done
data=${XDG_DATA_HOME:-$HOME/.local/share}/ifrit
echo "ifrit: serving examples/Caddyfile at http://localhost:$port/ and https://localhost:$https_port/ (Ctrl-C to stop)"
echo "ifrit: HTTPS uses ifrit's local CA: ifrit trust installs its root, or curl --cacert $data/pki/authorities/local/root.crt"
exec "$ifrit" run --config Caddyfile
