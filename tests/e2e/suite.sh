#!/usr/bin/env bash
# End-to-end tests: the real ifrit binary on 127.0.0.1, driven by
# tests/e2e/run.py, once for the release build and once for the ASan+UBSan
# build. Prints PASS/FAIL/SKIP lines (see tests/run.sh).
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
        echo "FAIL e2e/$label: no binary at $bin"
        status=1
        continue
    fi
    # Leak checks on: a report in a server's log, or its non-zero exit,
    # fails the test that ran it (ifrit_e2e.Server).
    # run.py exits non-zero only when it crashed or timed out: some results are missing.
    # The case files run once more over HTTP/2 (README: "The same cases over
    # HTTP/2"), under the label $label-h2. Files and modules run E2E_JOBS at a
    # time (default twice the cores: most of a test's time is spent waiting).
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} timeout 1200 python3 "$here/run.py" --binary "$bin" --label "$label" \
        --h2-label "$label-h2" --jobs "$jobs" "$@" ||
        { rc=$?; echo "FAIL e2e/$label: tests/e2e/run.py exited with status $rc, so some results are missing"; status=1; }
done
exit $status
