#!/usr/bin/env bash
# report_test.sh - the sentence tests/bench/report.py writes about where an
# issue-11 target lies against the libcurl floor (floor_place): exact values
# are compared (a target just below a floor that rounds to the same digits is
# "below", printed with enough digits to differ), a target between a floor's
# lowest and highest run, or equal to a single run, is "within noise of" it,
# and the lowest-highest runs are printed beside each median.
source "$(dirname "$0")/../harness/lib.sh"

# place TARGET "LO_MEDIAN LO_MIN LO_MAX" "HI_MEDIAN HI_MIN HI_MAX": the sentence.
place() {
    /usr/bin/python3 - "$@" <<'PY'
import sys
sys.path.insert(0, "tests/bench")
import report
t = float(sys.argv[1])
lo, hi = (tuple(float(x) for x in a.split()) for a in sys.argv[2:4])
print(report.floor_place(t, lo, hi))
PY
}
cd "$ES_ROOT" || exit 1

# check_cases: each line "name | target | lo median min max | hi median min max | sentence".
check_cases() {
    local name target lo hi want
    while IFS='|' read -r name target lo hi want; do
        check_eq "${name% }" "$(place "$target" "$lo" "$hi")" "${want# }"
    done
}

t_exact_values_decide_the_direction() {
    check_cases <<'CASES'
0.5 against 0.5004 (both 0.500 in 3 digits) | 0.5 | 0.2 0.2 0.2 | 0.5004 0.5004 0.5004 | above the floor without a payload hash (0.2000) but below the floor with SHA-256 (0.5004)
0.403 against 0.405 and 0.290 | 0.403 | 0.290 0.290 0.290 | 0.405 0.405 0.405 | above the floor without a payload hash (0.29) but below the floor with SHA-256 (0.41)
just above a floor that rounds alike | 0.4044 | 0.1 0.1 0.1 | 0.4041 0.4041 0.4041 | above the floor in both modes (0.1000 without a payload hash, 0.4041 with SHA-256)
below both | 0.5 | 0.71 0.71 0.71 | 1.3 1.3 1.3 | below the floor in both modes (0.71 without a payload hash, 1.30 with SHA-256): less than these GET and PUT requests cost in libcurl alone
CASES
}

t_equal_or_inside_the_runs_is_noise() {
    check_cases <<'CASES'
equal to a single run | 0.5 | 0.2 0.2 0.2 | 0.5 0.5 0.5 | above the floor without a payload hash (0.20) but within noise of the floor with SHA-256 (0.50)
between the lowest and highest run | 0.403 | 0.29 0.28 0.30 | 0.405 0.399 0.41 | above the floor without a payload hash (0.290 (0.280–0.300)) but within noise of the floor with SHA-256 (0.405 (0.399–0.410))
within noise of both | 1 | 0.9 0.8 1.1 | 1.2 0.95 1.3 | within noise of the floor in both modes (0.90 (0.80–1.10) without a payload hash, 1.20 (0.95–1.30) with SHA-256)
just outside the runs is not noise | 0.398 | 0.29 0.28 0.30 | 0.405 0.399 0.41 | above the floor without a payload hash (0.290 (0.280–0.300)) but below the floor with SHA-256 (0.405 (0.399–0.410))
CASES
}

es_run t_exact_values_decide_the_direction
es_run t_equal_or_inside_the_runs_is_noise
es_finish
