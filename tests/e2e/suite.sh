#!/usr/bin/env bash
# End-to-end tests: the real ifrit binary on 127.0.0.1, driven by
# tests/e2e/run.py, once for the release build and once for the ASan+UBSan
# build. Prints PASS/FAIL/SKIP lines (see tests/run.sh).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=${IFRIT_ROOT:-$(cd "$here/../.." && pwd)}
export IFRIT_ROOT=$root
status=0
for pair in "release:${IFRIT_RELEASE:-$root/build/release}" "asan:${IFRIT_ASAN:-$root/build/asan}"; do
    label=${pair%%:*}
    bin=${pair#*:}/ifrit
    if [ ! -x "$bin" ]; then
        echo "SKIP e2e/$label: no binary at $bin"
        continue
    fi
    # ASan must not fail the run on the server's exit for a leak it cannot
    # attribute; real leaks still print a report into the server log.
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} timeout 900 python3 "$here/run.py" --binary "$bin" --label "$label" "$@" || status=1
done
exit $status
