#!/usr/bin/env bash
# init_script_test.sh - docker/localstack/ready.d/exifstrip-init.sh run from
# the host against the emulator, as README and docker/compose.emulator.yaml
# say (`AWS_ENDPOINT_URL=... sh exifstrip-init.sh`): bucket A's notification
# gets s3:ObjectRemoved:* when only the workers' EXIFSTRIP_PROPAGATE_DELETES
# turns delete propagation on (in a spelling the worker accepts: True), the
# script's own PROPAGATE_DELETES wins when both are set, and a value the worker
# would refuse stops the script. The script is idempotent, so the second run
# reuses the first one's names. (The default, no propagation, is what
# tests/docker and tests/terraform check.)
source "$(dirname "${BASH_SOURCE[0]}")/../harness/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib_e2e.sh"

SRC=$E2E_ID-upload DST=$E2E_ID-public

# init [VAR=VALUE...]: runs the init script with only these delete settings
# (Debian's awscli, as the other tests); its stdout in $E2E_SCRATCH/init.env.
init() {
    env -u PROPAGATE_DELETES -u EXIFSTRIP_PROPAGATE_DELETES PATH="/usr/bin:$PATH" "$@" \
        SOURCE_BUCKET="$SRC" DEST_BUCKET="$DST" EVENT_QUEUE="$E2E_ID-events" DEAD_LETTER_QUEUE="$E2E_ID-dlq" \
        REPORT_QUEUE="$E2E_ID-refused" sh "$ES_ROOT/docker/localstack/ready.d/exifstrip-init.sh" \
        >"$E2E_SCRATCH/init.env" 2>"$E2E_SCRATCH/init.log"
}

# The notification's event types on bucket A, sorted, one line.
events() {
    e2e_aws s3api get-bucket-notification-configuration --bucket "$SRC" \
        --query 'QueueConfigurations[].Events[]' --output text | tr '\t' '\n' | sort -u | tr '\n' ' '
}

printed() { sed -n 's/^EXIFSTRIP_PROPAGATE_DELETES=//p' "$E2E_SCRATCH/init.env"; }

# expect_events WHAT PRINTED EVENTS VAR=VALUE...: one run and what it set up.
expect_events() {
    local what=$1 want_printed=$2 want_events=$3
    shift 3
    init "$@"
    check_eq "$what: exit status ($(tail -n 2 "$E2E_SCRATCH/init.log" | tr '\n' ' '))" "$?" 0
    check_eq "$what: notification events" "$(events)" "$want_events"
    check_eq "$what: printed EXIFSTRIP_PROPAGATE_DELETES" "$(printed)" "$want_printed"
}

CREATED="s3:ObjectCreated:* "
BOTH="s3:ObjectCreated:* s3:ObjectRemoved:* "

t_delete_propagation_settings() {
    # The workers' variable alone, in another of the worker's spellings than 1.
    expect_events "EXIFSTRIP_PROPAGATE_DELETES=True" 1 "$BOTH" EXIFSTRIP_PROPAGATE_DELETES=True
    _e2e_buckets+=("$SRC" "$DST")
    _e2e_queues+=($(sed -n 's/^EXIFSTRIP_\(QUEUE\|DLQ\)_URL=//p' "$E2E_SCRATCH/init.env"))
    _e2e_queues+=("$(e2e_aws sqs get-queue-url --queue-name "$E2E_ID-dlq" --query QueueUrl --output text)")
    # The script's own variable first; run again, the notification loses s3:ObjectRemoved:*.
    expect_events "PROPAGATE_DELETES=0, EXIFSTRIP_PROPAGATE_DELETES=1" 0 "$CREATED" PROPAGATE_DELETES=0 EXIFSTRIP_PROPAGATE_DELETES=1
}

t_a_bad_value_stops_the_script() {
    init EXIFSTRIP_PROPAGATE_DELETES=maybe
    check "exit status non-zero" test "$?" -ne 0
    check "names the value" grep -q 'PROPAGATE_DELETES=maybe: expected' "$E2E_SCRATCH/init.log"
}

t_one_receive_refused_with_delete_propagation() {
    init EXIFSTRIP_PROPAGATE_DELETES=1 MAX_RECEIVE_COUNT=1
    check_eq "exit status" "$?" 2
    check "names the setting" grep -q 'MAX_RECEIVE_COUNT=1: at least 2 with delete propagation' "$E2E_SCRATCH/init.log"
}

es_run t_delete_propagation_settings
es_run t_one_receive_refused_with_delete_propagation
es_run t_a_bad_value_stops_the_script
es_finish
