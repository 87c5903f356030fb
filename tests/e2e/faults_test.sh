#!/usr/bin/env bash
# faults_test.sh - end to end with transient failures injected by the
# emulator: PutObject to B answered 503 SlowDown once (the client's retry
# absorbs it) or more often than the client retries (the message is left and
# redelivered), connections reset on PutObject, GetObject answered 500, and
# GetObject answered what S3 says to a request for another region's bucket
# (400 AuthorizationHeaderMalformed) or an unknown 400: a setting or the
# service, never the photo's fault. Every photo must still land in B with the
# right bytes, nothing may be reported as refused, and the queue and its
# dead-letter queue must end empty.
source "$(dirname "${BASH_SOURCE[0]}")/../harness/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib_e2e.sh"

S=$E2E_SCRATCH
LOG=$S/worker.log
UP=$S/up
KEYS=("faults/slowdown once.jpg" "faults/slowdown+many.jpg" "faults/reset.jpg" "faults/get 500.jpg" "faults/calm.jpg"
    "faults/get wrong region.jpg" "faults/get 400.jpg")
declare -A RULE=()

all_landed() {
    local key
    for key in "${KEYS[@]}"; do
        [ "$(emu_s3_status HEAD "$E2E_B" "$key")" = 200 ] || return 1
    done
}

# The rule fired `times` times: the emulator then removes it.
rule_gone() { # id
    ! curl -fsS --max-time 5 "$ES_TEST_ENDPOINT/_emulator/faults" |
        emu_json '"yes" if any(r["id"]==int(args[0]) for r in d["rules"]) else ""' "$1" | grep -q yes
}

# job.<event> lines for key whose receive_count satisfies the python test on n.
log_receive_count() { # event, key, test
    "$E2E_PY" -c 'import json,sys
n=[json.loads(l).get("receive_count",0) for l in open(sys.argv[1]) if l.startswith("{")
   and json.loads(l).get("event")==sys.argv[2] and json.loads(l).get("key")==sys.argv[3]]
sys.exit(0 if n and all(eval(sys.argv[4]) for n in n) else 1)' "$LOG" "$@"
}

# The category of every job.<event> line for key.
log_categories() { # event, key
    "$E2E_PY" -c 'import json,sys
print(" ".join(sorted({json.loads(l).get("category","") for l in open(sys.argv[1]) if l.startswith("{")
   and json.loads(l).get("event")==sys.argv[2] and json.loads(l).get("key")==sys.argv[3]})))' "$LOG" "$@"
}

t_transient_failures_recovered() {
    e2e_stack f || return
    local key i=0
    mkdir -p "$UP/faults"
    for key in "${KEYS[@]}"; do
        i=$((i + 1))
        "$MKFIXTURE" --gps --xmp --seed $((20 + i)) "$UP/$key" || { es_fail "mkfixture failed"; return; }
    done
    RULE[slow1]=$(e2e_fault "{\"service\":\"s3\",\"action\":\"PutObject\",\"bucket\":\"$E2E_B\",\"key\":\"${KEYS[0]}\",\"status\":503,\"times\":1}")
    RULE[slowN]=$(e2e_fault "{\"service\":\"s3\",\"action\":\"PutObject\",\"bucket\":\"$E2E_B\",\"key\":\"${KEYS[1]}\",\"status\":503,\"times\":3}")
    RULE[reset]=$(e2e_fault "{\"service\":\"s3\",\"action\":\"PutObject\",\"bucket\":\"$E2E_B\",\"key\":\"${KEYS[2]}\",\"reset\":true,\"times\":2}")
    RULE[get]=$(e2e_fault "{\"service\":\"s3\",\"action\":\"GetObject\",\"bucket\":\"$E2E_A\",\"key\":\"${KEYS[3]}\",\"status\":500,\"times\":2}")
    RULE[region]=$(e2e_fault "{\"service\":\"s3\",\"action\":\"GetObject\",\"bucket\":\"$E2E_A\",\"key\":\"${KEYS[5]}\",\"status\":400,\"code\":\"AuthorizationHeaderMalformed\",\"message\":\"The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-west-1'\",\"times\":1}")
    RULE[get400]=$(e2e_fault "{\"service\":\"s3\",\"action\":\"GetObject\",\"bucket\":\"$E2E_A\",\"key\":\"${KEYS[6]}\",\"status\":400,\"code\":\"InvalidRequest\",\"times\":1}")
    check "fault rules installed" [ -n "${RULE[slow1]}" ] && [ -n "${RULE[get]}" ]
    check "aws s3 cp --recursive to A" e2e_aws s3 cp --recursive --only-show-errors "$UP" "s3://$E2E_A/"

    # Two attempts per request, so three 503s outlast one delivery; a short
    # visibility timeout brings a left message back within seconds.
    AWS_MAX_ATTEMPTS=2 EXIFSTRIP_VISIBILITY_TIMEOUT=2 e2e_worker_start "$LOG"
    e2e_wait 60 "every photo in B despite the faults" all_landed &&
        e2e_wait 30 "the queue to drain" e2e_queue_empty "$E2E_Q"
    e2e_worker_stop 20
    check_eq "worker exit status after SIGTERM" "$E2E_WORKER_RC" 0

    for key in "${KEYS[@]}"; do e2e_expect_stripped "$key" "$UP/$key"; done
    for i in slow1 slowN reset get region get400; do check "fault rule '$i' fired every time" rule_gone "${RULE[$i]}"; done
    check "one 503 absorbed by the client's retry (first delivery)" log_receive_count job.done "${KEYS[0]}" 'n==1'
    check "three 503s: the job asked for a retry" e2e_log_has "$LOG" job.retry "${KEYS[1]}"
    check "three 503s: done on a redelivery" log_receive_count job.done "${KEYS[1]}" 'n>=2'
    check "GET 500 x2: the job asked for a retry" e2e_log_has "$LOG" job.retry "${KEYS[3]}"
    check "GET 500 x2: done on a redelivery" log_receive_count job.done "${KEYS[3]}" 'n>=2'
    check "GET for another region's bucket: a retry, not a refusal" e2e_log_has "$LOG" job.retry "${KEYS[5]}"
    check_eq "GET for another region's bucket: a configuration error" "$(log_categories job.retry "${KEYS[5]}")" config
    check "GET for another region's bucket: done on a redelivery" log_receive_count job.done "${KEYS[5]}" 'n>=2'
    check "GET 400 of no known kind: a retry, not a refusal" e2e_log_has "$LOG" job.retry "${KEYS[6]}"
    check "GET 400 of no known kind: done on a redelivery" log_receive_count job.done "${KEYS[6]}" 'n>=2'
    check "a message was left for redelivery" e2e_log_has "$LOG" message.left
    check_eq "job.done for the untouched photo" "$(e2e_log_count "$LOG" job.done "${KEYS[4]}")" 1
    check_eq "refusals" "$(e2e_log_count "$LOG" job.refused)" 0
    check_eq "report queue depth" "$(emu_queue_depth "$E2E_REPORT")" 0
    check_eq "main queue depth" "$(emu_queue_depth "$E2E_Q")" 0
    check_eq "dead-letter queue depth" "$(emu_queue_depth "$E2E_DLQ")" 0
    e2e_show_log_on_failure "$LOG" 40
}

# Photos stored with a SHA-256 or SHA-1 checksum instead of a CRC (what an
# uploader that asked for one gets): a GET body damaged in transit fails that
# checksum, so the job is retried and the intact bytes land, as for a CRC.
sha_landed() {
    [ "$(emu_s3_status HEAD "$E2E_B" sha/SHA256.jpg)" = 200 ] && [ "$(emu_s3_status HEAD "$E2E_B" sha/SHA1.jpg)" = 200 ]
}

t_sha_checksummed_sources_checked() {
    e2e_stack h || return
    local alg key rule
    mkdir -p "$UP/sha"
    for alg in SHA256 SHA1; do
        key="sha/$alg.jpg"
        "$MKFIXTURE" --gps --xmp --size 320x240 --seed 41 "$UP/$key" || { es_fail "mkfixture failed"; return; }
        check "put $key with $alg" e2e_aws s3api put-object --bucket "$E2E_A" --key "$key" --body "$UP/$key" \
            --checksum-algorithm "$alg" --output text --query 'Checksum'"${alg}"
        rule=$(e2e_fault "{\"service\":\"s3\",\"action\":\"GetObject\",\"bucket\":\"$E2E_A\",\"key\":\"$key\",\"corrupt\":true,\"times\":1}")
        check "corrupt rule for $key installed" [ -n "$rule" ]
    done
    EXIFSTRIP_VISIBILITY_TIMEOUT=2 e2e_worker_start "$LOG"
    e2e_wait 60 "both photos in B" sha_landed && e2e_wait 30 "the queue to drain" e2e_queue_empty "$E2E_Q"
    e2e_worker_stop 20
    for alg in SHA256 SHA1; do
        key="sha/$alg.jpg"
        e2e_expect_stripped "$key" "$UP/$key"
        check "$alg: the damaged body failed its checksum" grep -q "\"key\":\"$key\".*does not match its checksum: $alg" "$LOG"
        check "$alg: retried, then done" log_receive_count job.done "$key" 'n>=2'
    done
    check_eq "refusals" "$(e2e_log_count "$LOG" job.refused)" 0
    check_eq "dead-letter queue depth" "$(emu_queue_depth "$E2E_DLQ")" 0
    e2e_show_log_on_failure "$LOG" 40
}

es_run t_transient_failures_recovered
es_run t_sha_checksummed_sources_checked
es_finish
