"""Tail calls from C through `ifrit wasm run` (issue 22): tests/guests/
tailcall.c is built with clang-19 -mtail-call, so its musttail calls are
return_call and return_call_indirect. Its 10^7 transitions go far past the
engine's default call depth (10000 frames): the guest finishes only
because every tail call reuses its caller's frame, under either engine."""
import os
import subprocess

from ifrit_e2e import GUESTS, built, check

EXPECTED = b"10000000 transitions, checksum 479956\n"   # the same program built natively


def run(binary, *args):
    return subprocess.run([binary, "wasm", "run"] + list(args) + [built(os.path.join(GUESTS, "tailcall.wasm"))],
                          capture_output=True, timeout=120)


def test_wasm_tail_calls_from_c_run_in_constant_stack(binary):
    r = run(binary)
    check(r.returncode == 0 and r.stdout == EXPECTED, r)


def test_wasm_tail_calls_from_c_under_the_compiler(binary):
    r = run(binary, "--engine", "compiler")
    check(r.returncode == 0 and r.stdout == EXPECTED, r)
