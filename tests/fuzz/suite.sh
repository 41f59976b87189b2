#!/usr/bin/env bash
# Every seed input of every fuzz target once, under ASan and UBSan
# (tests/fuzz/run.sh --replay): an input a fuzzer once found (regress-*)
# fails `make test` if its bug comes back. `make fuzz` is the long run.
# Prints PASS/FAIL lines (see tests/run.sh).
exec "$(dirname "$0")/run.sh" --replay
