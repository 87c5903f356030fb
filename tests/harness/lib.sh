# lib.sh - the shell counterpart of test.h for tests written in bash: source it,
# write `t_name() { ...; }` functions using check/check_eq, call `es_run t_name`
# for each, and end with `es_finish` (prints the "# summary:" line run.sh reads).
ES_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ES_BUILD=${ES_BUILD:-$ES_ROOT/build}
case "$ES_BUILD" in /*) ;; *) ES_BUILD=$ES_ROOT/$ES_BUILD ;; esac
EXIFSTRIP=${EXIFSTRIP:-$ES_BUILD/exifstrip}
_es_pass=0 _es_fail=0 _es_skip=0 _es_cur_failed=0 _es_cur_skipped=0 _es_cur="" _es_outside_failed=0

es_fail() { # message (outside es_run too, e.g. a set-up: es_finish counts it)
    if [ -z "$_es_cur" ]; then
        [ "$_es_outside_failed" = 0 ] && echo "FAIL (outside any test)" >&2
        _es_outside_failed=1
    else
        [ "$_es_cur_failed" = 0 ] && echo "FAIL $_es_cur" >&2
        _es_cur_failed=1
    fi
    echo "  $*" >&2
}
check() { # description, command...
    local what=$1; shift
    "$@" || es_fail "$what (command: $*)"
}
check_eq() { # description, got, expected
    [ "$2" = "$3" ] || es_fail "$1: got '$2', expected '$3'"
}
es_skip() { _es_cur_skipped=1; echo "SKIP $_es_cur: $*" >&2; }
es_run() { # function name
    _es_cur=$1 _es_cur_failed=0 _es_cur_skipped=0
    if declare -F "$1" >/dev/null; then "$1"; else es_fail "no test function named $1"; fi
    if [ "$_es_cur_failed" = 1 ]; then _es_fail=$((_es_fail + 1))
    elif [ "$_es_cur_skipped" = 1 ]; then _es_skip=$((_es_skip + 1))
    else _es_pass=$((_es_pass + 1)); fi
    _es_cur="" _es_cur_failed=0
}
es_finish() {
    [ "$_es_outside_failed" = 1 ] && _es_fail=$((_es_fail + 1)) # failures outside any test, as one
    echo "# summary: $_es_pass passed, $_es_fail failed, $_es_skip skipped"
    [ "$_es_fail" = 0 ]
}
