# shellcheck shell=bash
# How tests/run.sh counts what a test program printed (sourced, not run;
# tests/selfcheck/suite.sh checks these rules). A program prints one line
# per case, `PASS name`, `FAIL name: why` or `SKIP name: why`, and besides
# its FAIL lines each of these is one failure:
#   - it exits non-zero and printed no FAIL line (it crashed or gave up);
#   - it printed no PASS and no FAIL line (whatever ran, nothing was checked);
#   - a SKIP line without a reason (`SKIP name: why`);
#   - with CI=true, a SKIP line that the allow list (TALLY_ALLOW, default
#     tests/skips-allowed.txt) does not name: in CI a skip is a failure
#     unless the part truly cannot run there and the list says why.

total_pass=0 total_fail=0 total_skip=0
tally_skip_reasons=""   # one line per counted SKIP: its reason
tally_allow_used=""     # the allow-list globs that matched a SKIP
TALLY_ALLOW=${TALLY_ALLOW:-tests/skips-allowed.txt}

# tally_skip_allowed REST: true when `SKIP REST` is allowed in CI: a line
# `NAME-GLOB | reason` of the allow list whose glob matches REST's name
# (everything before its first ": "), with a reason given.
tally_skip_allowed() {
    local glob why
    [ -r "$TALLY_ALLOW" ] || return 1
    while IFS='|' read -r glob why; do
        glob=${glob#"${glob%%[![:space:]]*}"}; glob=${glob%"${glob##*[![:space:]]}"}
        case $glob in "" | \#*) continue ;; esac
        [ -n "${why// /}" ] || continue
        # shellcheck disable=SC2053  # the glob is a pattern on purpose
        if [[ ${1%%: *} == $glob ]]; then
            tally_allow_used+="$glob"$'\n'
            return 0
        fi
    done < "$TALLY_ALLOW"
    return 1
}

# tally_unused_allows: in CI, a note for each allow-list entry no SKIP
# matched (the part runs now, so the entry should go before it hides a
# new skip of the same name).
tally_unused_allows() {
    local glob why
    [ "${CI:-}" = true ] && [ -r "$TALLY_ALLOW" ] || return 0
    while IFS='|' read -r glob why; do
        glob=${glob#"${glob%%[![:space:]]*}"}; glob=${glob%"${glob##*[![:space:]]}"}
        case $glob in "" | \#*) continue ;; esac
        grep -qxF -- "$glob" <<<"$tally_allow_used" ||
            echo "note: $TALLY_ALLOW: '$glob' matched no SKIP; remove it if that part runs now"
    done < "$TALLY_ALLOW"
}

# tally_skip NAME REST: counts one SKIP line (`SKIP REST`); when it gives
# no reason, or in CI is not allowed, prints the failure it becomes and
# returns 1 (the caller counts it).
tally_skip() {
    local why=${2#*: }
    if [ "$why" = "$2" ] || [ -z "${why// /}" ]; then
        echo "  [$1] FAIL a SKIP without a reason (SKIP name: why): SKIP $2"
        return 1
    fi
    if [ "${CI:-}" = true ] && ! tally_skip_allowed "$2"; then
        echo "  [$1] FAIL a SKIP in CI that $TALLY_ALLOW does not list: $2"
        return 1
    fi
    total_skip=$((total_skip + 1))
    tally_skip_reasons+="${2#*: }"$'\n'
    return 0
}

# tally_program NAME RC OUTPUT [START]: adds one program's lines to the
# totals, prints its failures and a one-line summary. Returns 1 when it
# counted a failure.
tally_program() {
    local name=$1 rc=$2 out=$3 start=${4:-$(date +%s)} p f s=0 line
    p=$(grep -c '^PASS ' <<<"$out")
    f=$(grep -c '^FAIL ' <<<"$out")
    grep '^FAIL ' <<<"$out" | sed "s|^|  [$name] |"
    while IFS= read -r line; do
        if tally_skip "$name" "${line#SKIP }"; then s=$((s + 1)); else f=$((f + 1)); fi
    done < <(grep '^SKIP ' <<<"$out")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
        echo "  [$name] FAIL exit status $rc; last lines:"
        tail -n 5 <<<"$out" | sed 's/^/      /'
    fi
    if [ $((p + f)) -eq 0 ]; then
        f=1
        echo "  [$name] FAIL reported no PASS or FAIL line, so nothing was checked; last lines:"
        tail -n 5 <<<"$out" | sed 's/^/      /'
    fi
    printf '%-40s %4d passed, %d failed, %d skipped (%ds)\n' "$name" "$p" "$f" "$s" $(( $(date +%s) - start ))
    total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
    [ "$f" -eq 0 ]
}

# tally_reasons: the skips counted so far, grouped by reason.
tally_reasons() {
    [ -n "$tally_skip_reasons" ] || return 0
    echo "skipped, by reason:"
    printf '%s' "$tally_skip_reasons" | sort | uniq -c | sort -rn | sed 's/^ */  /'
}
