#!/usr/bin/env bash
# runner_test.sh - proves the test runner's guard rails fail when they should:
# tests/run.sh counts a program that exits 0 without its "# summary:" line, or
# that crashes after printing one, as failed; lib.sh counts a failure outside
# any test (a set-up); a sanitizer report left in
# ES_SANITIZER_REPORTS fails the test that ran when it appeared; ES_RUN_ONLY
# runs only the matching tests; ES_RUN_WRAPPER runs each program through that
# command; and a suite that needs ../shared fails instead of skipping when
# ES_REQUIRE_SHARED=1 (as CI runs it).
source "$(dirname "$0")/lib.sh"
# The runner runs this file; this file runs the runner (with ES_RUN_SCRIPTS=0).
# Never let a runner that ignores that variable recurse into it.
if [ -n "${ES_IN_RUNNER_TEST:-}" ]; then
    echo "# summary: 0 passed, 0 failed, 1 skipped"
    exit 0
fi
export ES_IN_RUNNER_TEST=1
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/es-runner-test.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT

# A fake build tree holding the given programs (name=shell body), printed.
fake_tree() {
    local d prog
    d=$(mktemp -d "$SCRATCH/tree.XXXXXX")
    mkdir -p "$d/tests/fake"
    for prog in "$@"; do
        printf '#!/bin/sh\n%s\n' "${prog#*=}" >"$d/tests/fake/${prog%%=*}_test"
        chmod +x "$d/tests/fake/${prog%%=*}_test"
    done
    echo "$d"
}
OK='ok=echo "# summary: 2 passed, 0 failed, 0 skipped"'

t_good_programs_pass() {
    local d out
    d=$(fake_tree "$OK")
    out=$(ES_RUN_SCRIPTS=0 "$ES_ROOT/tests/run.sh" "$d" 2>&1)
    check "run.sh exits 0 for a passing program" test $? = 0
    check_eq "closing line" "$(tail -n 1 <<<"$out")" "2 passed, 0 failed"
}
t_silent_exit_zero_fails() {
    local d out rc
    d=$(fake_tree "$OK" 'silent=exit 0')
    out=$(ES_RUN_SCRIPTS=0 "$ES_ROOT/tests/run.sh" "$d" 2>&1)
    rc=$?
    check_eq "closing line" "$(tail -n 1 <<<"$out")" "2 passed, 1 failed"
    check "run.sh exits non-zero" test "$rc" != 0
    check "the silent program is named" grep -q 'silent_test.*without printing' <<<"$out"
}
t_crash_after_summary_fails() {
    local d out
    d=$(fake_tree 'crash=echo "# summary: 1 passed, 0 failed, 0 skipped"; exit 3')
    out=$(ES_RUN_SCRIPTS=0 "$ES_ROOT/tests/run.sh" "$d" 2>&1)
    check_eq "closing line" "$(tail -n 1 <<<"$out")" "1 passed, 1 failed"
}
t_wrapper() { # make test-arm64: each program run through qemu
    local d out
    d=$(fake_tree 'wrapped=[ "$ES_WRAPPED" = 1 ] && echo "# summary: 3 passed, 0 failed, 0 skipped"')
    out=$(ES_RUN_SCRIPTS=0 ES_RUN_WRAPPER="env ES_WRAPPED=1" "$ES_ROOT/tests/run.sh" "$d" 2>&1)
    check "run.sh exits 0 when the wrapped program passes" test $? = 0
    check_eq "closing line: the wrapper ran the program" "$(tail -n 1 <<<"$out")" "3 passed, 0 failed"
    out=$(ES_RUN_SCRIPTS=0 "$ES_ROOT/tests/run.sh" "$d" 2>&1)
    check_eq "without it: run directly" "$(tail -n 1 <<<"$out")" "0 passed, 1 failed"
}
t_sanitizer_report_fails() {
    local d out reports=$SCRATCH/reports
    mkdir -p "$reports"
    # passes, exit status 0, but a process it started left a report (as a worker under an e2e script)
    d=$(fake_tree "$OK" "racy=echo 'WARNING: ThreadSanitizer: data race' >$reports/tsan.42; ${OK#ok=}")
    out=$(ES_RUN_SCRIPTS=0 ES_SANITIZER_REPORTS=$reports "$ES_ROOT/tests/run.sh" "$d" 2>&1)
    check "run.sh exits non-zero" test $? != 0
    check_eq "closing line" "$(tail -n 1 <<<"$out")" "4 passed, 1 failed"
    check "the racy program is named" grep -q 'racy_test (exit 66)' <<<"$out"
    check "its report is shown" grep -q 'WARNING: ThreadSanitizer: data race' <<<"$out"
    check "the report is taken away" test -z "$(ls "$reports")"
}
t_run_only_selects() {
    local d out
    d=$(fake_tree "$OK" 'other=exit 1')
    out=$(ES_RUN_SCRIPTS=0 ES_RUN_ONLY='/ok_test$' "$ES_ROOT/tests/run.sh" "$d" 2>&1)
    check "run.sh exits 0: the failing program did not run" test $? = 0
    check_eq "closing line" "$(tail -n 1 <<<"$out")" "2 passed, 0 failed"
}
t_required_shared_fails() {
    local t=$ES_BUILD/tests/aws/sigv4/suite_test out
    if [ ! -x "$t" ]; then es_fail "missing $t (build first)"; return; fi
    out=$(env -u ES_REQUIRE_SHARED ES_SHARED_DIR=/nonexistent/shared "$t" 2>&1)
    check "without ES_REQUIRE_SHARED a missing ../shared skips" test $? = 0
    check "…and says so" grep -q '^# summary: .* 0 failed, [1-9][0-9]* skipped' <<<"$out"
    out=$(ES_SHARED_DIR=/nonexistent/shared ES_REQUIRE_SHARED=1 "$t" 2>&1)
    check "with ES_REQUIRE_SHARED=1 a missing ../shared fails" test $? != 0
    check "…naming ES_REQUIRE_SHARED" grep -q 'ES_REQUIRE_SHARED=1' <<<"$out"
}

# A failure outside any test (a set-up before, between or after the es_run
# calls) counts too, as one failure.
t_failure_outside_a_test_counts() {
    local out where
    for where in before between after; do
        out=$(bash -c 'source "$1"; t_ok() { :; }
            [ "$2" = before ] && es_fail "setup failed"
            es_run t_ok
            [ "$2" = between ] && es_fail "setup failed" && es_fail "again"
            es_run t_ok
            [ "$2" = after ] && es_fail "setup failed"
            es_finish' _ "$ES_ROOT/tests/harness/lib.sh" "$where" 2>&1)
        check "$where: es_finish exits non-zero" test $? != 0
        check "$where: names it" grep -q "^FAIL (outside any test)" <<<"$out"
        check_eq "$where: summary" "$(tail -n 1 <<<"$out")" "# summary: 2 passed, 1 failed, 0 skipped"
    done
}

es_run t_failure_outside_a_test_counts
es_run t_good_programs_pass
es_run t_silent_exit_zero_fails
es_run t_crash_after_summary_fails
es_run t_wrapper
es_run t_sanitizer_report_fails
es_run t_run_only_selects
es_run t_required_shared_fails
es_finish
