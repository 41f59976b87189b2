#!/usr/bin/env bash
# Adversarial tests: what an attacker would try (hostile clients, guests,
# plugins, modules, configs and upstreams), each case kept from the day it
# was found. The same runner and library as tests/e2e (run.py, ifrit_e2e.py),
# against the release build and the ASan+UBSan build; every test has a
# bound on its own time. Prints PASS/FAIL/SKIP lines (see tests/run.sh).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=${IFRIT_ROOT:-$(cd "$here/../.." && pwd)}
export IFRIT_ROOT=$root
status=0
jobs=${E2E_JOBS:-$(( $(nproc 2>/dev/null || echo 2) * 2 ))}
for pair in "release:${IFRIT_RELEASE:-$root/build/release}" "asan:${IFRIT_ASAN:-$root/build/asan}"; do
    label=${pair%%:*}
    bin=${pair#*:}/ifrit
    if [ ! -x "$bin" ]; then
        echo "FAIL adversarial/$label: no binary at $bin"
        status=1
        continue
    fi
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} timeout 900 python3 "$root/tests/e2e/run.py" \
        --tests-dir "$here" --binary "$bin" --label "adversarial/$label" --jobs "$jobs" "$@" ||
        { rc=$?; echo "FAIL adversarial/$label: tests/e2e/run.py exited with status $rc, so some results are missing"; status=1; }
done
exit $status
