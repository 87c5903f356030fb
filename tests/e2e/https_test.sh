#!/usr/bin/env bash
# https_test.sh - the worker over https, trusting the endpoint the AWS way
# (AWS_CA_BUNDLE): a private emulator in its https mode (tests/emulator
# --tls-cert/--tls-key) with a self-signed certificate for 127.0.0.1 that
# openssl makes here.
#  - With AWS_CA_BUNDLE naming that certificate, a small photo (PutObject) and
#    one larger than a part (multipart) are stripped into B byte for byte as
#    `exifstrip strip` does, and their upload bodies went as UNSIGNED-PAYLOAD
#    (EXIFSTRIP_PAYLOAD_SIGNING=auto over https; the CRC64NVME still checked
#    by the emulator). The worker signs with temporary credentials, as on
#    ECS: a key the emulator accepts only with its session token, exactly.
#  - Without it the certificate is not trusted: every receive fails with a
#    configuration error naming the certificate problem (the daemon keeps
#    retrying with backoff), nothing reaches B and the message stays queued.
# Skipped when openssl is missing.
source "$(dirname "${BASH_SOURCE[0]}")/../harness/lib.sh"

TLS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/es-https.XXXXXX")
tls_stop() {
    ES_EMULATOR_DIR=$TLS_DIR/emu "$ES_ROOT/tests/emulator/start.sh" --stop >/dev/null 2>&1
    rm -rf "$TLS_DIR"
}
trap tls_stop EXIT
if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$TLS_DIR/key.pem" \
    -out "$TLS_DIR/cert.pem" -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1; then
    echo "SKIP https_test: openssl cannot make a certificate" >&2
    echo "# summary: 0 passed, 0 failed, 1 skipped"
    exit 0
fi
TEMP_KEY=ASIAE2ETEMPORARYKEY TEMP_SECRET=e2e-temporary-secret TEMP_TOKEN=e2e/session+token==
ES_TEST_ENDPOINT=$(ES_EMULATOR_DIR=$TLS_DIR/emu "$ES_ROOT/tests/emulator/start.sh" --background \
    --tls-cert "$TLS_DIR/cert.pem" --tls-key "$TLS_DIR/key.pem" --credentials "$TEMP_KEY:$TEMP_SECRET:$TEMP_TOKEN")
export ES_TEST_ENDPOINT
# curl (the helpers) trusts it too.
export CURL_CA_BUNDLE=$TLS_DIR/cert.pem AWS_CA_BUNDLE=$TLS_DIR/cert.pem
source "$(dirname "${BASH_SOURCE[0]}")/lib_e2e.sh"
trap 'e2e_cleanup; tls_stop' EXIT

S=$E2E_SCRATCH

depth_is() { [ "$(emu_queue_depth "$E2E_Q")" = "$1" ]; }
put() { emu_s3 PUT "$E2E_A" "$2" -H "content-type: image/jpeg" --data-binary "@$1" -o /dev/null; } # FILE KEY

t_endpoint_is_https() {
    case "$ES_TEST_ENDPOINT" in
        https://127.0.0.1:*) ;;
        *) es_fail "the emulator's URL is '$ES_TEST_ENDPOINT', not https" ;;
    esac
}

t_worker_over_https_with_the_ca_bundle() {
    e2e_stack tls || return
    local seq log=$S/trusted.log uploads unsigned
    "$MKFIXTURE" --gps --exif --seed 41 "$S/small.jpg" || { es_fail "mkfixture failed"; return; }
    "$MKFIXTURE" --size 3000x2400 --quality 98 --gps --seed 42 "$S/big.jpg" || { es_fail "mkfixture failed"; return; }
    check "the big photo is over one 5 MiB part" [ "$(stat -c %s "$S/big.jpg")" -gt 5242880 ]
    emu_sqs PurgeQueue "{\"QueueUrl\":\"$E2E_Q\"}" >/dev/null # the notification's s3:TestEvent
    check "PUT the small photo to A" put "$S/small.jpg" in/small.jpg
    check "PUT the big photo to A" put "$S/big.jpg" in/big.jpg
    e2e_wait 15 "2 messages queued" depth_is 2
    seq=$(e2e_log_seq)
    AWS_ACCESS_KEY_ID=$TEMP_KEY AWS_SECRET_ACCESS_KEY=$TEMP_SECRET AWS_SESSION_TOKEN=$TEMP_TOKEN \
        e2e_worker_start "$log" --drain
    e2e_worker_wait 30
    check_eq "exit status of the --drain run" "$E2E_WORKER_RC" 0
    check "the requests were signed with the temporary key and its token" \
        [ "$(e2e_requests "$seq" "r.get('access_key')=='$TEMP_KEY'")" -gt 5 ]
    check_eq "requests refused for their credentials" \
        "$(e2e_requests "$seq" "r['status']==403 or r.get('code') in ('InvalidToken','InvalidClientTokenId')")" 0
    e2e_expect_stripped in/small.jpg "$S/small.jpg"
    e2e_expect_stripped in/big.jpg "$S/big.jpg"
    uploads="r.get('bucket')=='$E2E_B' and r['action'] in ('PutObject','UploadPart') and r['status']==200"
    check "a PutObject and UploadParts were made" [ "$(e2e_requests "$seq" "$uploads")" -ge 3 ]
    unsigned=$(e2e_requests "$seq" "$uploads and r.get('unsigned_payload')")
    check_eq "upload bodies sent as UNSIGNED-PAYLOAD" "$unsigned" "$(e2e_requests "$seq" "$uploads")"
    check "a multipart upload was completed" \
        [ "$(e2e_requests "$seq" "r.get('bucket')=='$E2E_B' and r['action']=='CompleteMultipartUpload' and r['status']==200")" = 1 ]
    e2e_show_log_on_failure "$log"
}

t_untrusted_certificate_is_refused() {
    e2e_stack untrusted || return
    local log=$S/untrusted.log
    "$MKFIXTURE" --gps --seed 43 "$S/u.jpg" || { es_fail "mkfixture failed"; return; }
    emu_sqs PurgeQueue "{\"QueueUrl\":\"$E2E_Q\"}" >/dev/null
    check "PUT the photo to A" put "$S/u.jpg" in/u.jpg
    e2e_wait 15 "1 message queued" depth_is 1
    AWS_CA_BUNDLE= e2e_worker_start "$log"
    e2e_wait 15 "a receive refused for the certificate" \
        grep -q '"event":"sqs.receive_failed".*"error_code":"ES_ERR_CONFIG".*certificate' "$log"
    e2e_worker_stop
    check_eq "nothing in B" "$(emu_s3_keys "$E2E_B" | wc -l)" 0
    check_eq "the message is still queued" "$(emu_queue_depth "$E2E_Q")" 1
    e2e_show_log_on_failure "$log"
}

es_run t_endpoint_is_https
es_run t_worker_over_https_with_the_ca_bundle
es_run t_untrusted_certificate_is_refused
es_finish
