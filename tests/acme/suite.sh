#!/usr/bin/env bash
# The ACME client against pebble (tests/acme/test_acme.py), with the
# release and the ASan+UBSan builds of tests/tools/acme_get. Prints
# PASS/FAIL/SKIP lines (see tests/run.sh).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=${IFRIT_ROOT:-$(cd "$here/../.." && pwd)}
status=0
for pair in "release:${IFRIT_RELEASE:-$root/build/release}" "asan:${IFRIT_ASAN:-$root/build/asan}"; do
    label=${pair%%:*}
    tool=${pair#*:}/tools/acme_get
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} timeout 900 python3 "$here/test_acme.py" "$tool" "$label" || status=1
done
exit $status
