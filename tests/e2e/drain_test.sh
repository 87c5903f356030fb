#!/usr/bin/env bash
# drain_test.sh - how many ReceiveMessage calls the worker makes (issue 11),
# counted in the emulator's request log, never timed:
#  - `--drain` on an empty queue: one receive, then the queue's attributes say
#    it is done; after a small batch: at most the one receive in flight when
#    the last job finished. The default 20 s long poll is kept, so the old
#    two-empty-long-polls rule (40 s) would also run into the bound of the wait.
EXIFSTRIP_WAIT_SECONDS=20
source "$(dirname "${BASH_SOURCE[0]}")/../harness/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib_e2e.sh"

S=$E2E_SCRATCH

receives_since() { # seq
    e2e_requests "$1" "r['action']=='ReceiveMessage' and r.get('queue')=='${E2E_Q##*/}'"
}

# The sequence number of the last successful PutObject to B (0: none).
last_put_seq() { # since
    curl -fsS --max-time 5 "$ES_TEST_ENDPOINT/_emulator/requests?since=$1" |
        emu_json "max([r['seq'] for r in d['requests'] if r['action']=='PutObject' and r['bucket']=='$E2E_B' and r['status']==200] or [0])"
}

depth_is() { [ "$(emu_queue_depth "$E2E_Q")" = "$1" ]; }

t_drain_on_an_empty_queue() {
    e2e_stack empty || return
    local seq log=$S/empty.log
    emu_sqs PurgeQueue "{\"QueueUrl\":\"$E2E_Q\"}" >/dev/null # the notification's s3:TestEvent
    check_eq "queue depth before" "$(emu_queue_depth "$E2E_Q")" 0
    seq=$(e2e_log_seq)
    e2e_worker_start "$log" --drain
    e2e_worker_wait 15
    check_eq "exit status of --drain on an empty queue" "$E2E_WORKER_RC" 0
    check_eq "ReceiveMessage calls" "$(receives_since "$seq")" 1
    check "the queue's attributes were read" \
        [ "$(e2e_requests "$seq" "r['action']=='GetQueueAttributes' and r.get('queue')=='${E2E_Q##*/}'")" -ge 1 ]
    check "worker.stop says drained" grep -q '"drained":true' "$log"
    e2e_show_log_on_failure "$log"
}

t_drain_after_a_small_batch() {
    e2e_stack batch || return
    local i seq log=$S/batch.log n=5 put
    mkdir -p "$S/small"
    for i in $(seq 1 $n); do
        "$MKFIXTURE" --gps --seed "$((300 + i))" "$S/small/p$i.jpg" || { es_fail "mkfixture failed"; return; }
    done
    check "aws s3 cp --recursive to A" e2e_aws s3 cp --recursive --only-show-errors "$S/small" "s3://$E2E_A/small/"
    e2e_wait 15 "$n messages (and the s3:TestEvent) queued" depth_is $((n + 1))
    seq=$(e2e_log_seq)
    EXIFSTRIP_CONCURRENCY=2 e2e_worker_start "$log" --drain
    e2e_worker_wait 15
    check_eq "exit status of the --drain run" "$E2E_WORKER_RC" 0
    check_eq "job.done" "$(e2e_log_count "$log" job.done)" "$n"
    check "worker.stop says drained" grep -q '"drained":true' "$log"
    for i in $(seq 1 $n); do e2e_expect_stripped "small/p$i.jpg" "$S/small/p$i.jpg"; done
    put=$(last_put_seq "$seq")
    check "ReceiveMessage calls after the last PutObject: at most the one in flight" \
        [ "$(receives_since "$put")" -le 1 ]
    check_eq "queue depth" "$(emu_queue_depth "$E2E_Q")" 0
    e2e_show_log_on_failure "$log"
}

es_run t_drain_on_an_empty_queue
es_run t_drain_after_a_small_batch
es_finish
