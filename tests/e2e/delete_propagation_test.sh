#!/usr/bin/env bash
# delete_propagation_test.sh - end to end: the real worker with bucket A
# notifying both s3:ObjectCreated:* and s3:ObjectRemoved:*. Photos deleted
# with awscli while EXIFSTRIP_PROPAGATE_DELETES is unset stay in B (the
# removal is skipped, nothing is asked of B); with it set, the copy made
# from the deleted photo goes, the other photo stays, and a key of B written
# by someone else (no exifstrip metadata) whose name is deleted in A stays,
# with a warn line. Each phase is one --drain run. At the longest visibility
# timeout (12 hours), a removal's recheck hides its message for what SQS's
# 12 hours from the receive leave, which SQS (and the emulator) accept.
source "$(dirname "${BASH_SOURCE[0]}")/../harness/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib_e2e.sh"

S=$E2E_SCRATCH
UP=$S/up

# The first JSON log line of an event for a key (KEY "": any line of it, keyed
# or not): its field, or "".
log_field() { # log event key field
    "$E2E_PY" -c 'import json,sys
for l in open(sys.argv[1], errors="replace"):
    try: d=json.loads(l)
    except ValueError: continue
    if d.get("event")==sys.argv[2] and sys.argv[3] in ("", d.get("key")): print(d.get(sys.argv[4]) or ""); break' "$@"
}

drain() { # log: one --drain run (EXIFSTRIP_* set by the caller reach the worker), which must exit 0
    e2e_worker_start "$1" --drain
    e2e_worker_wait 60
    check_eq "worker exit status ($(basename "$1"))" "$E2E_WORKER_RC" 0
}

t_deletes_follow_only_when_enabled() {
    e2e_stack d || return
    emu_notify_queue "$E2E_A" "$E2E_Q" .jpg 's3:ObjectCreated:*' 's3:ObjectRemoved:*' ||
        { es_fail "the notification on $E2E_A failed"; return; }
    mkdir -p "$UP/album"
    "$MKFIXTURE" --gps --seed 11 "$UP/album/keep.jpg" && "$MKFIXTURE" --gps --seed 12 "$UP/album/gone é.jpg" ||
        { es_fail "mkfixture failed"; return; }
    check "aws s3 cp --recursive to A" e2e_aws s3 cp --recursive --only-show-errors "$UP" "s3://$E2E_A/"
    drain "$S/1.log"
    e2e_expect_stripped "album/gone é.jpg" "$UP/album/gone é.jpg"

    # Off (the default): the removal is skipped and B is not asked anything.
    check "aws s3 rm from A" e2e_aws s3 rm --only-show-errors "s3://$E2E_A/album/gone é.jpg"
    local seq
    seq=$(e2e_log_seq)
    drain "$S/2.log"
    check_eq "off: requests to B" "$(e2e_requests "$seq" "r.get('bucket')=='$E2E_B'")" 0
    check "off: 'gone é.jpg' is still in B" emu_s3 HEAD "$E2E_B" "album/gone é.jpg" -o /dev/null
    check "off: the removal is skipped" grep -q 'is a removal, and delete propagation is off here' <(log_field "$S/2.log" job.skipped "album/gone é.jpg" reason)
    check_eq "off: with a warning (bucket A sends removals)" "$(log_field "$S/2.log" job.skipped "album/gone é.jpg" level)" warn

    # On: upload again, delete again, and delete a name whose copy in B is someone else's.
    emu_s3 PUT "$E2E_A" "album/gone é.jpg" --data-binary "@$UP/album/gone é.jpg" -o /dev/null ||
        { es_fail "PUT A/album/gone é.jpg failed"; return; }
    echo "not from exifstrip" >"$S/theirs.jpg"
    emu_s3 PUT "$E2E_B" "album/theirs.jpg" --data-binary "@$S/theirs.jpg" -o /dev/null ||
        { es_fail "PUT B/album/theirs.jpg failed"; return; }
    check "DELETE from A (again)" emu_s3 DELETE "$E2E_A" "album/gone é.jpg" -o /dev/null
    check "DELETE of a name only B has" emu_s3 DELETE "$E2E_A" "album/theirs.jpg" -o /dev/null
    EXIFSTRIP_PROPAGATE_DELETES=1 drain "$S/3.log"
    e2e_expect_absent "album/gone é.jpg"
    e2e_expect_stripped "album/keep.jpg" "$UP/album/keep.jpg"
    check "B keeps the copy someone else wrote" emu_s3 HEAD "$E2E_B" "album/theirs.jpg" -o /dev/null
    check "on: job.deleted logged" e2e_log_has "$S/3.log" job.deleted "album/gone é.jpg"
    check_eq "on: the foreign copy is a warning" "$(log_field "$S/3.log" job.skipped album/theirs.jpg level)" warn
    check "worker.start shows the setting" grep -q '"propagate_deletes":true' "$S/3.log"
    check "worker.stop counts the deleted copy" grep -q '"copies_deleted":1' "$S/3.log"
    check_eq "refusals" "$(cat "$S"/*.log | grep -c '"event":"job.refused"')" 0
    check_eq "main queue depth" "$(emu_queue_depth "$E2E_Q")" 0
    check_eq "report queue depth" "$(emu_queue_depth "$E2E_REPORT")" 0
    e2e_show_log_on_failure "$S/3.log" 40
}

# EXIFSTRIP_VISIBILITY_TIMEOUT=43200: the recheck asked SQS to hide the
# message 43200 s from then, past 12 hours from its receive: refused
# (sqs.hide_failed). It now asks what is left.
t_recheck_at_the_longest_visibility_timeout() {
    e2e_stack dv || return
    emu_notify_queue "$E2E_A" "$E2E_Q" .jpg 's3:ObjectRemoved:*' ||
        { es_fail "the notification on $E2E_A failed"; return; }
    "$MKFIXTURE" --gps --seed 13 "$S/never.jpg" || { es_fail "mkfixture failed"; return; }
    emu_s3 PUT "$E2E_A" never.jpg --data-binary "@$S/never.jpg" -o /dev/null &&
        emu_s3 DELETE "$E2E_A" never.jpg -o /dev/null || { es_fail "PUT and DELETE in A failed"; return; }
    EXIFSTRIP_PROPAGATE_DELETES=1 EXIFSTRIP_VISIBILITY_TIMEOUT=43200 e2e_worker_start "$S/long.log"
    e2e_wait 30 "the recheck" e2e_log_has "$S/long.log" message.recheck
    e2e_worker_stop
    check_eq "worker exit status" "$E2E_WORKER_RC" 0
    check_eq "hide refusals" "$(e2e_log_count "$S/long.log" sqs.hide_failed)" 0
    local hidden
    hidden=$(log_field "$S/long.log" message.recheck "" visible_in_s)
    check "hidden for what 12 hours leave, less a minute ($hidden s)" test "${hidden:-0}" -ge 43000 -a "${hidden:-0}" -le 43140
    e2e_show_log_on_failure "$S/long.log" 30
}

es_run t_deletes_follow_only_when_enabled
es_run t_recheck_at_the_longest_visibility_timeout
es_finish
