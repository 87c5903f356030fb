# lib_e2e.sh - shared helpers of the end-to-end tests (tests/e2e/*_test.sh):
# the real `exifstrip worker` against the local S3+SQS emulator that
# tests/run.sh started (ES_TEST_ENDPOINT). Sourced after tests/harness/lib.sh.
#   e2e_aws ...                 /usr/bin/aws against the emulator (the uploads)
#   emu_s3 / emu_sqs / emu_*    fast SigV4-signed requests (scripts/lib/emu.sh, curl)
#   e2e_stack NAME              buckets A, B, C (C has no notification), a queue with a
#                               DLQ (maxReceiveCount 3), a report queue, A's .jpg notification
#   e2e_worker_start LOG ARGS   the worker in the background (e2e_worker_wait/_stop)
#   e2e_wait SECS WHAT CMD...   bounded polling that fails the test with a clear message
# Every name is unique per run, so the tests never see each other's data even
# on a shared emulator.

source "$ES_ROOT/scripts/lib/emu.sh"
E2E_PY=$EMU_PY
# The generation of the rules the worker records on its copies (exifstrip/rules.h).
E2E_RULES=$(sed -n 's/^#define ES_RULES \([0-9][0-9]*\)$/\1/p' "$ES_ROOT/include/exifstrip/rules.h")
MKFIXTURE=$ES_BUILD/tests/tools/mkfixture

export AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
# Nothing from the user's AWS setup may leak into the tests.
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL_S3 AWS_ENDPOINT_URL_SQS AWS_MAX_ATTEMPTS

e2e_abort() { # message: the whole file fails as one test
    echo "e2e: $*" >&2
    echo "# summary: 0 passed, 1 failed, 0 skipped"
    exit 1
}

[ -n "${ES_TEST_ENDPOINT:-}" ] || e2e_abort "ES_TEST_ENDPOINT is not set (tests/run.sh starts the emulator)"
curl -fsS --max-time 5 "$ES_TEST_ENDPOINT/_emulator/health" >/dev/null ||
    e2e_abort "no healthy emulator at $ES_TEST_ENDPOINT"
for _e2e_tool in "$EXIFSTRIP" "$MKFIXTURE" /usr/bin/aws; do
    [ -x "$_e2e_tool" ] || e2e_abort "missing $_e2e_tool (make BUILD=... test-build; mk/deps.sh)"
done
export AWS_ENDPOINT_URL=$ES_TEST_ENDPOINT
EMU_URL=$ES_TEST_ENDPOINT

E2E_SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/es-e2e.XXXXXX")
# Lower-case, digits and '-' only: valid for buckets and queues alike.
E2E_ID="e2e-$(basename "${BASH_SOURCE[1]:-$0}" _test.sh | tr -cd 'a-z0-9' | cut -c1-10)-$$-$RANDOM"
E2E_WORKER_PID=""
E2E_WORKER_RC=""
_e2e_pids=()
_e2e_buckets=()
_e2e_queues=()

e2e_cleanup() {
    local pid
    for pid in "${_e2e_pids[@]}"; do   # workers not reaped by e2e_worker_wait
        _e2e_alive "$pid" && kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    _e2e_pids=()
    if [ -z "${E2E_KEEP:-}" ]; then
        e2e_drop_resources
        rm -rf "$E2E_SCRATCH"
    else
        echo "e2e: kept $E2E_SCRATCH and the ${E2E_ID}-* buckets/queues" >&2
    fi
}
trap e2e_cleanup EXIT

e2e_aws() { /usr/bin/aws --endpoint-url "$ES_TEST_ENDPOINT" "$@"; }

e2e_queue_empty() { [ "$(emu_queue_depth "$1")" = 0 ]; }

# e2e_peek URL: one receive that leaves the messages visible; prints the answer JSON.
e2e_peek() {
    emu_sqs ReceiveMessage "{\"QueueUrl\":\"$1\",\"MaxNumberOfMessages\":10,\"VisibilityTimeout\":0,\"WaitTimeSeconds\":0}"
}

# e2e_stack NAME: creates this test's resources and sets E2E_A, E2E_B, E2E_C
# (bucket names), E2E_Q, E2E_DLQ, E2E_REPORT (queue URLs). A notifies E2E_Q
# of every created object whose key ends in .jpg; C notifies nobody (for
# hand-made events). The queue's RedrivePolicy sends a message received 3
# times to E2E_DLQ; the worker's refusal reports go to E2E_REPORT.
e2e_stack() {
    local base=$E2E_ID-$1 b
    E2E_A=$base-a E2E_B=$base-b E2E_C=$base-c
    for b in "$E2E_A" "$E2E_B" "$E2E_C"; do
        emu_create_bucket "$b" || { es_fail "CreateBucket $b failed"; return 1; }
        _e2e_buckets+=("$b")
    done
    E2E_DLQ=$(emu_create_queue "$base-dlq") && _e2e_queues+=("$E2E_DLQ") &&
        E2E_REPORT=$(emu_create_queue "$base-report") && _e2e_queues+=("$E2E_REPORT") &&
        E2E_Q=$(emu_create_queue_with_dlq "$base-q" "$E2E_DLQ" 3) && _e2e_queues+=("$E2E_Q") ||
        { es_fail "creating the queues $base-* failed"; return 1; }
    emu_notify_queue "$E2E_A" "$E2E_Q" .jpg || { es_fail "the notification on $E2E_A failed"; return 1; }
}

# Best effort: empties and deletes this run's buckets, deletes its queues.
e2e_drop_resources() {
    local b q key
    for b in "${_e2e_buckets[@]}"; do
        emu_s3_keys "$b" 2>/dev/null |
            while IFS= read -r key; do emu_s3 DELETE "$b" "$key" >/dev/null 2>&1; done
        emu_s3 DELETE "$b" "" >/dev/null 2>&1
    done
    for q in "${_e2e_queues[@]}"; do
        emu_sqs DeleteQueue "{\"QueueUrl\":\"$q\"}" >/dev/null 2>&1
    done
    _e2e_buckets=() _e2e_queues=()
}

# e2e_worker_start LOG [ARGS...]: starts `exifstrip worker ARGS` in the
# background for the current stack, its JSON log (stderr) appended to LOG;
# sets E2E_WORKER_PID. EXIFSTRIP_* variables already set win over the
# defaults below (fast long polls, a scratch heartbeat file, 5 MiB parts).
e2e_worker_start() {
    local log=$1; shift
    env EXIFSTRIP_QUEUE_URL="$E2E_Q" EXIFSTRIP_DEST_BUCKET="$E2E_B" \
        EXIFSTRIP_SOURCE_BUCKETS="${EXIFSTRIP_SOURCE_BUCKETS:-$E2E_A,$E2E_C}" \
        EXIFSTRIP_DLQ_URL="${EXIFSTRIP_DLQ_URL-$E2E_REPORT}" \
        EXIFSTRIP_WAIT_SECONDS="${EXIFSTRIP_WAIT_SECONDS:-1}" \
        EXIFSTRIP_PART_SIZE="${EXIFSTRIP_PART_SIZE:-5MiB}" \
        EXIFSTRIP_SHUTDOWN_GRACE="${EXIFSTRIP_SHUTDOWN_GRACE:-15}" \
        EXIFSTRIP_HEARTBEAT_FILE="${EXIFSTRIP_HEARTBEAT_FILE:-$E2E_SCRATCH/heartbeat}" \
        "$EXIFSTRIP" worker "$@" </dev/null >>"$log" 2>&1 &
    E2E_WORKER_PID=$!
    _e2e_pids+=("$E2E_WORKER_PID")
}

# Forgets a reaped worker, so cleanup never signals a pid the system may reuse.
_e2e_forget() {
    local keep=() pid
    for pid in "${_e2e_pids[@]}"; do [ "$pid" = "$1" ] || keep+=("$pid"); done
    _e2e_pids=("${keep[@]}")
}

# True while pid is a live (not zombie) child of this shell. (bash may reap a
# child early; checking the parent keeps a recycled pid from counting.)
_e2e_alive() {
    local st ppid
    read -r st ppid < <(sed -E 's/^.*\) ([A-Za-z]) ([0-9]+) .*$/\1 \2/' "/proc/$1/stat" 2>/dev/null) || return 1
    [ "$ppid" = "$$" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# e2e_worker_wait SECS: waits for the worker to exit; E2E_WORKER_RC = its exit
# status. On timeout it is killed, the test fails, and 1 is returned.
e2e_worker_wait() {
    local secs=$1 pid=$E2E_WORKER_PID end=$((SECONDS + $1))
    E2E_WORKER_RC=""
    while _e2e_alive "$pid"; do
        if [ "$SECONDS" -ge "$end" ]; then
            es_fail "worker $pid still running after ${secs}s; killed"
            kill -KILL "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
            _e2e_forget "$pid"
            E2E_WORKER_RC=timeout
            return 1
        fi
        sleep 0.1
    done
    wait "$pid"
    E2E_WORKER_RC=$?
    _e2e_forget "$pid"
    return 0
}

# e2e_worker_signal SIG: signals the current worker if it is still ours.
e2e_worker_signal() {
    _e2e_alive "$E2E_WORKER_PID" && kill "-$1" "$E2E_WORKER_PID" 2>/dev/null
}

# e2e_worker_stop [SECS]: SIGTERM, then e2e_worker_wait (default 20 s).
e2e_worker_stop() {
    e2e_worker_signal TERM
    e2e_worker_wait "${1:-20}"
}

# e2e_wait SECS WHAT CMD...: polls CMD every 0.2 s until it succeeds; after
# SECS seconds the test fails with "timed out ... waiting for WHAT".
e2e_wait() {
    local secs=$1 what=$2 end=$((SECONDS + $1))
    shift 2
    until "$@"; do
        if [ "$SECONDS" -ge "$end" ]; then
            es_fail "timed out after ${secs}s waiting for $what"
            return 1
        fi
        sleep 0.2
    done
}

# e2e_log_count LOG EVENT [KEY]: JSON log lines with that event (and key).
e2e_log_count() {
    "$E2E_PY" -c 'import json,sys
n=0
for line in open(sys.argv[1], errors="replace"):
    try: d=json.loads(line)
    except ValueError: continue
    if d.get("event")==sys.argv[2] and (len(sys.argv)<4 or d.get("key")==sys.argv[3]): n+=1
print(n)' "$@"
}
e2e_log_has() { [ "$(e2e_log_count "$@")" -gt 0 ]; }

# e2e_fault JSON: adds an emulator fault rule; prints its id.
e2e_fault() {
    curl -fsS --max-time 5 -X POST "$ES_TEST_ENDPOINT/_emulator/faults" -d "$1" | emu_json 'd["rule"]["id"]'
}

# e2e_log_seq: the emulator request log's current sequence number.
e2e_log_seq() {
    curl -fsS --max-time 5 "$ES_TEST_ENDPOINT/_emulator/requests?since=999999999" | emu_json 'd["last_seq"]'
}

# e2e_over_requests SINCE PYTHON-FILTER PYTHON-EXPR: EXPR evaluated over rs,
# the logged requests after SINCE for which the filter (over r, one request
# log entry) is true.
e2e_over_requests() {
    curl -fsS --max-time 5 "$ES_TEST_ENDPOINT/_emulator/requests?since=$1" |
        emu_json "(lambda rs: $3)([r for r in d['requests'] if ($2)])"
}

# e2e_requests SINCE PYTHON-FILTER: how many logged requests after SINCE the
# filter is true for.
e2e_requests() {
    e2e_over_requests "$1" "$2" "len(rs)"
}

# e2e_request_names SINCE PYTHON-FILTER: the requests e2e_requests counts, one
# "ACTION bucket/key -> status" per line, so a failed count shows which ones.
e2e_request_names() {
    e2e_over_requests "$1" "$2" \
        "'\\n'.join('%s %s/%s -> %s' % (r.get('action'), r.get('bucket'), r.get('key', ''), r.get('status')) for r in rs)"
}

# e2e_expect_stripped KEY ORIGINAL [SOURCE-BUCKET]: B/KEY must hold exactly
# what `exifstrip strip ORIGINAL -` gives, be image/jpeg and carry no
# x-amz-meta-* but exifstrip's own x-amz-meta-exifstrip-source-* (the source
# bucket, A by default, and ETag at least), x-amz-meta-exifstrip-write-id
# (32 hex digits) and x-amz-meta-exifstrip-rules (the current generation).
e2e_expect_stripped() {
    local key=$1 orig=$2 source=${3:-$E2E_A} d
    d=$(mktemp -d "$E2E_SCRATCH/get.XXXXXX")
    if ! emu_s3 GET "$E2E_B" "$key" -D "$d/headers" -o "$d/body" 2>"$d/err"; then
        es_fail "'$key' is not in $E2E_B: $(cat "$d/err")"
        return 1
    fi
    "$EXIFSTRIP" strip -q "$orig" - >"$d/expected" || { es_fail "exifstrip strip '$orig' failed"; return 1; }
    check "'$key' in B equals 'exifstrip strip' of the original" cmp -s "$d/body" "$d/expected"
    check "'$key' in B is smaller than the original" [ "$(stat -c %s "$d/body")" -lt "$(stat -c %s "$orig")" ]
    check "'$key' in B has Content-Type image/jpeg" grep -qi '^content-type: image/jpeg' "$d/headers"
    check "'$key' in B has no x-amz-meta-* header but exifstrip-source-*, exifstrip-write-id and exifstrip-rules" \
        bash -c '! grep -i "^x-amz-meta-" "$1" | grep -qvi "^x-amz-meta-exifstrip-\(source-bucket\|source-etag\|source-version-id\|source-sequencer\|write-id\|rules\):"' _ "$d/headers"
    check "'$key' in B records its source bucket" grep -qi "^x-amz-meta-exifstrip-source-bucket: $source"$'\r''\?$' "$d/headers"
    check "'$key' in B records its source ETag" grep -qi '^x-amz-meta-exifstrip-source-etag: [0-9a-f]' "$d/headers"
    check "'$key' in B records the write that made it" grep -qiE '^x-amz-meta-exifstrip-write-id: [0-9a-f]{32}'$'\r''?$' "$d/headers"
    check "'$key' in B records the rules that made it ($E2E_RULES)" grep -qiE "^x-amz-meta-exifstrip-rules: $E2E_RULES"$'\r''?$' "$d/headers"
}

# e2e_expect_absent KEY: B/KEY does not exist.
e2e_expect_absent() {
    check_eq "'$1' must not be in B (HEAD status)" "$(emu_s3_status HEAD "$E2E_B" "$1")" 404
}

# Prints the tail of a worker log when the current test has failed.
e2e_show_log_on_failure() {
    [ "$_es_cur_failed" = 1 ] && [ -f "$1" ] && { echo "  --- last lines of $1:" >&2; tail -n "${2:-25}" "$1" | cut -c1-400 >&2; }
    return 0
}
