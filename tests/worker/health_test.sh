#!/usr/bin/env bash
# health_test.sh - `exifstrip health`: 0 while the heartbeat file is fresh, 1
# when it is missing or older than --max-age (default 3 x
# EXIFSTRIP_WAIT_SECONDS + 30), with a message either way; bad values exit 78.
. "$(dirname "$0")/../harness/lib.sh"
. "$(dirname "$0")/worker_env.sh"

health() { # args... ; sets RC, OUT, ERR
    "$EXIFSTRIP" health "$@" >"$SCRATCH/out" 2>"$SCRATCH/err"
    RC=$?
    OUT=$(cat "$SCRATCH/out") ERR=$(cat "$SCRATCH/err")
}

t_missing_file_is_unhealthy() {
    health --heartbeat-file "$SCRATCH/none"
    check_eq "exit status" "$RC" 1
    check "says unhealthy" grep -q "^unhealthy: .*$SCRATCH/none" <<<"$ERR"
}

t_fresh_file_is_healthy() {
    touch "$SCRATCH/hb"
    health --heartbeat-file "$SCRATCH/hb"
    check_eq "exit status" "$RC" 0
    check "says healthy" grep -q "^healthy: heartbeat $SCRATCH/hb is [0-9]* s old (limit 90 s)" <<<"$OUT"
    EXIFSTRIP_HEARTBEAT_FILE=$SCRATCH/hb health
    check_eq "file from EXIFSTRIP_HEARTBEAT_FILE" "$RC" 0
}

t_stale_file_and_max_age() {
    touch -d '-120 seconds' "$SCRATCH/old"
    health --heartbeat-file "$SCRATCH/old"
    check_eq "120 s old > default 90 s" "$RC" 1
    check "says how old" grep -q "is 12[0-9] s old" <<<"$ERR"
    health --heartbeat-file "$SCRATCH/old" --max-age 300
    check_eq "--max-age 300" "$RC" 0
    health --heartbeat-file="$SCRATCH/old" --max-age=100
    check_eq "--max-age=100" "$RC" 1
    touch -d '-60 seconds' "$SCRATCH/old"
    EXIFSTRIP_WAIT_SECONDS=0 health --heartbeat-file "$SCRATCH/old"
    check_eq "wait 0 -> limit 30 s" "$RC" 1
    EXIFSTRIP_WAIT_SECONDS=20 health --heartbeat-file "$SCRATCH/old"
    check_eq "wait 20 -> limit 90 s" "$RC" 0
}

t_bad_values() {
    touch "$SCRATCH/hb"
    health --heartbeat-file "$SCRATCH/hb" --max-age soon
    check_eq "bad --max-age" "$RC" 78
    check "names --max-age" grep -q -- "--max-age" <<<"$ERR"
    EXIFSTRIP_WAIT_SECONDS=99 health --heartbeat-file "$SCRATCH/hb"
    check_eq "bad EXIFSTRIP_WAIT_SECONDS" "$RC" 78
    check "names EXIFSTRIP_WAIT_SECONDS" grep -q "EXIFSTRIP_WAIT_SECONDS" <<<"$ERR"
    health --bogus
    check_eq "unknown option" "$RC" 1
    health --help
    check_eq "--help" "$RC" 0
    check "--help documents --max-age" grep -q -- "--max-age" <<<"$OUT"
}

es_run t_missing_file_is_unhealthy
es_run t_fresh_file_is_healthy
es_run t_stale_file_and_max_age
es_run t_bad_values
es_finish
