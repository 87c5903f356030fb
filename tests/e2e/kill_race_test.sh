#!/usr/bin/env bash
# kill_race_test.sh - the worker under SIGKILL and under racing uploads.
#  - kill: a batch (small photos and multipart-sized ones) is interrupted by
#    five SIGKILLs, two of them while multipart uploads to B are open; a
#    --drain run then finishes it: every photo is in B once (one successful
#    write per key) with exactly the bytes `exifstrip strip` gives, the queue,
#    its dead-letter queue and the report queue are empty, nothing is in
#    flight. The uploads the killed workers left open are counted with
#    ListMultipartUploads (only B's lifecycle rule can remove them, README)
#    and the --drain run leaves none of its own.
#  - race: v1 and v2 uploaded to the same key 1.5 s apart, with the first
#    (then the second) PutObject to B slowed down: B ends with stripped v2
#    both times, the stale write is refused by its condition and settled as
#    skipped; a duplicate event (a new message) of what B holds is written
#    without a HEAD first, answered 412, and one HEAD settles it as skipped:
#    B is not written again.
source "$(dirname "${BASH_SOURCE[0]}")/../harness/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib_e2e.sh"

S=$E2E_SCRATCH
KILLS=5

queue_attr() { # url, attribute
    emu_sqs GetQueueAttributes "{\"QueueUrl\":\"$1\",\"AttributeNames\":[\"All\"]}" | emu_json "d['Attributes']['$2']"
}

# Successful writes of KEY to B after SEQ (PutObject or CompleteMultipartUpload).
writes_to_b() { # seq, key
    e2e_requests "$1" "r['action'] in ('PutObject','CompleteMultipartUpload') and r['bucket']=='$E2E_B' and r.get('key')=='$2' and r['status']==200"
}

# Open multipart uploads in B (ListMultipartUploads).
open_uploads() {
    _emu_s3_raw GET "$E2E_B?uploads=" | "$E2E_PY" -c 'import sys; print(sys.stdin.read().count("<Upload>"))'
}

# Requests to B after SEQ whose action is one of ACTIONS (a python tuple).
b_requests_seen() { # seq, actions
    [ "$(e2e_requests "$1" "r['action'] in $2 and r['bucket']=='$E2E_B'")" -gt 0 ]
}

t_sigkill_mid_batch_then_drain() {
    e2e_stack k || return
    # Five kills may redeliver a message more than the stack's 3 receives.
    local policy
    policy=$("$E2E_PY" -c 'import json,sys; print(json.dumps({"QueueUrl":sys.argv[1],"Attributes":{"RedrivePolicy":json.dumps({"deadLetterTargetArn":sys.argv[2],"maxReceiveCount":"20"})}}))' \
        "$E2E_Q" "$(emu_queue_arn "$E2E_DLQ")")
    check "raise maxReceiveCount" emu_sqs SetQueueAttributes "$policy"
    local keys=() i key
    mkdir -p "$S/kill/batch"
    for i in 1 2 3; do
        key="batch/big $i.jpg"
        "$MKFIXTURE" --size 3000x2400 --quality 100 --gps --seed "$((40 + i))" "$S/kill/$key" || { es_fail "mkfixture failed"; return; }
        keys+=("$key")
    done
    for i in $(seq -w 1 9); do
        key="batch/small $i.jpg"
        "$MKFIXTURE" --gps --xmp --comment --seed "$((50 + 10#$i))" "$S/kill/$key" || { es_fail "mkfixture failed"; return; }
        keys+=("$key")
    done
    check "the big photos need a multipart upload (> 5 MiB)" [ "$(stat -c %s "$S/kill/batch/big 1.jpg")" -gt $((5 * 1024 * 1024)) ]
    local seq0 uploads0 round seq log rules=()
    seq0=$(e2e_log_seq)
    uploads0=$(open_uploads)
    check_eq "open multipart uploads in B before" "$uploads0" 0
    check "aws s3 cp --recursive to A" e2e_aws s3 cp --recursive --only-show-errors "$S/kill/batch" "s3://$E2E_A/batch/"
    # Slow parts keep multipart uploads open long enough to be killed in.
    rules+=("$(e2e_fault "{\"service\":\"s3\",\"action\":\"UploadPart\",\"bucket\":\"$E2E_B\",\"delay_ms\":1500}")")
    rules+=("$(e2e_fault "{\"service\":\"s3\",\"action\":\"GetObject\",\"bucket\":\"$E2E_A\",\"delay_ms\":200}")")
    for round in $(seq 1 $KILLS); do
        log=$S/kill-$round.log
        seq=$(e2e_log_seq)
        EXIFSTRIP_CONCURRENCY=3 EXIFSTRIP_VISIBILITY_TIMEOUT=2 e2e_worker_start "$log"
        if [ "$round" -le 2 ]; then # while a multipart upload to B is open
            e2e_wait 20 "a multipart upload to B (round $round)" \
                b_requests_seen "$seq" "('CreateMultipartUpload',)"
            sleep 0.3
        else # after some progress, in the middle of whatever runs then
            e2e_wait 20 "progress in round $round" \
                b_requests_seen "$seq" "('PutObject','UploadPart','HeadObject')"
            sleep 0.$((RANDOM % 8 + 1))
        fi
        e2e_worker_signal KILL
        e2e_worker_wait 10
        check_eq "round $round: killed by SIGKILL" "$E2E_WORKER_RC" 137
    done
    for r in "${rules[@]}"; do curl -fsS -X DELETE "$ES_TEST_ENDPOINT/_emulator/faults/$r" >/dev/null; done
    sleep 3 # the killed workers' messages come back after their 2 s visibility timeout
    local orphans
    orphans=$(open_uploads)
    check "multipart uploads left open by the killed workers are listed ($orphans)" [ "$orphans" -ge 1 ]

    log=$S/kill-drain.log
    EXIFSTRIP_CONCURRENCY=3 e2e_worker_start "$log" --drain
    e2e_worker_wait 90
    check_eq "exit status of the --drain run" "$E2E_WORKER_RC" 0
    for key in "${keys[@]}"; do
        e2e_expect_stripped "$key" "$S/kill/$key"
        check_eq "successful writes of '$key' to B" "$(writes_to_b "$seq0" "$key")" 1
    done
    check_eq "objects in B" "$(emu_s3_keys "$E2E_B" | wc -l)" "${#keys[@]}"
    check_eq "open multipart uploads after the --drain run (all from the kills)" "$(open_uploads)" "$orphans"
    check_eq "main queue: messages (visible + in flight + delayed)" "$(emu_queue_depth "$E2E_Q")" 0
    check_eq "main queue: in flight" "$(queue_attr "$E2E_Q" ApproximateNumberOfMessagesNotVisible)" 0
    check_eq "dead-letter queue depth" "$(emu_queue_depth "$E2E_DLQ")" 0
    check_eq "refusal reports" "$(emu_queue_depth "$E2E_REPORT")" 0
    check_eq "job.refused / job.retry in the --drain run" \
        "$(($(e2e_log_count "$log" job.refused) + $(e2e_log_count "$log" job.retry)))" 0
    e2e_show_log_on_failure "$log"
}

# Outcomes (done, skipped, gone) logged for KEY.
outcomes() { # log, key
    echo $(($(e2e_log_count "$1" job.done "$2") + $(e2e_log_count "$1" job.skipped "$2") + $(e2e_log_count "$1" job.gone "$2")))
}
a_get_logged() { # seq, key
    [ "$(e2e_requests "$1" "r['action']=='GetObject' and r['bucket']=='$E2E_A' and r.get('key')=='$2'")" -gt 0 ]
}
log_reason_has() { # log, event, key, text
    "$E2E_PY" -c 'import json,sys
for l in open(sys.argv[1]):
    try: d=json.loads(l)
    except ValueError: continue
    if d.get("event")==sys.argv[2] and d.get("key")==sys.argv[3] and sys.argv[4] in (d.get("reason") or ""): sys.exit(0)
sys.exit(1)' "$@"
}

# race KEY SLOW_SKIP: v1 then v2 (1.5 s later) to A/KEY; the PutObject to B
# after SLOW_SKIP others is held 3 s. B must end with stripped v2.
race() {
    local key=$1 skip=$2 log=$RACE_LOG seq
    "$MKFIXTURE" --gps --exif --seed 71 "$S/race/v1.jpg" && "$MKFIXTURE" --gps --xmp --size 640x480 --seed 72 "$S/race/v2.jpg" ||
        { es_fail "mkfixture failed"; return 1; }
    e2e_fault "{\"service\":\"s3\",\"action\":\"PutObject\",\"bucket\":\"$E2E_B\",\"key\":\"$key\",\"delay_ms\":3000,\"skip\":$skip,\"times\":1}" >/dev/null
    seq=$(e2e_log_seq)
    check "upload v1" emu_s3 PUT "$E2E_A" "$key" -H "content-type: image/jpeg" --data-binary "@$S/race/v1.jpg" -o /dev/null
    e2e_wait 10 "the worker's GET of v1" a_get_logged "$seq" "$key"
    sleep 1.5
    check "upload v2" emu_s3 PUT "$E2E_A" "$key" -H "content-type: image/jpeg" --data-binary "@$S/race/v2.jpg" -o /dev/null
    e2e_wait 20 "both events of '$key' settled" settled_twice "$log" "$key"
    e2e_expect_stripped "$key" "$S/race/v2.jpg"
}
settled_twice() { [ "$(outcomes "$1" "$2")" -ge 2 ]; }

t_two_versions_race_newer_wins() {
    e2e_stack r || return
    mkdir -p "$S/race"
    RACE_LOG=$S/race.log
    EXIFSTRIP_CONCURRENCY=2 e2e_worker_start "$RACE_LOG"
    # 1. v1's write is slow: it arrives after v2's and must not replace it.
    race "race/first slow.jpg" 0
    check "the stale v1 write is settled as skipped (a newer source is in B)" \
        log_reason_has "$RACE_LOG" job.skipped "race/first slow.jpg" "newer source version"
    check_eq "412 PreconditionFailed answers to the stale write" \
        "$(e2e_requests 0 "r['action']=='PutObject' and r['bucket']=='$E2E_B' and r.get('key')=='race/first slow.jpg' and r['status']==412")" 1
    # 2. v2's write is slow: it arrives after v1's and replaces it.
    race "race/second slow.jpg" 1
    check_eq "successful writes of 'race/second slow.jpg'" "$(writes_to_b 0 "race/second slow.jpg")" 2

    # A duplicate event of what B holds, first received: its write (no HEAD
    # before it) is answered 412, then one HEAD settles it as skipped.
    local key="race/first slow.jpg" body seq size
    size=$(emu_s3 HEAD "$E2E_A" "$key" | tr -d '\r' | sed -n 's/^[Cc]ontent-[Ll]ength: *//p')
    body=$(emu_s3 HEAD "$E2E_B" "$key" | "$E2E_PY" -c 'import json,sys,urllib.parse
h={}
for l in sys.stdin:
    k,_,v=l.partition(":"); h[k.strip().lower()]=v.strip()
print(json.dumps({"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectCreated:Put",
 "s3":{"bucket":{"name":sys.argv[1]},"object":{"key":urllib.parse.quote_plus(sys.argv[2],safe="/"),"size":int(sys.argv[3]),
 "eTag":h["x-amz-meta-exifstrip-source-etag"],"sequencer":h["x-amz-meta-exifstrip-source-sequencer"]}}}]}))' "$E2E_A" "$key" "$size")
    seq=$(e2e_log_seq)
    check "re-send v2's event" emu_send "$E2E_Q" "$body"
    e2e_wait 15 "the duplicate settled" log_reason_has "$RACE_LOG" job.skipped "$key" "already holds this source version"
    check_eq "HEADs of B for the duplicate" "$(e2e_requests "$seq" "r['action']=='HeadObject' and r.get('key')=='$key'")" 1
    check_eq "GETs from A for the duplicate" "$(e2e_requests "$seq" "r['action']=='GetObject' and r.get('key')=='$key'")" 1
    check_eq "412 answers to the duplicate's write" \
        "$(e2e_requests "$seq" "r['action']=='PutObject' and r['bucket']=='$E2E_B' and r.get('key')=='$key' and r['status']==412")" 1
    check_eq "writes to B for the duplicate" "$(writes_to_b "$seq" "$key")" 0
    e2e_wait 10 "the queue to drain" e2e_queue_empty "$E2E_Q"
    e2e_worker_stop 20
    check_eq "worker exit status" "$E2E_WORKER_RC" 0
    check_eq "refusal reports" "$(emu_queue_depth "$E2E_REPORT")" 0
    e2e_show_log_on_failure "$RACE_LOG" 40
}

es_run t_two_versions_race_newer_wins
es_run t_sigkill_mid_batch_then_drain
es_finish
