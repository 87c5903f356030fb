#!/usr/bin/env bash
# drain_test.sh - how many ReceiveMessage calls the worker makes (issue 11),
# counted in the emulator's request log, never timed:
#  - `--drain` on an empty queue: one receive, then the queue's attributes say
#    it is done; after a small batch: at most the one receive in flight when
#    the last job finished. The default 20 s long poll is kept, so the old
#    two-empty-long-polls rule (40 s) would also run into the bound of the wait.
#  - a full queue of 30 at concurrency 1: receives of 10 at a time, so at most
#    0.15 calls per message plus the final empty poll (<= 5); every photo written once.
#  - SIGTERM while a batch of received-but-unstarted messages is held: they are
#    released (visible again at once, nothing left in flight), and a --drain
#    run then writes every photo exactly once.
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
queue_attr() {
    emu_sqs GetQueueAttributes "{\"QueueUrl\":\"$E2E_Q\",\"AttributeNames\":[\"All\"]}" | emu_json "d['Attributes']['$1']"
}
in_flight_at_least() { [ "$(queue_attr ApproximateNumberOfMessagesNotVisible)" -ge "$1" ]; }

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

# upload N PREFIX: N generated photos under A/PREFIX/ (after purging the
# notification's s3:TestEvent), waits until their N messages are queued.
upload() {
    local n=$1 prefix=$2 i
    emu_sqs PurgeQueue "{\"QueueUrl\":\"$E2E_Q\"}" >/dev/null
    mkdir -p "$S/$prefix"
    for i in $(seq -w 1 "$n"); do
        "$MKFIXTURE" --gps --seed "$((500 + 10#$i))" "$S/$prefix/p$i.jpg" || { es_fail "mkfixture failed"; return 1; }
    done
    check "aws s3 cp --recursive to A" e2e_aws s3 cp --recursive --only-show-errors "$S/$prefix" "s3://$E2E_A/$prefix/"
    e2e_wait 30 "$n messages queued" depth_is "$n"
}

each_written_once() { # seq n prefix
    local i
    for i in $(seq -w 1 "$2"); do
        check_eq "PutObject to B for '$3/p$i.jpg'" \
            "$(e2e_requests "$1" "r['action']=='PutObject' and r['bucket']=='$E2E_B' and r.get('key')=='$3/p$i.jpg' and r['status']==200")" 1
    done
}

t_full_queue_received_ten_at_a_time() {
    e2e_stack full || return
    local n=30 seq log=$S/full.log calls
    upload $n full || return
    seq=$(e2e_log_seq)
    EXIFSTRIP_CONCURRENCY=1 e2e_worker_start "$log" --drain
    e2e_worker_wait 60
    check_eq "exit status of the --drain run" "$E2E_WORKER_RC" 0
    check_eq "job.done" "$(e2e_log_count "$log" job.done)" $n
    calls=$(receives_since "$seq")
    # 3 receives of 10 + the final empty one; before: one per message (31).
    check "ReceiveMessage calls ($calls) <= 0.15 x 30 + the final empty poll" [ "$calls" -le 5 ]
    each_written_once "$seq" $n full
    check_eq "queue depth" "$(emu_queue_depth "$E2E_Q")" 0
    e2e_show_log_on_failure "$log"
}

t_sigterm_releases_held_messages() {
    e2e_stack held || return
    local n=12 seq log1=$S/held1.log log2=$S/held2.log rule
    upload $n held || return
    seq=$(e2e_log_seq)
    rule=$(e2e_fault "{\"service\":\"s3\",\"action\":\"GetObject\",\"bucket\":\"$E2E_A\",\"delay_ms\":3000}")
    EXIFSTRIP_CONCURRENCY=1 e2e_worker_start "$log1"
    e2e_wait 20 "a batch held (10 in flight)" in_flight_at_least 10
    e2e_worker_stop 20
    check_eq "exit status after SIGTERM" "$E2E_WORKER_RC" 0
    check_eq "messages still in flight after the stop" "$(queue_attr ApproximateNumberOfMessagesNotVisible)" 0
    check "the 9 unstarted messages given back (worker.returned)" \
        "$E2E_PY" -c 'import json,sys; sys.exit(not any(json.loads(l).get("event")=="worker.returned" and json.loads(l)["messages"]==9 for l in open(sys.argv[1]) if l.startswith("{")))' "$log1"
    check "they are visible again at once, with the 2 never received" [ "$(queue_attr ApproximateNumberOfMessages)" -eq 11 ]
    curl -fsS -X DELETE "$ES_TEST_ENDPOINT/_emulator/faults/$rule" >/dev/null
    e2e_worker_start "$log2" --drain
    e2e_worker_wait 30
    check_eq "exit status of the --drain run" "$E2E_WORKER_RC" 0
    each_written_once "$seq" $n held
    check_eq "queue depth" "$(emu_queue_depth "$E2E_Q")" 0
    e2e_show_log_on_failure "$log1"
    e2e_show_log_on_failure "$log2"
}

es_run t_drain_on_an_empty_queue
es_run t_drain_after_a_small_batch
es_run t_full_queue_received_ten_at_a_time
es_run t_sigterm_releases_held_messages
es_finish
