#!/usr/bin/env bash
# worker_daemon_test.sh - the worker process without an emulator: its SQS
# endpoint refuses connections, so receives fail and are retried with backoff
# while the receiver loop keeps the heartbeat file fresh and records the
# failures in it: `exifstrip health` says healthy at first and unhealthy
# ("cannot receive from SQS") once no receive succeeded for --max-age; an
# empty EXIFSTRIP_HEARTBEAT_FILE writes no heartbeat file; SIGTERM and SIGINT
# end it with status 0 within seconds; it lets go of its start-up pages
# (debug log); every log
# line is one JSON object (or text with EXIFSTRIP_LOG_FORMAT=text) and no
# credential appears in the logs.
. "$(dirname "$0")/../harness/lib.sh"
. "$(dirname "$0")/worker_env.sh"

# Starts the worker in the background; sets WPID, WLOG, HB.
start_worker() { # extra env assignments...
    WLOG=$SCRATCH/worker.$RANDOM.log HB=$SCRATCH/hb.$RANDOM
    env AWS_ENDPOINT_URL=http://127.0.0.1:1 AWS_MAX_ATTEMPTS=1 \
        EXIFSTRIP_QUEUE_URL=http://127.0.0.1:1/000000000000/events EXIFSTRIP_DEST_BUCKET=clean \
        EXIFSTRIP_SOURCE_BUCKETS=raw EXIFSTRIP_WAIT_SECONDS=1 EXIFSTRIP_HEARTBEAT_FILE="$HB" "$@" \
        "$EXIFSTRIP" worker 2>"$WLOG" &
    WPID=$!
    _es_bg_pids+=("$WPID")
}

wait_for_file() { # path, tenths of a second
    local i
    for i in $(seq 1 "$2"); do [ -e "$1" ] && return 0; sleep 0.1; done
    return 1
}

# Sends a signal and waits for the exit; sets RC and STOP_MS.
stop_worker() { # signal
    local start end
    start=$(date +%s%N)
    kill "-$1" "$WPID"
    wait "$WPID"
    RC=$?
    end=$(date +%s%N)
    STOP_MS=$(((end - start) / 1000000))
}

t_sigterm_clean_exit_and_health() {
    start_worker
    check "heartbeat file appears" wait_for_file "$HB" 50
    sleep 1.5 # a few failed receives
    check "health: fresh heartbeat" bash -c '"$1" health --heartbeat-file "$2" | grep -q "^healthy"' _ "$EXIFSTRIP" "$HB"
    stop_worker TERM
    check_eq "exit status after SIGTERM" "$RC" 0
    check "stopped within 5 s (took ${STOP_MS} ms)" [ "$STOP_MS" -lt 5000 ]
    check "worker.start logged" grep -q '"event":"worker.start"' "$WLOG"
    check "worker.start names where requests go and the region" \
        grep -q '"sqs_endpoint":"http://127.0.0.1:1 (us-east-1)","s3_endpoint":"http://127.0.0.1:1 (us-east-1)"' "$WLOG"
    check "receive failures logged" grep -q '"event":"sqs.receive_failed"' "$WLOG"
    check "worker.stopping logged" grep -q '"event":"worker.stopping","reason":"stop requested"' "$WLOG"
    check "worker.stop logged" grep -q '"event":"worker.stop"' "$WLOG"
    check "every line is a JSON object" bash -c '! grep -qv "^{\"time\":\"[0-9T:.-]*Z\",\"level\":\"[a-z]*\",\"event\":\".*}$" "$1"' _ "$WLOG"
    check "secret key not logged" bash -c '! grep -q "$1" "$2"' _ "$AWS_SECRET_ACCESS_KEY" "$WLOG"
    check "access key id not logged" bash -c '! grep -q "$1" "$2"' _ "$AWS_ACCESS_KEY_ID" "$WLOG"
    sleep 2.2
    check "health: stale after exit" bash -c '! "$1" health --heartbeat-file "$2" --max-age 1 2>/dev/null' _ "$EXIFSTRIP" "$HB"
}

t_sigint_stops_too() {
    start_worker EXIFSTRIP_LOG_LEVEL=debug
    check "heartbeat file appears" wait_for_file "$HB" 50
    stop_worker INT
    check_eq "exit status after SIGINT" "$RC" 0
    check "worker.stop logged" grep -q '"event":"worker.stop"' "$WLOG"
    # Issue 11: the pages only start-up read (loading libcurl, libcrypto and theirs) are let go.
    check "start-up pages released" grep -Eq '"event":"worker.startup_pages_released","kib":[1-9][0-9]{2,}[,}]' "$WLOG"
}

t_text_log_format() {
    start_worker EXIFSTRIP_LOG_FORMAT=text
    check "heartbeat file appears" wait_for_file "$HB" 50
    stop_worker TERM
    check_eq "exit status" "$RC" 0
    check "text lines" grep -qE '^[0-9-]+T[0-9:.]+Z info  worker.start version=[^ ]+ queue_url=' "$WLOG"
    check "no JSON lines" bash -c '! grep -q "^{" "$1"' _ "$WLOG"
}

# Issue 10 #9: the heartbeat must not say healthy while every receive fails.
t_health_fails_when_receives_fail() {
    start_worker
    check "heartbeat file appears" wait_for_file "$HB" 50
    sleep 3.5 # failed receives for longer than --max-age 2
    "$EXIFSTRIP" health --heartbeat-file "$HB" --max-age 2 >"$SCRATCH/h.out" 2>"$SCRATCH/h.err"
    check_eq "health exit status while receives fail" "$?" 1
    check "says it cannot receive" grep -q "^unhealthy: the worker cannot receive from SQS: [0-9]* failed receives in a row, no success since start" "$SCRATCH/h.err"
    check "names the error" grep -q "ES_ERR_NETWORK" "$SCRATCH/h.err"
    check "the file records the failures" grep -qE '^receive_failures=[1-9]' "$HB"
    check "the file records no success" grep -qx 'last_receive_ok=0' "$HB"
    check "no temporary file left" bash -c '! ls "$1".tmp 2>/dev/null' _ "$HB"
    stop_worker TERM
    check_eq "exit status after SIGTERM" "$RC" 0
}

t_empty_heartbeat_setting_turns_it_off() {
    start_worker EXIFSTRIP_HEARTBEAT_FILE=
    check "worker.start logged" wait_for_file "$WLOG" 50
    sleep 1
    stop_worker TERM
    check_eq "exit status" "$RC" 0
    check "worker.start names no heartbeat file" bash -c 'grep "\"event\":\"worker.start\"" "$1" | grep -qv heartbeat_file' _ "$WLOG"
}

es_run t_sigterm_clean_exit_and_health
es_run t_health_fails_when_receives_fail
es_run t_empty_heartbeat_setting_turns_it_off
es_run t_sigint_stops_too
es_run t_text_log_format
es_finish
