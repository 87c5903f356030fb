#!/usr/bin/env bash
# hostile_test.sh - the real `exifstrip worker` against a hostile S3+SQS
# endpoint on loopback (tests/hostile/server.py): surplus messages, many
# headers, large and endless error bodies, bad XML/JSON, a dripping GET, an
# echoed session token, hung deletes, an empty queue with no long poll, a body
# failing its stated CRC64NVME (and the payload-signing setting's effect on the
# PUT). Every
# case asserts: no crash (the ASan build's binary is used when it is built),
# bounded time (`timeout` around each run), the right category (retry vs
# refuse) and that no secret reaches any log line.
source "$(dirname "$0")/../harness/lib.sh"
# Prefer the sanitizer build when it is at least as new as the plain one.
if [ -z "${ES_HOSTILE_BIN:-}" ] && [ -x "$ES_ROOT/build/asan/exifstrip" ] &&
    [ ! "$ES_ROOT/build/asan/exifstrip" -ot "$EXIFSTRIP" ]; then
    EXIFSTRIP=$ES_ROOT/build/asan/exifstrip
fi
EXIFSTRIP=${ES_HOSTILE_BIN:-$EXIFSTRIP}
source "$ES_ROOT/tests/worker/worker_env.sh"
MKFIXTURE=$ES_BUILD/tests/tools/mkfixture
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1
# A session token as long as real STS tokens; the server may echo it.
TOKEN=$("$PY" -c 'import random,string; r=random.Random(10); print("".join(r.choice(string.ascii_letters+string.digits) for _ in range(731)))')
export AWS_SESSION_TOKEN=$TOKEN

"$MKFIXTURE" --gps --comment --seed 3 "$SCRATCH/photo.jpg" || {
    echo "mkfixture failed" >&2; echo "# summary: 0 passed, 1 failed, 0 skipped"; exit 1; }

# h_server SCENARIO: starts server.py; sets H_URL and H_REQ (its request log).
h_server() {
    H_REQ=$SCRATCH/$1.requests
    local portfile=$SCRATCH/$1.port i
    : >"$H_REQ"
    rm -f "$portfile"
    "$PY" "$ES_ROOT/tests/hostile/server.py" "$1" "$SCRATCH/photo.jpg" "$portfile" "$H_REQ" \
        2>"$SCRATCH/$1.server.err" &
    H_SERVER_PID=$!
    _es_bg_pids+=("$H_SERVER_PID")
    for i in $(seq 1 100); do
        [ -s "$portfile" ] && break
        sleep 0.05
    done
    H_URL=http://127.0.0.1:$(cat "$portfile" 2>/dev/null)
}
h_server_stop() { kill "$H_SERVER_PID" 2>/dev/null; wait "$H_SERVER_PID" 2>/dev/null; }

# h_env: the worker's environment for the server started last.
h_env() {
    export AWS_ENDPOINT_URL=$H_URL AWS_MAX_ATTEMPTS=2
    export EXIFSTRIP_QUEUE_URL=$H_URL/123456789012/q EXIFSTRIP_DLQ_URL=$H_URL/123456789012/dlq
    export EXIFSTRIP_DEST_BUCKET=dst EXIFSTRIP_SOURCE_BUCKETS=src EXIFSTRIP_CONCURRENCY=1
    export EXIFSTRIP_WAIT_SECONDS=1 EXIFSTRIP_HEARTBEAT_FILE= EXIFSTRIP_SHUTDOWN_GRACE=2
}

# h_hwm PID: raises H_HWM_KB to the process's peak resident memory so far.
h_hwm() {
    local v
    v=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2>/dev/null)
    [ -n "$v" ] && [ "$v" -gt "$H_HWM_KB" ] && H_HWM_KB=$v
    return 0
}

# h_run LOG LIMIT_S ARGS...: runs the worker (--drain) to its end, killing it
# after LIMIT_S; sets H_RC, H_SECS and H_HWM_KB (its peak resident memory).
h_run() {
    local log=$1 limit=$2 start pid v
    shift 2
    h_env
    start=$(date +%s)
    "$EXIFSTRIP" worker --drain "$@" >"$log" 2>&1 &
    pid=$!
    H_HWM_KB=0
    while kill -0 "$pid" 2>/dev/null; do
        h_hwm "$pid"
        [ $(($(date +%s) - start)) -ge "$limit" ] && kill -KILL "$pid" 2>/dev/null
        sleep 0.1
    done
    wait "$pid"
    H_RC=$?
    H_SECS=$(($(date +%s) - start))
}

# Peak memory: about 30 MB is normal under ASan; an unbounded buffer fed at
# loopback speed passes 150 MB within a second.
H_MEM_LIMIT_KB=150000

h_absent() { ! grep -qE "$1" "$2"; } # pattern, file

# Requests of one operation in the server's log.
h_count() { grep -c "\"op\": \"$1\"" "$H_REQ"; }

# No sanitizer report, no crash signal, exit in time.
h_sane() { # log
    check "no sanitizer report" h_absent 'AddressSanitizer|runtime error:|LeakSanitizer' "$1"
    check "exit status $H_RC is not a crash or the time limit" test "$H_RC" -lt 128
    echo "peak memory ${H_HWM_KB:-0} kB, ${H_SECS:-?} s" >&2
    check "peak memory ${H_HWM_KB:-0} kB under $H_MEM_LIMIT_KB kB" test "${H_HWM_KB:-0}" -lt "$H_MEM_LIMIT_KB"
}

# No 16-character piece of the session token (or the secret key) in the log.
h_no_secret() { # log
    check "no part of a secret in the log" "$PY" - "$1" "$TOKEN" "$AWS_SECRET_ACCESS_KEY" <<'EOF'
import sys
text = open(sys.argv[1], errors="replace").read()
for secret in sys.argv[2:]:
    for i in range(0, len(secret) - 15):
        if secret[i:i + 16] in text:
            sys.exit("secret piece at offset %d found" % i)
EOF
}

t_surplus_messages_released() {
    h_server surplus
    h_run "$SCRATCH/surplus.log" 60
    h_server_stop
    h_sane "$SCRATCH/surplus.log"
    check_eq "worker exit status" "$H_RC" 0
    check "the surplus is logged" grep -q '"sqs.surplus"' "$SCRATCH/surplus.log"
    check "released with visibility 0" grep -q '"timeouts": \[0' "$H_REQ"
    check "receives ask for at most 10" \
        "$PY" -c 'import json,sys; sys.exit(any(json.loads(l).get("max",0)>10 for l in open(sys.argv[1]) if "ReceiveMessage" in l))' "$H_REQ"
    check_eq "every object written once" "$(h_count PUT)" 12
    check_eq "stripped jobs" "$(grep -c '"job.done"' "$SCRATCH/surplus.log")" 12
}

t_many_meta_headers_not_refused() {
    h_server many_headers
    h_run "$SCRATCH/headers.log" 60
    h_server_stop
    h_sane "$SCRATCH/headers.log"
    check "the object is stripped" grep -q '"job.done"' "$SCRATCH/headers.log"
    check "not refused" h_absent '"job.refused"' "$SCRATCH/headers.log"
    check_eq "output written" "$(h_count PUT)" 1
    check_eq "no DLQ report" "$(h_count SendMessage)" 0
}

# h_retried LOG: the job was retried (transient), not refused, not reported, not deleted.
h_retried() {
    check "the job is retried" grep -q '"job.retry"' "$1"
    check "category transient" grep -q '"category":"transient"' "$1"
    check "not refused" h_absent '"job.refused"' "$1"
    check_eq "no DLQ report" "$(h_count SendMessage)" 0
    check_eq "message not deleted" "$(h_count DeleteMessageBatch)" 0
}

t_giant_header_retried_not_refused() {
    h_server giant_header
    h_run "$SCRATCH/giant.log" 60
    h_server_stop
    h_sane "$SCRATCH/giant.log"
    h_retried "$SCRATCH/giant.log"
    check "the endpoint is blamed" grep -q 'response headers exceed' "$SCRATCH/giant.log"
}

# libcurl refuses a header line over 100 KB as "out of memory": the endpoint
# is blamed (a retry), not the worker's memory.
t_huge_header_line_blamed_on_the_endpoint() {
    h_server huge_header
    h_run "$SCRATCH/huge.log" 60
    h_server_stop
    h_sane "$SCRATCH/huge.log"
    h_retried "$SCRATCH/huge.log"
    check "the endpoint is blamed" grep -q "a response header line exceeds libcurl's limit" "$SCRATCH/huge.log"
    check "not called out of memory" eval '! grep -qi "out of memory" "$SCRATCH/huge.log"'
}

t_large_503_body_retried() {
    h_server big_503
    h_run "$SCRATCH/503.log" 60
    h_server_stop
    h_sane "$SCRATCH/503.log"
    h_retried "$SCRATCH/503.log"
    check "status 503 reported" grep -q 'HTTP 503' "$SCRATCH/503.log"
}

t_endless_error_body_bounded() {
    h_server endless_500
    h_run "$SCRATCH/endless.log" 60
    h_server_stop
    h_sane "$SCRATCH/endless.log"
    h_retried "$SCRATCH/endless.log"
    check "done within 30 s (took $H_SECS s)" test "$H_SECS" -le 30
}

t_endless_object_refused_bounded() {
    h_server endless_200
    h_run "$SCRATCH/endless200.log" 60 --max-object-bytes 4MiB
    h_server_stop
    h_sane "$SCRATCH/endless200.log"
    check "refused as too large" grep -q '"job.refused".*ES_ERR_TOO_LARGE' "$SCRATCH/endless200.log"
    check_eq "reported to the DLQ" "$(h_count SendMessage)" 1
    check_eq "nothing written" "$(h_count PUT)" 0
    check "done within 30 s (took $H_SECS s)" test "$H_SECS" -le 30
}

t_bad_xml_error_retried() {
    h_server bad_xml
    h_run "$SCRATCH/badxml.log" 60
    h_server_stop
    h_sane "$SCRATCH/badxml.log"
    h_retried "$SCRATCH/badxml.log"
}

t_bad_json_receive_survived() {
    h_server bad_json
    h_run "$SCRATCH/badjson.log" 60
    h_server_stop
    h_sane "$SCRATCH/badjson.log"
    check "receive failure logged" grep -q '"sqs.receive_failed"' "$SCRATCH/badjson.log"
    check "the message is processed once the endpoint recovers" grep -q '"job.done"' "$SCRATCH/badjson.log"
}

t_echoed_token_never_logged() {
    h_server echo_secret
    h_run "$SCRATCH/echo.log" 60 --log-level debug
    h_server_stop
    h_sane "$SCRATCH/echo.log"
    check "the server echoed the whole token" grep -q '"op": "echo", "length": 731' "$H_REQ"
    check "the job is retried (auth)" grep -q '"job.retry"' "$SCRATCH/echo.log"
    check "the reason shows a redaction" grep -q 'redacted' "$SCRATCH/echo.log"
    h_no_secret "$SCRATCH/echo.log"
}

t_dripping_get_abandoned() {
    h_server drip
    h_run "$SCRATCH/drip.log" 60 --min-transfer-rate 64 --min-transfer-window 3
    h_server_stop
    h_sane "$SCRATCH/drip.log"
    h_retried "$SCRATCH/drip.log"
    check "abandoned for its rate" grep -q 'transfer rate' "$SCRATCH/drip.log"
    check "done within 30 s (took $H_SECS s)" test "$H_SECS" -le 30
}

t_max_job_age_releases_message() {
    h_server drip
    h_run "$SCRATCH/age.log" 60 --min-transfer-rate 1 --max-job-seconds 3
    h_server_stop
    h_sane "$SCRATCH/age.log"
    h_retried "$SCRATCH/age.log"
    check "abandoned for its age" grep -q 'EXIFSTRIP_MAX_JOB_SECONDS' "$SCRATCH/age.log"
    check "the message is released at once" grep -q '"receipts": \["rh-0"\], "timeouts": \[0\]' "$H_REQ"
    check "done within 30 s (took $H_SECS s)" test "$H_SECS" -le 30
}

# h_stop_when OP LOG ARGS...: starts the worker, waits (up to 20 s) for the
# server to see OP, sends SIGTERM and measures the stop (H_SECS, H_RC).
h_stop_when() {
    local op=$1 log=$2 pid i start
    shift 2
    h_env
    "$EXIFSTRIP" worker "$@" >"$log" 2>&1 &
    pid=$!
    for i in $(seq 1 200); do
        [ "$(h_count "$op")" -ge 1 ] && break
        sleep 0.1
    done
    check_eq "$op was sent" "$(h_count "$op")" 1
    H_HWM_KB=0
    h_hwm "$pid"
    start=$(date +%s)
    kill -TERM "$pid"
    for i in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    H_SECS=$(($(date +%s) - start))
    kill -KILL "$pid" 2>/dev/null
    wait "$pid"
    H_RC=$?
    h_server_stop
}

t_hung_delete_bounded_shutdown() {
    h_server hung_delete
    h_stop_when DeleteMessageBatch "$SCRATCH/hung.log"
    h_sane "$SCRATCH/hung.log"
    check "stopped within grace 2 s + 10 s margin (took $H_SECS s)" test "$H_SECS" -le 12
}

t_hung_multipart_abort_bounded_shutdown() {
    h_server hung_abort
    h_stop_when PUT "$SCRATCH/abort.log" --part-size 5MiB --shutdown-grace 1
    h_sane "$SCRATCH/abort.log"
    check_eq "exit status" "$H_RC" 0
    check_eq "the abort was sent" "$(h_count DELETE)" 1
    check "no thread abandoned" grep -q '"abandoned_threads":0' "$SCRATCH/abort.log"
    check "stopped within 2 s + 10 s margin (took $H_SECS s)" test "$H_SECS" -le 12
}

# The GET's body does not match the full-object CRC the endpoint states:
# a transfer error (retried), never a refusal, and nothing is written.
t_bad_checksum_retried_not_written() {
    h_server bad_checksum
    h_run "$SCRATCH/cksum.log" 60
    h_server_stop
    h_sane "$SCRATCH/cksum.log"
    h_retried "$SCRATCH/cksum.log"
    check "the checksum is named" grep -q 'does not match its checksum' "$SCRATCH/cksum.log"
    check_eq "nothing written" "$(h_count PUT)" 0
}

# EXIFSTRIP_PAYLOAD_SIGNING reaches the S3 client: auto over plain http signs
# the body's SHA-256, --payload-signing unsigned sends UNSIGNED-PAYLOAD; the
# PUT carries its CRC64NVME either way.
t_payload_signing_setting() {
    local mode sha
    for mode in auto unsigned; do
        h_server plain
        h_run "$SCRATCH/sign-$mode.log" 60 --payload-signing "$mode"
        h_server_stop
        h_sane "$SCRATCH/sign-$mode.log"
        check_eq "$mode: one PUT" "$(h_count PUT)" 1
        sha=$("$PY" -c 'import json,sys; print([json.loads(l) for l in open(sys.argv[1]) if "\"PUT\"" in l][0]["sha"])' "$H_REQ")
        if [ "$mode" = unsigned ]; then
            check_eq "$mode: x-amz-content-sha256" "$sha" UNSIGNED-PAYLOAD
        else
            check "$mode: x-amz-content-sha256 is a SHA-256 ($sha)" grep -qE '^[0-9a-f]{64}$' <<<"$sha"
        fi
        check "$mode: the PUT carries its CRC64NVME" grep -qE '"op": "PUT".*"crc": "[A-Za-z0-9+/]{11}="' "$H_REQ"
    done
}

t_empty_receives_back_off() {
    h_server empty
    h_env
    export EXIFSTRIP_WAIT_SECONDS=0
    "$EXIFSTRIP" worker >"$SCRATCH/spin.log" 2>&1 &
    local pid=$!
    sleep 3
    H_HWM_KB=0
    h_hwm "$pid"
    kill -TERM "$pid"
    wait "$pid"
    H_RC=$?
    h_server_stop
    h_sane "$SCRATCH/spin.log"
    local n
    n=$(h_count ReceiveMessage)
    check "at most 15 receives in 3 s on an empty queue (got $n)" test "$n" -le 15
    check "at least 2 receives (got $n)" test "$n" -ge 2
}

# Arguments: run only these cases (e.g. t_surplus_messages_released).
for t in ${*:-t_surplus_messages_released t_many_meta_headers_not_refused t_giant_header_retried_not_refused t_huge_header_line_blamed_on_the_endpoint t_large_503_body_retried t_endless_error_body_bounded t_endless_object_refused_bounded t_bad_xml_error_retried t_bad_json_receive_survived t_echoed_token_never_logged t_dripping_get_abandoned t_max_job_age_releases_message t_hung_delete_bounded_shutdown t_hung_multipart_abort_bounded_shutdown t_bad_checksum_retried_not_written t_payload_signing_setting t_empty_receives_back_off}; do
    es_run "$t"
done
es_finish
