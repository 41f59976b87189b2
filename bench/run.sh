#!/usr/bin/env bash
# `make bench`: every benchmark section in turn. Not a test: nothing here
# passes or fails on a figure; each section prints its figures and ratios
# against peers measured in the same run, or "n/a (reason)" for what does
# not exist yet. See docs/benchmarks.md.
#   BENCH_SECTIONS="http compute"   run only these sections
#   BENCH_SKIP="http"               skip these sections
#   BENCH_QUICK=1                   small sizes, short runs (trying the harness)
set -u
cd "$(dirname "$0")/.."
all="http https http2 compute simd json functions proxy plugins edge"
sections=${BENCH_SECTIONS:-$all}
skip=" ${BENCH_SKIP:-} "

echo "ifrit benchmarks: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo '+dirty')," \
     "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo "Figures vary with machine load; compare ratios from the same run, not figures across runs."
status=0
for s in $sections; do
    case " $all " in *" $s "*) ;; *) echo "unknown section '$s' (known: $all)"; status=2; continue ;; esac
    if [[ "$skip" == *" $s "* ]]; then
        printf '\n== %s\nskipped (BENCH_SKIP)\n' "$s"
        continue
    fi
    # A section that breaks is reported, and the others still run.
    bash "bench/$s.sh" || echo "section $s stopped with status $?"
done
exit $status
