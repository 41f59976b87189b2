#!/usr/bin/env bash
# Section "proxy" (issue 5), a hook until reverse_proxy exists.
# To measure once it does: ifrit, nginx and caddy each proxying (one worker,
# keep-alive upstream) to the same nginx upstream serving a small response
# and a 1 MiB file; wrk from the other core; req/s, p99 and the ratios.
set -u
. "$(dirname "$0")/lib.sh"
bench_section "proxy (issue 5): reverse_proxy vs nginx and caddy"
if why=$(bench_ifrit_accepts $'\treverse_proxy 127.0.0.1:9'); then
    bench_na "proxy" "reverse_proxy exists; this measurement is not written yet (docs/benchmarks.md)"
else
    bench_na "proxy" "$why"
fi
