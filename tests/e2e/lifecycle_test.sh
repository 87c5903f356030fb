#!/usr/bin/env bash
# lifecycle_test.sh - the worker process end to end: a missing setting stops
# it with exit 78 before any request; SIGTERM in the middle of a batch exits 0
# within the grace period and loses nothing (a --drain run afterwards
# finishes the batch, every photo written exactly once); `exifstrip health`
# follows the heartbeat file (fresh while the worker runs, stale after), fails
# when every receive is refused (wrong secret key) and when every job slot
# is stuck (a GET that hangs).
source "$(dirname "${BASH_SOURCE[0]}")/../harness/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib_e2e.sh"

S=$E2E_SCRATCH
N=20

t_missing_dest_bucket_exits_78() {
    local seq rc
    seq=$(e2e_log_seq)
    env -u EXIFSTRIP_DEST_BUCKET EXIFSTRIP_QUEUE_URL="$ES_TEST_ENDPOINT/000000000000/$E2E_ID-cfg" \
        EXIFSTRIP_HEARTBEAT_FILE= "$EXIFSTRIP" worker --drain >"$S/cfg.out" 2>"$S/cfg.err"
    rc=$?
    check_eq "exit status" "$rc" 78
    check "stderr names EXIFSTRIP_DEST_BUCKET" grep -q 'EXIFSTRIP_DEST_BUCKET' "$S/cfg.err"
    check_eq "requests sent before failing" \
        "$(e2e_requests "$seq" "r.get('queue')=='$E2E_ID-cfg' or r.get('path','').find('$E2E_ID-cfg')>=0")" 0
}

# --drain is a batch run: a queue that does not exist (a typo) ends it with
# exit 1 after a few receives, not a retry loop for ever (the daemon keeps
# retrying: a queue may be created after it starts).
t_drain_gives_up_on_a_missing_queue() {
    local rc start
    start=$(date +%s)
    EXIFSTRIP_DEST_BUCKET=clean EXIFSTRIP_QUEUE_URL="$ES_TEST_ENDPOINT/000000000000/$E2E_ID-no-such-queue" \
        EXIFSTRIP_HEARTBEAT_FILE= timeout 60 "$EXIFSTRIP" worker --drain >"$S/gone.out" 2>"$S/gone.err"
    rc=$?
    check_eq "exit status" "$rc" 1
    check "within seconds" [ $(($(date +%s) - start)) -lt 30 ]
    check "says it gave up" grep -q '"event":"worker.drain_gave_up".*"error_code":"ES_ERR_NOT_FOUND"' "$S/gone.err"
    check_eq "failed receives before giving up" "$(grep -c '"event":"sqs.receive_failed"' "$S/gone.err")" 4
}

t_sigterm_mid_batch_loses_nothing() {
    e2e_stack s || return
    local i key seq0 rule done1 log1=$S/run1.log log2=$S/run2.log
    mkdir -p "$S/batch/sigterm"
    for i in $(seq -w 1 $N); do
        "$MKFIXTURE" --gps --comment --seed "$((100 + 10#$i))" "$S/batch/sigterm/photo $i.jpg" ||
            { es_fail "mkfixture failed"; return; }
    done
    check "aws s3 cp --recursive to A" e2e_aws s3 cp --recursive --only-show-errors "$S/batch" "s3://$E2E_A/"
    seq0=$(e2e_log_seq)
    # Slow GETs keep the batch busy long enough for SIGTERM to land in it.
    rule=$(e2e_fault "{\"service\":\"s3\",\"action\":\"GetObject\",\"bucket\":\"$E2E_A\",\"delay_ms\":400}")

    EXIFSTRIP_CONCURRENCY=2 EXIFSTRIP_SHUTDOWN_GRACE=10 e2e_worker_start "$log1"
    e2e_wait 30 "the first job.done" e2e_log_has "$log1" job.done
    e2e_worker_signal TERM
    local t0=$SECONDS
    e2e_worker_wait 15
    check_eq "exit status after SIGTERM" "$E2E_WORKER_RC" 0
    check "exited within the 10 s grace period" [ $((SECONDS - t0)) -le 10 ]
    check "worker.stop logged" e2e_log_has "$log1" worker.stop
    done1=$(e2e_log_count "$log1" job.done)
    check "stopped in the middle of the batch ($done1 of $N done)" [ "$done1" -lt "$N" ]
    check_eq "jobs cut short by the shutdown" "$(e2e_log_count "$log1" job.retry)" 0
    check_eq "messages still held invisible after the shutdown" \
        "$(emu_sqs GetQueueAttributes "{\"QueueUrl\":\"$E2E_Q\",\"AttributeNames\":[\"All\"]}" |
            emu_json 'd["Attributes"]["ApproximateNumberOfMessagesNotVisible"]')" 0
    curl -fsS -X DELETE "$ES_TEST_ENDPOINT/_emulator/faults/$rule" >/dev/null

    e2e_worker_start "$log2" --drain
    e2e_worker_wait 60
    check_eq "exit status of the --drain run" "$E2E_WORKER_RC" 0
    check_eq "job.done over both runs" $((done1 + $(e2e_log_count "$log2" job.done))) "$N"
    for i in $(seq -w 1 $N); do
        key="sigterm/photo $i.jpg"
        e2e_expect_stripped "$key" "$S/batch/$key"
        check_eq "PutObject to B for '$key'" \
            "$(e2e_requests "$seq0" "r['action']=='PutObject' and r['bucket']=='$E2E_B' and r.get('key')=='$key' and r['status']==200")" 1
    done
    check_eq "main queue depth" "$(emu_queue_depth "$E2E_Q")" 0
    check_eq "dead-letter queue depth" "$(emu_queue_depth "$E2E_DLQ")" 0
    e2e_show_log_on_failure "$log1"
    e2e_show_log_on_failure "$log2"
}

mtime() { stat -c %Y "$1" 2>/dev/null; }
health() { "$EXIFSTRIP" health "$@" >"$S/health.out" 2>&1; }
health_stale() { ! health --heartbeat-file "$S/hb" --max-age 1; }

t_health_follows_heartbeat() {
    local log=$S/health-worker.log m0
    [ -n "${E2E_Q:-}" ] || e2e_stack h || return
    rm -f "$S/hb"
    check "no heartbeat file yet: unhealthy" health_stale
    EXIFSTRIP_HEARTBEAT_FILE=$S/hb e2e_worker_start "$log"
    e2e_wait 15 "the heartbeat file" test -f "$S/hb"
    check "fresh heartbeat (--heartbeat-file): healthy" health --heartbeat-file "$S/hb" --max-age 5
    check "fresh heartbeat (EXIFSTRIP_HEARTBEAT_FILE): healthy" \
        env EXIFSTRIP_HEARTBEAT_FILE="$S/hb" "$EXIFSTRIP" health >/dev/null
    m0=$(mtime "$S/hb")
    e2e_wait 10 "the worker to refresh its heartbeat" bash -c '[ "$(stat -c %Y "$1")" != "$2" ]' _ "$S/hb" "$m0"
    e2e_worker_stop 20
    check_eq "worker exit status" "$E2E_WORKER_RC" 0
    e2e_wait 10 "the heartbeat to go stale (--max-age 1)" health_stale
    health --heartbeat-file "$S/hb" --max-age 1
    check_eq "exit status when stale" "$?" 1
    check "says why" grep -qi 'old\|stale\|age' "$S/health.out"
    e2e_show_log_on_failure "$log"
}

# Issue 10 #9: with a wrong secret every receive fails; the heartbeat file is
# still rewritten, but health must say the worker cannot receive.
t_health_fails_with_wrong_secret() {
    local log=$S/badsecret-worker.log
    [ -n "${E2E_Q:-}" ] || e2e_stack h || return
    rm -f "$S/hb-bad"
    AWS_SECRET_ACCESS_KEY=wrong-secret EXIFSTRIP_HEARTBEAT_FILE=$S/hb-bad e2e_worker_start "$log"
    e2e_wait 15 "the heartbeat file" test -f "$S/hb-bad"
    e2e_wait 20 "health to fail (--max-age 2)" \
        bash -c '! "$1" health --heartbeat-file "$2" --max-age 2 >/dev/null 2>"$3"' _ "$EXIFSTRIP" "$S/hb-bad" "$S/health.err"
    check "says it cannot receive" grep -q "^unhealthy: the worker cannot receive from SQS" "$S/health.err"
    check "names the refusal" grep -q "ES_ERR_AUTH" "$S/health.err"
    check "the heartbeat file is still fresh" test "$(($(date +%s) - $(stat -c %Y "$S/hb-bad")))" -le 2
    e2e_worker_stop 20
    check_eq "worker exit status" "$E2E_WORKER_RC" 0
    e2e_show_log_on_failure "$log"
}

# Issue 10 #9: every job slot busy with a job that does not move -> unhealthy
# after --stuck-after; healthy again once the job finished.
t_health_fails_when_every_slot_is_stuck() {
    local log=$S/stuck-worker.log rule
    e2e_stack st || return
    "$MKFIXTURE" --seed 7 "$S/stuck.jpg" || { es_fail "mkfixture failed"; return; }
    rule=$(e2e_fault "{\"service\":\"s3\",\"action\":\"GetObject\",\"bucket\":\"$E2E_A\",\"delay_ms\":7000}")
    EXIFSTRIP_CONCURRENCY=1 EXIFSTRIP_HEARTBEAT_FILE=$S/hb-stuck e2e_worker_start "$log"
    check "upload to A" e2e_aws s3 cp --only-show-errors "$S/stuck.jpg" "s3://$E2E_A/stuck.jpg"
    e2e_wait 20 "health to say stuck (--stuck-after 2)" \
        bash -c '! "$1" health --heartbeat-file "$2" --stuck-after 2 >/dev/null 2>"$3"' _ "$EXIFSTRIP" "$S/hb-stuck" "$S/stuck.err"
    check "says every slot is stuck" grep -q "^unhealthy: every job slot (1) has been busy" "$S/stuck.err"
    check "healthy with the default --stuck-after" bash -c '"$1" health --heartbeat-file "$2" >/dev/null' _ "$EXIFSTRIP" "$S/hb-stuck"
    e2e_wait 30 "the job to finish" e2e_log_has "$log" job.done
    curl -fsS --max-time 5 -X DELETE "$ES_TEST_ENDPOINT/_emulator/faults/$rule" >/dev/null
    e2e_wait 10 "health to recover" bash -c '"$1" health --heartbeat-file "$2" --stuck-after 2 >/dev/null' _ "$EXIFSTRIP" "$S/hb-stuck"
    e2e_worker_stop 20
    check_eq "worker exit status" "$E2E_WORKER_RC" 0
    e2e_show_log_on_failure "$log"
}

es_run t_missing_dest_bucket_exits_78
es_run t_drain_gives_up_on_a_missing_queue
es_run t_sigterm_mid_batch_loses_nothing
es_run t_health_follows_heartbeat
es_run t_health_fails_with_wrong_secret
es_run t_health_fails_when_every_slot_is_stuck
es_finish
