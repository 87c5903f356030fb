#!/usr/bin/env bash
# run.sh - runs every test of one or more build trees and prints one closing
# line "N passed, N failed". Usage: tests/run.sh BUILD_DIR...
#                                   tests/run.sh --deploy BUILD_DIR
#   unit:        BUILD/tests/*/*_test            (C, no network)
#   shell:       tests/*/*_test.sh               (CLI behaviour; run once, against the first tree)
#   integration: BUILD/tests/*/*_itest and tests/e2e/*_test.sh, with the local
#                S3+SQS emulator started once for the whole run.
#   deploy:      tests/docker/*_test.sh only with --deploy (`make test-deploy`:
#                container image, docker run, compose; minutes of image builds).
# Each program prints "# summary: N passed, N failed, N skipped"; a program that
# crashes, exits non-zero or prints no summary (even with exit status 0) counts
# as one failure. ES_RUN_SCRIPTS=0 runs only the C programs of the trees (the
# runner's own test uses it). ES_RUN_ONLY=REGEX (grep -E) runs only the tests
# whose path matches (`make tsan`: the threaded areas). ES_SANITIZER_REPORTS=DIR:
# the sanitizer writes its reports there (its log_path, set by the caller), so
# a report from a process no test checks the status of (the worker an e2e
# script starts) is seen too: a test after which a report file appears there
# fails, and the report is shown. ES_RUN_WRAPPER is a command that runs each C
# program of the trees (make test-arm64: qemu-aarch64 -L ... for its
# cross-built tree).
set -u
cd "$(dirname "$0")/.."
total_pass=0 total_fail=0 total_skip=0
failed_programs=()

# Moves the sanitizer reports that appeared in ES_SANITIZER_REPORTS into out
# (appended); true when there were any.
take_reports() { # out
    local r found=1
    [ -n "${ES_SANITIZER_REPORTS:-}" ] || return 1
    for r in "$ES_SANITIZER_REPORTS"/*; do
        [ -f "$r" ] || continue
        { echo "sanitizer report ${r##*/}:"; cat "$r"; } >>"$1"
        rm -f "$r"
        found=0
    done
    return $found
}

run_one() { # label, command...
    local label=$1; shift
    local out rc line p f s
    if [ -n "${ES_RUN_ONLY:-}" ] && ! grep -qE -e "$ES_RUN_ONLY" <<<"$label"; then
        return 0
    fi
    out=$(mktemp)
    "$@" >"$out" 2>&1
    rc=$?
    take_reports "$out" && [ "$rc" -eq 0 ] && rc=66 # TSan's exit status for a report
    line=$(grep -E '^# summary: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$out" | tail -n 1)
    if [ -n "$line" ]; then
        read -r p f s < <(echo "$line" | sed -E 's/^# summary: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped.*/\1 \2 \3/')
    else
        p=0 f=1 s=0                                     # no summary: it did not run its tests
        echo "$label: exited $rc without printing its '# summary:' line" >>"$out"
    fi
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # crash or sanitizer report after the summary
    total_pass=$((total_pass + p)); total_fail=$((total_fail + f)); total_skip=$((total_skip + s))
    if [ "$f" -ne 0 ]; then
        failed_programs+=("$label")
        echo "---- $label (exit $rc) ----"; cat "$out"; echo "----"
    else
        printf '%-60s %4d passed %3d skipped\n' "$label" "$p" "$s"
        # Deploy tests say why they skipped (no container engine, ...).
        [ "$show_skips" = 1 ] && [ "$s" -gt 0 ] && grep '^SKIP ' "$out"
    fi
    rm -f "$out"
}

show_skips=0
emulator_started=0
start_emulator() {
    [ "$emulator_started" = 1 ] && return 0
    emulator_started=1
    if ES_TEST_ENDPOINT=$(tests/emulator/start.sh --background); then
        export ES_TEST_ENDPOINT
        echo "emulator: $ES_TEST_ENDPOINT"
    else
        echo "emulator: failed to start; integration tests will fail"
        export ES_TEST_ENDPOINT=
    fi
}
stop_emulator() { [ "$emulator_started" = 1 ] && tests/emulator/start.sh --stop >/dev/null 2>&1; }
trap stop_emulator EXIT

if [ "${1:-}" = --deploy ]; then
    shift
    show_skips=1
    for t in $(ls tests/docker/*_test.sh 2>/dev/null | sort); do
        ES_BUILD="$1" run_one "$t" bash "$t"
    done
    set --
fi

read -r -a wrapper <<<"${ES_RUN_WRAPPER:-}"
first=1
for build in "$@"; do
    echo "== $build"
    for t in $(find "$build/tests" -type f -name '*_test' -perm -u+x 2>/dev/null | sort); do
        run_one "$t" "${wrapper[@]}" "$t"
    done
    if [ "$first" = 1 ] && [ "${ES_RUN_SCRIPTS:-1}" = 1 ]; then
        for t in $(ls tests/*/*_test.sh 2>/dev/null | grep -v -e '^tests/e2e/' -e '^tests/docker/' | sort); do
            ES_BUILD="$build" run_one "$t" bash "$t"
        done
    fi
    itests=$(find "$build/tests" -type f -name '*_itest' -perm -u+x 2>/dev/null | sort)
    e2e=""
    [ "$first" = 1 ] && [ "${ES_RUN_SCRIPTS:-1}" = 1 ] && e2e=$(ls tests/e2e/*_test.sh 2>/dev/null | sort)
    if [ -n "$itests$e2e" ]; then
        start_emulator
        for t in $itests; do run_one "$t" "${wrapper[@]}" "$t"; done
        for t in $e2e; do ES_BUILD="$build" run_one "$t" bash "$t"; done
    fi
    first=0
done

if [ ${#failed_programs[@]} -gt 0 ]; then
    echo "failing: ${failed_programs[*]}"
fi
[ "$total_skip" -gt 0 ] && echo "($total_skip skipped)"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
