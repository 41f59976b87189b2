#!/usr/bin/env bash
# Section "plugins" (issue 6), a hook until the wasm_plugin directive exists.
# To measure once it does: one route with 0, 1 and 5 no-op plugins and with
# a header-injecting plugin (req/s, p99), and the per-hook-call overhead in
# microseconds from an in-process loop.
set -u
. "$(dirname "$0")/lib.sh"
bench_section "plugins (issue 6): plugin chain overhead"
if why=$(bench_ifrit_accepts $'\twasm_plugin ./noop.wasm\n\trespond "hello"'); then
    bench_na "plugins" "wasm_plugin exists; this measurement is not written yet (docs/benchmarks.md)"
else
    bench_na "plugins" "$why"
fi
