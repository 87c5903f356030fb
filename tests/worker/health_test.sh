#!/usr/bin/env bash
# health_test.sh - `exifstrip health`: 0 while the heartbeat file is fresh, 1
# when it is missing, not a regular file or older than --max-age (default 3 x
# EXIFSTRIP_WAIT_SECONDS + 30), when the state in it says receives keep
# failing or every job slot is stuck, or when the heartbeat is turned off
# (empty EXIFSTRIP_HEARTBEAT_FILE or --heartbeat-file=), with a message
# either way; bad values exit 78.
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

t_directory_is_unhealthy() {
    mkdir "$SCRATCH/hbdir"
    health --heartbeat-file "$SCRATCH/hbdir"
    check_eq "exit status" "$RC" 1
    check "names the path and its kind" \
        grep -q "^unhealthy: heartbeat file $SCRATCH/hbdir is a directory, not a regular file" <<<"$ERR"
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
    # 125 s, not 120: time() may read a second behind the clock touch used,
    # so the age printed is 124..13x s, never below the 120 checked before.
    touch -d '-125 seconds' "$SCRATCH/old"
    health --heartbeat-file "$SCRATCH/old"
    check_eq "125 s old > default 90 s" "$RC" 1
    check "says how old" grep -qE "is 1(2[4-9]|3[0-9]) s old" <<<"$ERR"
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
    health --heartbeat-file "$SCRATCH/hb" --stuck-after -1
    check_eq "bad --stuck-after" "$RC" 78
    health --concurrency 3
    check_eq "a worker option health does not use" "$RC" 1
    health --help
    check_eq "--help" "$RC" 0
    check "--help documents --max-age" grep -q -- "--max-age" <<<"$OUT"
    check "--help documents --stuck-after" grep -q -- "--stuck-after" <<<"$OUT"
    check "--help documents the exit codes" grep -q "^  78 " <<<"$OUT"
}

# Writes a heartbeat state file like the worker's: hb_state PATH KEY=VALUE...
hb_state() {
    local path=$1 now
    shift
    now=$(date +%s)
    {
        echo "exifstrip-heartbeat 1"
        echo "pid=1" "updated=$now" "started=$((now - 600))" "last_receive_ok=$((now - 2))" \
            "receive_failures=0" "last_error=" "slots=2" "busy=0" "oldest_job_started=0" \
            "newest_job_started=0" | tr ' ' '\n'
        printf '%s\n' "$@"
    } >"$path"
}

t_state_in_the_file() {
    local now
    now=$(date +%s)
    hb_state "$SCRATCH/st"
    health --heartbeat-file "$SCRATCH/st"
    check_eq "recent receive: healthy" "$RC" 0
    # 2 s when written and read within one second; more when a loaded
    # machine lets the clock tick between hb_state's date and health's time().
    check "says when it last received" grep -qE "last successful receive [2-5] s ago" <<<"$OUT"
    hb_state "$SCRATCH/st" "receive_failures=12" "last_receive_ok=$((now - 200))" \
        "last_error=ES_ERR_AUTH (HTTP 403, SignatureDoesNotMatch)"
    health --heartbeat-file "$SCRATCH/st"
    check_eq "receives failing for 200 s: unhealthy" "$RC" 1
    check "says it cannot receive" grep -q "^unhealthy: the worker cannot receive from SQS: 12 failed receives in a row" <<<"$ERR"
    check "names the last error" grep -q "SignatureDoesNotMatch" <<<"$ERR"
    health --heartbeat-file "$SCRATCH/st" --max-age 300
    check_eq "within --max-age 300: healthy" "$RC" 0
    hb_state "$SCRATCH/st" "busy=2" "oldest_job_started=$((now - 2000))" "newest_job_started=$((now - 1000))"
    health --heartbeat-file "$SCRATCH/st"
    check_eq "every slot busy for 1000 s > 900: unhealthy" "$RC" 1
    check "says stuck" grep -q "every job slot (2) has been busy.*stuck" <<<"$ERR"
    health --heartbeat-file "$SCRATCH/st" --stuck-after 0
    check_eq "--stuck-after 0: never stuck" "$RC" 0
    health --heartbeat-file "$SCRATCH/st" --stuck-after=1200
    check_eq "--stuck-after=1200" "$RC" 0
    # jobs that may run 1324 s (the limit of a 256 MiB object) are not stuck at 1000 s
    hb_state "$SCRATCH/st" "busy=2" "oldest_job_started=$((now - 2000))" "newest_job_started=$((now - 1000))" "job_limit=1324"
    health --heartbeat-file "$SCRATCH/st"
    check_eq "jobs within the worker's own limit: healthy" "$RC" 0
    health --heartbeat-file "$SCRATCH/st" --stuck-after 900
    check_eq "an explicit --stuck-after 900 still applies" "$RC" 1
    hb_state "$SCRATCH/st" "busy=2" "oldest_job_started=$((now - 2000))" "newest_job_started=$((now - 1400))" "job_limit=1324"
    health --heartbeat-file "$SCRATCH/st"
    check_eq "past the limit + 60 s: unhealthy" "$RC" 1
    check "says stuck after 1384 s" grep -q "more than 1384 s" <<<"$ERR"
}

t_empty_heartbeat_setting_means_none() {
    touch "$SCRATCH/hb"
    EXIFSTRIP_HEARTBEAT_FILE= health
    check_eq "EXIFSTRIP_HEARTBEAT_FILE= : unhealthy" "$RC" 1
    check "says none is configured" grep -q "^unhealthy: no heartbeat file is configured" <<<"$ERR"
    health --heartbeat-file=
    check_eq "--heartbeat-file= : unhealthy" "$RC" 1
    check "says none is configured (flag)" grep -q "^unhealthy: no heartbeat file is configured" <<<"$ERR"
    EXIFSTRIP_HEARTBEAT_FILE= health --heartbeat-file "$SCRATCH/hb"
    check_eq "the flag wins over the variable" "$RC" 0
}

es_run t_missing_file_is_unhealthy
es_run t_directory_is_unhealthy
es_run t_fresh_file_is_healthy
es_run t_stale_file_and_max_age
es_run t_bad_values
es_run t_state_in_the_file
es_run t_empty_heartbeat_setting_means_none
es_finish
