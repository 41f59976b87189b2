"""The library itself (ifrit_e2e.Server): a server that ends badly when a
`with Server` block closes fails the test. Uses fake_server.py in place of
ifrit, so the outcome is chosen, not hoped for; the binary is not used."""
import os

from ifrit_e2e import E2EError, Server, check

FAKE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake_server.py")
CONFIG = ":@PORT@ {\n\trespond hi\n}\n"


def _outcome(env, **kw):
    """None when the with block ends quietly, else the E2EError's text."""
    try:
        with Server(FAKE, CONFIG, env=env, **kw):
            pass
    except E2EError as e:
        return str(e)
    return None


def test_harness_clean_exit_passes(_binary):
    got = _outcome({"FAKE_EXIT": "0"})
    check(got is None, got)


def test_harness_nonzero_exit_at_stop_fails(_binary):
    got = _outcome({"FAKE_EXIT": "1"})
    check(got is not None and "exit status 1, expected 0" in got, got)


def test_harness_sanitizer_report_at_stop_fails(_binary):
    report = "==4242==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010"
    got = _outcome({"FAKE_EXIT": "0", "FAKE_REPORT": report})
    check(got is not None and "heap-use-after-free" in got, got)
    ubsan = "src/http/x.c:12:5: runtime error: signed integer overflow"
    got = _outcome({"FAKE_EXIT": "0", "FAKE_REPORT": ubsan})
    check(got is not None and "signed integer overflow" in got, got)


def test_harness_expected_exit_status_is_kept(_binary):
    got = _outcome({"FAKE_EXIT": "3"}, expect_exit=3)
    check(got is None, got)


def test_harness_failed_test_keeps_its_reason(_binary):
    try:
        with Server(FAKE, CONFIG, env={"FAKE_EXIT": "1"}):
            raise AssertionError("the test's own reason")
    except AssertionError as e:
        check(str(e).startswith("the test's own reason") and "exit status 1" in str(e), str(e))
        return
    raise E2EError("the test's failure was lost")
