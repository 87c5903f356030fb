#!/bin/sh
# exifstrip-init.sh - creates what the exifstrip worker needs on an S3+SQS
# endpoint: bucket A (uploads) and bucket B (stripped copies), the event queue
# with its dead-letter queue (redrive after MAX_RECEIVE_COUNT receives), the
# refusal-report queue, the event queue's policy letting bucket A send to it,
# and bucket A's notification (ObjectCreated:*, and ObjectRemoved:* when
# PROPAGATE_DELETES - unset: the workers' own EXIFSTRIP_PROPAGATE_DELETES - is
# 1, true, yes or on; suffixes .jpg .jpeg .JPG .JPEG).
# One script for every place it runs:
#   - inside LocalStack, mounted into /etc/localstack/init/ready.d/ (uses awslocal);
#   - from a host against any endpoint: AWS_ENDPOINT_URL=http://127.0.0.1:4566 sh exifstrip-init.sh
#     (uses `aws --endpoint-url`; Debian's awscli 2.9 ignores AWS_ENDPOINT_URL itself).
# Idempotent. Names come from these variables (defaults below); the last lines
# on stdout are the worker's settings (EXIFSTRIP_*=...), progress goes to stderr.
: "${SOURCE_BUCKET:=photos-upload}"
: "${DEST_BUCKET:=photos-public}"
: "${EVENT_QUEUE:=photos-events}"
: "${DEAD_LETTER_QUEUE:=photos-events-dlq}"
: "${REPORT_QUEUE:=photos-refused}"
: "${MAX_RECEIVE_COUNT:=5}"
: "${VISIBILITY_TIMEOUT:=60}"
[ -n "${PROPAGATE_DELETES:-}" ] || PROPAGATE_DELETES=${EXIFSTRIP_PROPAGATE_DELETES:-}
: "${PROPAGATE_DELETES:=0}"
set -eu

# The worker's spellings of a boolean, any case.
case $(printf %s "$PROPAGATE_DELETES" | tr 'A-Z' 'a-z') in
    1 | true | yes | on) PROPAGATE_DELETES=1 ;;
    0 | false | no | off) PROPAGATE_DELETES=0 ;;
    *) echo "exifstrip-init: PROPAGATE_DELETES=$PROPAGATE_DELETES: expected 1, true, yes, on, 0, false, no or off" >&2; exit 2 ;;
esac
# A removal of a key the public bucket does not hold yet is received twice.
if [ "$PROPAGATE_DELETES" = 1 ] && [ "$MAX_RECEIVE_COUNT" -lt 2 ] 2>/dev/null; then
    echo "exifstrip-init: MAX_RECEIVE_COUNT=$MAX_RECEIVE_COUNT: at least 2 with delete propagation (a removal of a key the public bucket does not hold yet is looked at twice)" >&2
    exit 2
fi

region=${AWS_REGION:-${AWS_DEFAULT_REGION:-us-east-1}}
export AWS_DEFAULT_REGION="$region" AWS_PAGER=""
if [ -n "${AWS_ENDPOINT_URL:-}" ]; then
    awsc() { aws --endpoint-url "$AWS_ENDPOINT_URL" "$@"; }
elif command -v awslocal >/dev/null 2>&1; then
    awsc() { awslocal "$@"; }
else
    awsc() { aws "$@"; }
fi
log() { echo "exifstrip-init: $*" >&2; }

create_bucket() {
    if awsc s3api head-bucket --bucket "$1" >/dev/null 2>&1; then return 0; fi
    if [ "$region" = us-east-1 ]; then
        awsc s3api create-bucket --bucket "$1" >/dev/null
    else
        awsc s3api create-bucket --bucket "$1" --create-bucket-configuration "LocationConstraint=$region" >/dev/null
    fi
    log "bucket $1"
}

# create_queue NAME [ATTRIBUTES-JSON]: prints the queue URL.
create_queue() {
    awsc sqs create-queue --queue-name "$1" --attributes "$2" --query QueueUrl --output text
}

queue_arn() {
    awsc sqs get-queue-attributes --queue-url "$1" --attribute-names QueueArn --query Attributes.QueueArn --output text
}

create_bucket "$SOURCE_BUCKET"
create_bucket "$DEST_BUCKET"

dlq_url=$(create_queue "$DEAD_LETTER_QUEUE" '{"MessageRetentionPeriod":"1209600"}')
dlq_arn=$(queue_arn "$dlq_url")
report_url=$(create_queue "$REPORT_QUEUE" '{"MessageRetentionPeriod":"1209600"}')
redrive="{\\\"deadLetterTargetArn\\\":\\\"$dlq_arn\\\",\\\"maxReceiveCount\\\":\\\"$MAX_RECEIVE_COUNT\\\"}"
queue_url=$(create_queue "$EVENT_QUEUE" "{\"VisibilityTimeout\":\"$VISIBILITY_TIMEOUT\",\"RedrivePolicy\":\"$redrive\"}")
queue_arn=$(queue_arn "$queue_url")
log "queues $EVENT_QUEUE (dead letters: $DEAD_LETTER_QUEUE after $MAX_RECEIVE_COUNT receives), $REPORT_QUEUE"

# Only bucket A may send to the event queue, as S3 does on AWS.
policy="{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Sid\\\":\\\"S3EventsFromSourceBucket\\\",\\\"Effect\\\":\\\"Allow\\\",\\\"Principal\\\":{\\\"Service\\\":\\\"s3.amazonaws.com\\\"},\\\"Action\\\":\\\"sqs:SendMessage\\\",\\\"Resource\\\":\\\"$queue_arn\\\",\\\"Condition\\\":{\\\"ArnLike\\\":{\\\"aws:SourceArn\\\":\\\"arn:aws:s3:::$SOURCE_BUCKET\\\"}}}]}"
awsc sqs set-queue-attributes --queue-url "$queue_url" --attributes "{\"Policy\":\"$policy\"}"

events='"s3:ObjectCreated:*"'
[ "$PROPAGATE_DELETES" = 1 ] && events="$events,\"s3:ObjectRemoved:*\""
configs=""
for suffix in .jpg .jpeg .JPG .JPEG; do
    id="exifstrip-$(echo "$suffix" | tr -d . | tr 'A-Z' 'a-z')$(case $suffix in *[A-Z]*) echo -upper ;; esac)"
    configs="$configs${configs:+,}{\"Id\":\"$id\",\"QueueArn\":\"$queue_arn\",\"Events\":[$events],\"Filter\":{\"Key\":{\"FilterRules\":[{\"Name\":\"suffix\",\"Value\":\"$suffix\"}]}}}"
done
awsc s3api put-bucket-notification-configuration --bucket "$SOURCE_BUCKET" \
    --notification-configuration "{\"QueueConfigurations\":[$configs]}"
log "notification s3://$SOURCE_BUCKET/*.{jpg,jpeg,JPG,JPEG} -> $EVENT_QUEUE; ready"

echo "EXIFSTRIP_SOURCE_BUCKETS=$SOURCE_BUCKET"
echo "EXIFSTRIP_DEST_BUCKET=$DEST_BUCKET"
echo "EXIFSTRIP_QUEUE_URL=$queue_url"
echo "EXIFSTRIP_DLQ_URL=$report_url"
echo "EXIFSTRIP_PROPAGATE_DELETES=$PROPAGATE_DELETES"
