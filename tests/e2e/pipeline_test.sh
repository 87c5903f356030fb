#!/usr/bin/env bash
# pipeline_test.sh - end to end: photos uploaded with awscli to bucket A under
# awkward keys (spaces, '+', '%', unicode, punctuation, '//', '..', deep
# paths, a 1024-byte key), a 36 MB photo (multipart both ways), refused inputs
# (PNG bytes, truncated JPEG, empty object, a message that is no event), an S3
# event delivered twice, and hand-made SNS and EventBridge messages; one
# `exifstrip worker --drain` run.
# The tests after t_run check its results: B holds exactly `exifstrip strip`
# of every valid photo (image/jpeg, no user metadata), refusals are reported,
# and the queue and its dead-letter queue end empty.
source "$(dirname "${BASH_SOURCE[0]}")/../harness/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib_e2e.sh"

S=$E2E_SCRATCH
LOG=$S/worker.log
UP=$S/up   # local tree mirrored to A by one `aws s3 cp --recursive`

# key -> local original, for every photo that must reach B
declare -A VALID=()
REFUSED_KEYS=("bad/not-a-jpeg.jpg" "bad/truncated.jpg")
DUP_KEY="dup/twice.jpg"
SNS_KEY="sns/an é+x & y.jpg"
EB_KEY="eb/plus+space 日本 100%.jpg"
BIG_KEY="big/large photo.jpg"
# S3's longest key, 1024 bytes: four directories of 100 'é' (2 bytes each), then a 215-byte name.
LONG_KEY="long/$(for _ in 1 2 3 4; do printf 'é%.0s' {1..100}; printf /; done)$(printf 'n%.0s' {1..211}).jpg"
GARBAGE="this is not an S3 event"
EMPTY_STORED=0
SEQ0=0

fixture() { # key, mkfixture options...
    local key=$1; shift
    mkdir -p "$(dirname "$UP/$key")"
    "$MKFIXTURE" "$@" "$UP/$key" || { es_fail "mkfixture $* failed"; return 1; }
    VALID[$key]=$UP/$key
}

# Builds an S3 event notification for C/key (key form-encoded, as S3 does).
s3_event() { # key, file
    "$E2E_PY" - "$E2E_C" "$1" "$(stat -c %s "$2")" "$(md5sum <"$2" | cut -d' ' -f1)" <<'EOF'
import json, sys, urllib.parse
bucket, key, size, etag = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
print(json.dumps({"Records": [{
    "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
    "eventTime": "2024-05-01T10:00:00.000Z", "eventName": "ObjectCreated:Put",
    "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
    "requestParameters": {"sourceIPAddress": "127.0.0.1"},
    "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},
    "s3": {"s3SchemaVersion": "1.0", "configurationId": "uploads",
           "bucket": {"name": bucket, "ownerIdentity": {"principalId": "A3NL1KOZZKExample"}, "arn": "arn:aws:s3:::" + bucket},
           "object": {"key": urllib.parse.quote_plus(key, safe="/"), "size": size, "eTag": etag,
                      "sequencer": "0055AED6DCD90281E5"}}}]}))
EOF
}

# The S3 event wrapped by SNS (raw message delivery off): Message is a string.
sns_envelope() { # inner JSON
    "$E2E_PY" - "$1" <<'EOF'
import json, sys
print(json.dumps({
    "Type": "Notification", "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
    "TopicArn": "arn:aws:sns:us-east-1:000000000000:photo-uploads",
    "Subject": "Amazon S3 Notification", "Message": sys.argv[1],
    "Timestamp": "2024-05-01T10:00:01.000Z", "SignatureVersion": "1",
    "Signature": "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5+gLPoBc1Q=",
    "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem",
    "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-east-1:000000000000:photo-uploads:8a21d249-4329-4871-acc6-7be709c6ea7f"}))
EOF
}

# An EventBridge "Object Created" event for C/key: the key is NOT encoded.
eventbridge_event() { # key, file
    "$E2E_PY" - "$E2E_C" "$1" "$(stat -c %s "$2")" "$(md5sum <"$2" | cut -d' ' -f1)" <<'EOF'
import json, sys
bucket, key, size, etag = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
print(json.dumps({
    "version": "0", "id": "17793124-05d4-b198-2fde-7ededc63b103", "detail-type": "Object Created",
    "source": "aws.s3", "account": "000000000000", "time": "2024-05-01T10:00:02Z", "region": "us-east-1",
    "resources": ["arn:aws:s3:::" + bucket],
    "detail": {"version": "0", "bucket": {"name": bucket},
               "object": {"key": key, "size": size, "etag": etag, "sequencer": "00617F08299329D189"},
               "request-id": "N4N7GDK58NMKJ12R", "requester": "000000000000",
               "source-ip-address": "127.0.0.1", "reason": "PutObject"}}))
EOF
}

make_inputs() {
    fixture "sp ace/photo 1.jpg" --gps --xmp --seed 1 &&
    fixture "plus/a+b=c&d.jpg" --exif --iptc --comment --seed 2 &&
    fixture "percent/100%25 real%.jpg" --xmp --xmp-ext --seed 3 &&
    fixture "unicode/日本/café é.jpg" --gps --thumb --orientation 6 --seed 4 &&
    fixture "a/b/c/d/e/f.jpg" --progressive --all --seed 5 &&
    fixture "punct/q?h#a*t~e!'(1)[2]{3};:@=,\$ \"quoted\" back\\slash.jpg" --gps --seed 14 &&
    fixture "trailers/motion photo.jpg" --gps --mp4 --mpf --restart 4 --seed 6 &&
    fixture "$LONG_KEY" --gps --seed 15 &&
    fixture "$BIG_KEY" --size 6000x5000 --quality 100 --gps --xmp --seed 7 || return 1
    mkdir -p "$S/single" "$S/side/sns" "$S/side/eb" "$UP/bad"
    "$MKFIXTURE" --gps --seed 8 "$S/single/dup.jpg" &&
    "$MKFIXTURE" --gps --comment --seed 9 "$S/single/dslash.jpg" &&
    "$MKFIXTURE" --exif --cmyk --seed 10 "$S/single/dots.jpg" &&
    "$MKFIXTURE" --gps --iptc --seed 11 "$S/side/$SNS_KEY" &&
    "$MKFIXTURE" --gps --xmp --seed 12 "$S/side/$EB_KEY" || return 1
    VALID[$DUP_KEY]=$S/single/dup.jpg
    VALID["double//slash.jpg"]=$S/single/dslash.jpg
    VALID["dots/../up.jpg"]=$S/single/dots.jpg
    VALID[$SNS_KEY]=$S/side/$SNS_KEY
    VALID[$EB_KEY]=$S/side/$EB_KEY
    # PNG signature and IHDR chunk under a .jpg name; a JPEG cut in the middle of its scan.
    printf '\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x10\0\0\0\x10\x08\x02\0\0\0\x90\x91\x68\x36' >"$UP/bad/not-a-jpeg.jpg"
    "$MKFIXTURE" --gps --size 256x256 --seed 13 "$S/whole.jpg" &&
        head -c $(($(stat -c %s "$S/whole.jpg") * 2 / 3)) "$S/whole.jpg" >"$UP/bad/truncated.jpg"
}

upload() { # key, file [extra s3api args]: one PutObject to A
    local key=$1 file=$2; shift 2
    e2e_aws s3api put-object --bucket "$E2E_A" --key "$key" --body "$file" \
        --content-type application/octet-stream --metadata owner=alice,place=home "$@" >/dev/null
}

# Finds the S3 event for DUP_KEY among the queued messages (left visible) and
# sends the same body once more: the worker then sees it twice.
duplicate_event() {
    local body
    body=$(e2e_peek "$E2E_Q" | "$E2E_PY" -c 'import json,sys
for m in json.load(sys.stdin).get("Messages",[]):
    b=json.loads(m["Body"])
    if any(r["s3"]["object"]["key"]==sys.argv[1] for r in b.get("Records",[])): print(m["Body"]); break' "$DUP_KEY")
    [ -n "$body" ] || { es_fail "no S3 event for $DUP_KEY found in the queue"; return 1; }
    emu_send "$E2E_Q" "$body"
}

t_run() {
    e2e_stack p || return
    make_inputs || { es_fail "could not build the inputs"; return; }
    check "the big photo is at least 30 MiB" [ "$(stat -c %s "$UP/$BIG_KEY")" -ge $((30 * 1024 * 1024)) ]
    SEQ0=$(e2e_log_seq)
    # First the single uploads, so DUP_KEY's event is among the first queued.
    check "put $DUP_KEY" upload "$DUP_KEY" "$S/single/dup.jpg"
    check "put double//slash.jpg" upload "double//slash.jpg" "$S/single/dslash.jpg"
    check "put dots/../up.jpg" upload "dots/../up.jpg" "$S/single/dots.jpg"
    check "duplicate the S3 event of $DUP_KEY" duplicate_event
    : >"$S/empty"
    if upload "bad/empty.jpg" "$S/empty" 2>"$S/empty.err"; then EMPTY_STORED=1; fi
    check "aws s3 cp --recursive to A" e2e_aws s3 cp --recursive --only-show-errors \
        --content-type application/octet-stream --metadata owner=alice,place=home "$UP" "s3://$E2E_A/"
    check "aws s3 cp the SNS/EventBridge photos to C" e2e_aws s3 cp --recursive --only-show-errors "$S/side" "s3://$E2E_C/"
    check "send the SNS envelope" emu_send "$E2E_Q" "$(sns_envelope "$(s3_event "$SNS_KEY" "${VALID[$SNS_KEY]}")")"
    check "send the EventBridge event" emu_send "$E2E_Q" "$(eventbridge_event "$EB_KEY" "${VALID[$EB_KEY]}")"
    check "send a message that is no event" emu_send "$E2E_Q" "$GARBAGE"

    e2e_worker_start "$LOG" --drain
    e2e_worker_wait 120
    check_eq "worker exit status" "$E2E_WORKER_RC" 0
    check "worker logged worker.stop" e2e_log_has "$LOG" worker.stop
    e2e_show_log_on_failure "$LOG"
}

source_has_meta() { emu_s3 HEAD "$E2E_A" "$1" | grep -qi '^x-amz-meta-owner: alice'; }

t_valid_keys_stripped() {
    local key source
    for key in "${!VALID[@]}"; do
        source=$E2E_A
        [ "$key" = "$SNS_KEY" ] || [ "$key" = "$EB_KEY" ] && source=$E2E_C # sent from C
        e2e_expect_stripped "$key" "${VALID[$key]}" "$source"
    done
    check "the source keeps its x-amz-meta-owner (so the check above means something)" \
        source_has_meta "a/b/c/d/e/f.jpg"
}

t_exact_key_set_in_b() {
    local got want
    got=$(emu_s3_keys "$E2E_B" | paste -sd '|')
    want=$(printf '%s\n' "${!VALID[@]}" | "$E2E_PY" -c 'import sys; print("\n".join(sorted(sys.stdin.read().splitlines())))' |
        paste -sd '|')
    check_eq "keys in B ('|'-separated)" "$got" "$want"
}

t_big_photo_multipart() {
    check "input >= 30 MiB and the output exceeds one 5 MiB part" \
        [ "$(stat -c %s "$UP/$BIG_KEY")" -ge $((30 * 1024 * 1024)) ]
    local parts
    parts=$(e2e_requests "$SEQ0" "r['action']=='UploadPart' and r['bucket']=='$E2E_B' and r['status']==200")
    check "the worker uploaded the big photo in several parts (UploadPart to B: $parts)" [ "$parts" -ge 2 ]
    check_eq "CompleteMultipartUpload to B" \
        "$(e2e_requests "$SEQ0" "r['action']=='CompleteMultipartUpload' and r['bucket']=='$E2E_B' and r['status']==200")" 1
    check "job.done for the big photo" e2e_log_has "$LOG" job.done "$BIG_KEY"
}

t_refused_reported() {
    local key
    for key in "${REFUSED_KEYS[@]}"; do e2e_expect_absent "$key"; done
    : >"$S/reports"
    check "read the report queue" emu_receive_all "$E2E_REPORT" "$S/reports"
    local expected=$((${#REFUSED_KEYS[@]} + 1 + EMPTY_STORED))
    check_eq "number of reports" "$(wc -l <"$S/reports")" "$expected"
    for key in "${REFUSED_KEYS[@]}"; do
        check "report for $key names bucket, key and a reason" "$E2E_PY" -c 'import json,sys
rs=[json.loads(l) for l in open(sys.argv[1])]
ok=[r for r in rs if isinstance(r,dict) and r.get("bucket")==sys.argv[2] and r.get("key")==sys.argv[3]
    and isinstance(r.get("reason"),str) and len(r["reason"])>5 and r.get("category")=="input"]
sys.exit(0 if len(ok)==1 else 1)' "$S/reports" "$E2E_A" "$key"
        check "job.refused logged for $key" e2e_log_has "$LOG" job.refused "$key"
    done
    check "report for the message that is no event carries it and a reason" "$E2E_PY" -c 'import json,sys
rs=[json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if any(isinstance(r,dict) and r.get("bucket") is None and r.get("event")==sys.argv[2]
                  and r.get("reason") for r in rs) else 1)' "$S/reports" "$GARBAGE"
    check "PNG refusal says it is not a JPEG" "$E2E_PY" -c 'import json,sys
rs=[json.loads(l) for l in open(sys.argv[1])]
r=[r for r in rs if isinstance(r,dict) and r.get("key")=="bad/not-a-jpeg.jpg"][0]
sys.exit(0 if "jpeg" in r["reason"].lower() else 1)' "$S/reports"
    [ "$_es_cur_failed" = 1 ] && sed 's/^/  report: /' "$S/reports" | cut -c1-300 >&2
}

t_empty_object() {
    if [ "$EMPTY_STORED" != 1 ]; then
        es_fail "uploading an empty object failed ($(tail -n 1 "$S/empty.err"))"
        return
    fi
    e2e_expect_absent "bad/empty.jpg"
    check "job.refused logged for the empty object" e2e_log_has "$LOG" job.refused "bad/empty.jpg"
    check "report for the empty object" grep -q '"key": "bad/empty.jpg"' "$S/reports"
}

# Each delivery is settled on its own (done twice, or done then skipped as a
# duplicate); B then holds the right bytes (checked with the other keys).
t_duplicate_event() {
    local n_done outcomes
    n_done=$(e2e_log_count "$LOG" job.done "$DUP_KEY")
    outcomes=$((n_done + $(e2e_log_count "$LOG" job.skipped "$DUP_KEY") + $(e2e_log_count "$LOG" job.gone "$DUP_KEY")))
    check_eq "outcomes logged for $DUP_KEY (delivered twice)" "$outcomes" 2
    check "$DUP_KEY stripped at least once" [ "$n_done" -ge 1 ]
    check_eq "PutObject to B for $DUP_KEY (one per job.done)" \
        "$(e2e_requests "$SEQ0" "r['action']=='PutObject' and r['bucket']=='$E2E_B' and r.get('key')=='$DUP_KEY' and r['status']==200")" "$n_done"
}

t_sns_and_eventbridge() {
    check "SNS-wrapped event processed" e2e_log_has "$LOG" job.done "$SNS_KEY"
    check "EventBridge event processed under the literal key" e2e_log_has "$LOG" job.done "$EB_KEY"
    check_eq "nothing in B under the key decoded a second time" \
        "$(emu_s3_status HEAD "$E2E_B" "eb/plus space 日本 100%.jpg")" 404
}

t_queues_end_empty() {
    check_eq "main queue depth (visible + in flight)" "$(emu_queue_depth "$E2E_Q")" 0
    check_eq "dead-letter queue depth" "$(emu_queue_depth "$E2E_DLQ")" 0
    check_eq "no job needed a retry" "$(e2e_log_count "$LOG" job.retry)" 0
    check_eq "no message left for redelivery" "$(e2e_log_count "$LOG" message.left)" 0
}

# The worker's EMF records (tests/e2e/metrics_test.sh has the details) hold up
# under concurrent jobs, multipart uploads and every kind of message here.
t_metrics_records() {
    check "EMF records validate and match the job lines" "$E2E_PY" "$ES_ROOT/tests/e2e/emf_check.py" "$LOG" \
        --queue "$(basename "$E2E_Q")" --expect retry=0 --require QueueWait
}

es_run t_run
es_run t_valid_keys_stripped
es_run t_exact_key_set_in_b
es_run t_big_photo_multipart
es_run t_refused_reported
es_run t_empty_object
es_run t_duplicate_event
es_run t_sns_and_eventbridge
es_run t_queues_end_empty
es_run t_metrics_records
[ "$_es_fail" != 0 ] && [ -f "$LOG" ] && { echo "--- worker log (last 40 lines)" >&2; tail -n 40 "$LOG" | cut -c1-400 >&2; }
es_finish
