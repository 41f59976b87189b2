#!/usr/bin/env bash
# Section "edge" (issue 7), a hook until `make edge` produces a bundle.
# To measure once it does: wrk against workerd serving a plain JavaScript
# "hello" worker (the floor), the edge bundle's respond route and a function
# route; req/s and bundle/plain-worker ratios; the bundle size.
set -u
. "$(dirname "$0")/lib.sh"
bench_section "edge (issue 7): the edge bundle in workerd"
if ! grep -q '^edge:' Makefile; then
    bench_na "edge" "no 'make edge' target yet"
elif [ -z "$(ls src/edge 2>/dev/null)" ]; then
    bench_na "edge" "src/edge is empty: no edge entry point yet"
else
    bench_na "edge" "the edge build exists; this measurement is not written yet (docs/benchmarks.md)"
fi
