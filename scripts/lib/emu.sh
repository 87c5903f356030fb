# emu.sh - small S3/SQS client for the local emulator (tests/emulator), shared
# by the end-to-end tests (tests/e2e/lib_e2e.sh) and the demo (scripts/demo.sh).
# Requests are signed with SigV4 by curl --aws-sigv4 (credentials test/test,
# region us-east-1), which is much faster than one awscli process per call.
# Set EMU_URL (the emulator's URL) before use; EMU_PY is the python3 used for
# JSON/XML handling. Functions print the response body and return non-zero on
# an error answer.

EMU_PY=${EMU_PY:-/usr/bin/python3}
[ -x "$EMU_PY" ] || EMU_PY=python3

# Percent-encodes a key for a request path (SigV4's URI encoding; '/' kept).
emu_urlenc() {
    local LC_ALL=C s=$1 out="" c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case $c in
            [A-Za-z0-9._~/-]) out+=$c ;;
            *) printf -v c '%%%02X' "'$c"; out+=$c ;;
        esac
    done
    printf '%s' "$out"
}

EMU_SIGV4=$(dirname "${BASH_SOURCE[0]}")/emu_sigv4.py

# emu_s3 METHOD BUCKET KEY [curl args...]: KEY "" addresses the bucket itself;
# extra curl args may add a query (-G --data-urlencode ...), headers, -o, -D ...
emu_s3() {
    local method=$1 path=$2 key=$3
    [ -n "$key" ] && path+=/$(emu_urlenc "$key")
    shift 3
    case "/$key/" in
        */./* | */../*) _emu_s3_as_is "$method" "$path" "$@" ;;
        *) _emu_s3_raw "$method" "$path" "$@" ;;
    esac
}

# _emu_s3_as_is METHOD PATH [curl args...]: a key with a "." or ".." segment
# (S3 allows them) must go as it is, but curl resolves dot segments (encoded
# ones too from curl 8 on) and refuses --path-as-is with --aws-sigv4 there
# (Debian 13): emu_sigv4.py signs it instead (no query, no other x-amz-*
# header: both would go unsigned).
_emu_s3_as_is() {
    local method=$1 path=$2 h
    shift 2
    if [ "$method" = HEAD ]; then set -- --head "$@"; else set -- -X "$method" "$@"; fi
    mapfile -t h < <("$EMU_PY" "$EMU_SIGV4" "$method" "$EMU_URL" "/$path") && [ "${#h[@]}" = 2 ] || return 1
    curl -sS --fail-with-body --max-time 120 --path-as-is -H "${h[0]}" -H "${h[1]}" \
        -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@" "$EMU_URL/$path"
}

# _emu_s3_raw METHOD PATH[?QUERY] [curl args...]: PATH already encoded.
_emu_s3_raw() {
    local method=$1 path=$2
    shift 2
    if [ "$method" = HEAD ]; then set -- --head "$@"; else set -- -X "$method" "$@"; fi
    curl -sS --fail-with-body --max-time 120 \
        --aws-sigv4 "aws:amz:us-east-1:s3" --user test:test -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
        "$@" "$EMU_URL/$path"
}

# emu_s3_status METHOD BUCKET KEY: prints only the HTTP status.
emu_s3_status() {
    emu_s3 "$1" "$2" "$3" -o /dev/null -w '%{http_code}' 2>/dev/null
}

# emu_s3_keys BUCKET: every key, one per line, sorted (ListObjectsV2, up to 1000).
emu_s3_keys() {
    emu_s3 GET "$1" "" -G --data-urlencode list-type=2 | "$EMU_PY" -c 'import sys,xml.etree.ElementTree as ET
for k in sorted(e.text for e in ET.fromstring(sys.stdin.read()).iter() if e.tag.split("}")[-1]=="Key"): print(k)'
}

# emu_sqs ACTION JSON: SQS JSON protocol.
emu_sqs() {
    curl -sS --fail-with-body --max-time 30 --aws-sigv4 "aws:amz:us-east-1:sqs" --user test:test \
        -H "Content-Type: application/x-amz-json-1.0" -H "X-Amz-Target: AmazonSQS.$1" \
        --data-binary "$2" "$EMU_URL/"
}

# emu_json EXPR [ARGS...]: JSON on stdin as d (ARGS as args); prints eval(EXPR),
# strings raw, anything else as JSON.
emu_json() {
    "$EMU_PY" -c 'import json,sys
d=json.load(sys.stdin); args=sys.argv[2:]
v=eval(sys.argv[1])
print(v if isinstance(v,str) else json.dumps(v))' "$@"
}

emu_create_bucket() { emu_s3 PUT "$1" "" >/dev/null; }

# emu_create_queue NAME [ATTRIBUTES-JSON]: prints the queue URL.
emu_create_queue() {
    local attrs=${2:-"{}"}
    emu_sqs CreateQueue "{\"QueueName\":\"$1\",\"Attributes\":$attrs}" | emu_json 'd["QueueUrl"]'
}

emu_queue_arn() {
    emu_sqs GetQueueAttributes "{\"QueueUrl\":\"$1\",\"AttributeNames\":[\"QueueArn\"]}" |
        emu_json 'd["Attributes"]["QueueArn"]'
}

# emu_create_queue_with_dlq NAME DLQ-URL MAX-RECEIVES: a queue whose messages
# move to the DLQ after MAX-RECEIVES receives; prints its URL.
emu_create_queue_with_dlq() {
    local arn
    arn=$(emu_queue_arn "$2") || return 1
    emu_create_queue "$1" "{\"RedrivePolicy\":\"{\\\"deadLetterTargetArn\\\":\\\"$arn\\\",\\\"maxReceiveCount\\\":\\\"$3\\\"}\"}"
}

# emu_notify_queue BUCKET QUEUE-URL SUFFIX [EVENT...]: every object created
# in BUCKET (or the EVENTs given, e.g. s3:ObjectCreated:* s3:ObjectRemoved:*)
# whose key ends in SUFFIX is announced to the queue (S3 event notification).
# ("?notification=": curl 7.88 signs a bare "?notification" unlike it sends it.)
emu_notify_queue() {
    local arn events="" e
    arn=$(emu_queue_arn "$2") || return 1
    for e in "${@:4}"; do events+="<Event>$e</Event>"; done
    [ -n "$events" ] || events="<Event>s3:ObjectCreated:*</Event>"
    _emu_s3_raw PUT "$1?notification=" -H "Content-Type: application/xml" --data-binary \
        "<NotificationConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><QueueConfiguration><Id>${3#.}-to-queue</Id><Queue>$arn</Queue>$events<Filter><S3Key><FilterRule><Name>suffix</Name><Value>$3</Value></FilterRule></S3Key></Filter></QueueConfiguration></NotificationConfiguration>" \
        >/dev/null
}

# emu_queue_depth URL: visible + in flight + delayed messages.
emu_queue_depth() {
    emu_sqs GetQueueAttributes "{\"QueueUrl\":\"$1\",\"AttributeNames\":[\"All\"]}" |
        emu_json 'sum(int(d["Attributes"].get(k,"0")) for k in ("ApproximateNumberOfMessages","ApproximateNumberOfMessagesNotVisible","ApproximateNumberOfMessagesDelayed"))'
}

# emu_send URL BODY: sends BODY (any text) as one message.
emu_send() {
    local req
    req=$("$EMU_PY" -c 'import json,sys; print(json.dumps({"QueueUrl":sys.argv[1],"MessageBody":sys.argv[2]}))' "$1" "$2")
    emu_sqs SendMessage "$req" >/dev/null
}

# emu_receive_all URL OUT: appends every message body of the queue to OUT, one
# JSON document per line (a body that is not JSON becomes a JSON string), and
# deletes the messages.
emu_receive_all() {
    local url=$1 out=$2 ans req n i
    for i in $(seq 1 100); do
        ans=$(emu_sqs ReceiveMessage "{\"QueueUrl\":\"$url\",\"MaxNumberOfMessages\":10,\"VisibilityTimeout\":30,\"WaitTimeSeconds\":0}") ||
            return 1
        n=$(printf '%s' "$ans" | "$EMU_PY" -c 'import json,sys
d=json.load(sys.stdin); out=open(sys.argv[1],"a")
for m in d.get("Messages",[]):
    try: doc=json.loads(m["Body"])
    except ValueError: doc=m["Body"]
    out.write(json.dumps(doc)+"\n")
print(len(d.get("Messages",[])))' "$out") || return 1
        [ "$n" = 0 ] && return 0
        req=$(printf '%s' "$ans" | "$EMU_PY" -c 'import json,sys
d=json.load(sys.stdin)
print(json.dumps({"QueueUrl":sys.argv[1],"Entries":[{"Id":str(i),"ReceiptHandle":m["ReceiptHandle"]} for i,m in enumerate(d["Messages"])]}))' "$url") &&
            emu_sqs DeleteMessageBatch "$req" >/dev/null || return 1
    done
    return 1
}
