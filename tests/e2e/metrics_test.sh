#!/usr/bin/env bash
# metrics_test.sh - end to end: the worker's CloudWatch Embedded Metric Format
# records. One `exifstrip worker --drain` run over photos uploaded to A, a
# file that is no JPEG and an event from a bucket that is not a source; its
# real JSON log is validated by emf_check.py (the EMF specification's
# structure, one record per job matching its job line, the counts by outcome,
# the namespace and queue settings, a QueueWait from SentTimestamp). The
# validator is shown to reject broken records. Then EXIFSTRIP_METRICS=off and
# --log-format text: no "_aws" anywhere, and the text log stays readable.
source "$(dirname "${BASH_SOURCE[0]}")/../harness/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib_e2e.sh"

S=$E2E_SCRATCH
UP=$S/up
EMF_CHECK=$ES_ROOT/tests/e2e/emf_check.py
NAMESPACE="exifstrip-e2e/metrics test"

# upload N PREFIX: N photos with GPS and XMP under PREFIX/ in A.
upload() {
    local i
    rm -rf "$UP" && mkdir -p "$UP/$2"
    for i in $(seq 1 "$1"); do
        "$MKFIXTURE" --gps --xmp --seed "$i" "$UP/$2/photo $i.jpg" || { es_fail "mkfixture failed"; return 1; }
    done
    check "aws s3 cp --recursive to A" e2e_aws s3 cp --recursive --only-show-errors "$UP" "s3://$E2E_A/"
}

# An S3 event for C/key (C is not a source bucket in the first run: skipped).
event_for_c() {
    "$E2E_PY" -c 'import json,sys
print(json.dumps({"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
    "eventTime": "2024-05-01T10:00:00.000Z", "eventName": "ObjectCreated:Put",
    "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": sys.argv[1], "arn": "arn:aws:s3:::" + sys.argv[1]},
           "object": {"key": "elsewhere.jpg", "size": 10, "eTag": "0123456789abcdef0123456789abcdef",
                      "sequencer": "0055AED6DCD90281E5"}}}]}))' "$E2E_C"
}

t_emf_records_validate() {
    e2e_stack m || return
    upload 3 emf || return
    printf 'no jpeg here' >"$S/not-a-jpeg.jpg"
    check "upload a file that is no JPEG" e2e_aws s3 cp --only-show-errors "$S/not-a-jpeg.jpg" "s3://$E2E_A/bad/not-a-jpeg.jpg"
    check "send an event from a bucket that is no source" emu_send "$E2E_Q" "$(event_for_c)"
    EXIFSTRIP_SOURCE_BUCKETS=$E2E_A EXIFSTRIP_METRICS_NAMESPACE=$NAMESPACE \
        e2e_worker_start "$S/emf.log" --drain --concurrency 2
    e2e_worker_wait 60
    check_eq "worker exit status (--drain)" "$E2E_WORKER_RC" 0
    check_eq "job.done lines" "$(e2e_log_count "$S/emf.log" job.done)" 3
    check "worker.start says metrics=emf and the namespace" start_says "$S/emf.log" emf "$NAMESPACE"
    check "EMF records validate, add up and carry QueueWait" "$E2E_PY" "$EMF_CHECK" "$S/emf.log" \
        --namespace "$NAMESPACE" --queue "$(basename "$E2E_Q")" \
        --expect stripped=3 --expect refused=1 --expect skipped=1 --expect gone=0 --expect retry=0 --expect deleted=0 \
        --require QueueWait --require ReceiveToDone --require BytesRemoved
    check "stripped jobs removed bytes (BytesRemoved > 0)" "$E2E_PY" -c 'import json,sys
rs=[json.loads(l) for l in open(sys.argv[1]) if "\"_aws\"" in l]
sys.exit(0 if all(r["BytesRemoved"]>0 and r["BytesIn"]==r["BytesOut"]+r["BytesRemoved"] for r in rs if r["Outcome"]=="stripped") else 1)' "$S/emf.log"
    check "queue waits are plausible (0 .. 10 min)" "$E2E_PY" -c 'import json,sys
rs=[json.loads(l) for l in open(sys.argv[1]) if "\"_aws\"" in l]
sys.exit(0 if rs and all(0<=r["QueueWait"]<600000 and r["ReceiveToDone"]>=r["JobDuration"] for r in rs) else 1)' "$S/emf.log"
    e2e_show_log_on_failure "$S/emf.log"
}

# start_says LOG METRICS [NAMESPACE]: the worker.start line reports the metrics setting.
start_says() {
    "$E2E_PY" -c 'import json,sys
for l in open(sys.argv[1]):
    d=json.loads(l) if l.startswith("{") else {}
    if d.get("event")=="worker.start":
        sys.exit(0 if d.get("metrics")==sys.argv[2] and d.get("metrics_namespace")==(sys.argv[3] if len(sys.argv)>3 else None) else 1)
sys.exit(1)' "$@"
}

# mutate NAME PYTHON: a copy of the log whose first EMF record r is changed by
# PYTHON must be rejected by emf_check.py.
mutate() {
    "$E2E_PY" -c 'import json,sys
out=open(sys.argv[2],"w"); done=False
for l in open(sys.argv[1]):
    if not done and "\"_aws\"" in l:
        r=json.loads(l); exec(sys.argv[3]); l=json.dumps(r)+"\n"; done=True
    out.write(l)' "$S/emf.log" "$S/mutant.log" "$2"
    check "emf_check.py rejects a record with $1" bash -c '! "$1" "$2" "$3" >/dev/null 2>&1' _ "$E2E_PY" "$EMF_CHECK" "$S/mutant.log"
}

t_validator_rejects_broken_records() {
    [ -s "$S/emf.log" ] || { es_fail "no log from the first run"; return; }
    mutate "a metric value missing" 'del r["BytesIn"]'
    mutate "a metric value that is a string" 'r["JobDuration"]=str(r["JobDuration"])'
    mutate "a dimension value that is a number" 'r["Queue"]=7'
    mutate "the Timestamp in seconds" 'r["_aws"]["Timestamp"]//=1000'
    mutate "an unknown Unit" 'r["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"]="Photos"'
    mutate "an AWS/ namespace" 'r["_aws"]["CloudWatchMetrics"][0]["Namespace"]="AWS/S3"'
    mutate "31 dimensions" 'r.update({"D%d"%i:"x" for i in range(31)}); r["_aws"]["CloudWatchMetrics"][0]["Dimensions"]=[["D%d"%i for i in range(31)]]'
    mutate "two outcomes counted" 'r["JobsGone"]=1'
    mutate "bytes that differ from its job line" 'r["BytesOut"]+=1'
    "$E2E_PY" -c 'import sys; open(sys.argv[2],"w").writelines(l for l in open(sys.argv[1]) if "\"_aws\"" not in l or "\"stripped\"" not in l)' \
        "$S/emf.log" "$S/mutant.log"
    check "emf_check.py rejects a log whose done jobs have no records" \
        bash -c '! "$1" "$2" "$3" >/dev/null 2>&1' _ "$E2E_PY" "$EMF_CHECK" "$S/mutant.log"
}

t_metrics_off() {
    [ -n "${E2E_Q:-}" ] || { es_fail "no stack"; return; }
    upload 1 off || return
    EXIFSTRIP_METRICS=off e2e_worker_start "$S/off.log" --drain
    e2e_worker_wait 60
    check_eq "worker exit status (--drain)" "$E2E_WORKER_RC" 0
    check_eq "job.done lines" "$(e2e_log_count "$S/off.log" job.done)" 1
    check "EXIFSTRIP_METRICS=off: no \"_aws\" in the log" "$E2E_PY" "$EMF_CHECK" --none "$S/off.log"
    check "worker.start says metrics=off" start_says "$S/off.log" off
    e2e_show_log_on_failure "$S/off.log"
}

t_text_log_stays_readable() {
    [ -n "${E2E_Q:-}" ] || { es_fail "no stack"; return; }
    upload 1 text || return
    e2e_worker_start "$S/text.log" --drain --log-format text
    e2e_worker_wait 60
    check_eq "worker exit status (--drain)" "$E2E_WORKER_RC" 0
    check "--log-format text: no \"_aws\" in the log" "$E2E_PY" "$EMF_CHECK" --none "$S/text.log"
    check "--log-format text: no JSON line at all" bash -c '! grep -q "^{" "$1"' _ "$S/text.log"
    check "--log-format text: a readable job.done line with its key and bytes" \
        grep -Eq '^[0-9T:.-]+Z info +job\.done .*key="text/photo 1\.jpg".* bytes_in=[0-9]+ bytes_out=[0-9]+' "$S/text.log"
    e2e_show_log_on_failure "$S/text.log"
}

es_run t_emf_records_validate
es_run t_validator_rejects_broken_records
es_run t_metrics_off
es_run t_text_log_stays_readable
es_finish
