#!/usr/bin/env bash
# clock_step_test.sh - the worker's wall clock stepped while it runs (an NTP
# step after a boot before time sync), simulated by an LD_PRELOAD library
# (clock_shift.c) that moves time(), gettimeofday() and CLOCK_REALTIME but
# not CLOCK_MONOTONIC: a job running when the clock steps an hour forward is
# not "stuck" to `exifstrip health` (the heartbeat ages its jobs on the
# monotonic clock), and the photo is written; with the clock five minutes
# behind, a propagated removal of a key B never held is looked at twice and
# settled, not sent to the dead-letter queue. Skipped in sanitizer builds,
# whose runtime must be the first library loaded.
source "$(dirname "${BASH_SOURCE[0]}")/../harness/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib_e2e.sh"

S=$E2E_SCRATCH
SHIFT=$S/shift

s_sanitized() { { nm "$EXIFSTRIP"; nm -D "$EXIFSTRIP"; } 2>/dev/null | grep -q '__asan_init\|__tsan_init'; }

s_build_shim() {
    "${CC:-cc}" -O1 -shared -fPIC -o "$S/clock_shift.so" "$ES_ROOT/tests/e2e/clock_shift.c" -ldl 2>"$S/cc.err" ||
        { es_fail "building clock_shift.so failed: $(head -c 300 "$S/cc.err")"; return 1; }
}

# Runs `exifstrip health` on the shifted clock; sets RC, OUT.
s_health() {
    OUT=$(ES_CLOCK_SHIFT_FILE=$SHIFT LD_PRELOAD=$S/clock_shift.so "$EXIFSTRIP" health \
        --heartbeat-file "$S/heartbeat" 2>&1)
    RC=$?
}

t_forward_step_during_a_job() {
    if s_sanitized; then
        es_skip "a sanitizer build: LD_PRELOAD cannot come before its runtime"
        return
    fi
    s_build_shim || return
    e2e_stack cs || return
    echo 0 >"$SHIFT"
    "$MKFIXTURE" --gps --seed 41 "$S/p.jpg" || { es_fail "mkfixture failed"; return; }
    e2e_fault "{\"service\":\"s3\",\"action\":\"GetObject\",\"bucket\":\"$E2E_A\",\"key\":\"p.jpg\",\"delay_ms\":12000,\"times\":1}" >/dev/null ||
        { es_fail "adding the fault failed"; return; }
    emu_s3 PUT "$E2E_A" p.jpg --data-binary "@$S/p.jpg" -o /dev/null || { es_fail "PUT failed"; return; }
    ES_CLOCK_SHIFT_FILE=$SHIFT LD_PRELOAD=$S/clock_shift.so EXIFSTRIP_CONCURRENCY=1 \
        e2e_worker_start "$S/worker.log" --drain
    e2e_wait 20 "a job slot busy with the photo" grep -q '^busy=1$' "$S/heartbeat" || return
    sleep 1
    local stepped=$(($(date +%s) + 3600))
    echo 3600 >"$SHIFT" # the clock steps an hour forward mid-job
    # the heartbeat is rewritten once the receiver is back from its receive
    # (whose first answer after the step is RequestTimeTooSkewed)
    e2e_wait 15 "the heartbeat written after the step" \
        bash -c '[ "$(sed -n "s/^updated=//p" "$1")" -ge "$2" ]' _ "$S/heartbeat" "$stepped" || return
    s_health
    check_eq "health after the step: exit status ($OUT)" "$RC" 0
    check "health says 1 of 1 job slots busy" grep -q "1 of 1 job slots busy" <<<"$OUT"
    e2e_worker_wait 40
    check_eq "worker exit status" "$E2E_WORKER_RC" 0
    e2e_expect_stripped p.jpg "$S/p.jpg"
    e2e_show_log_on_failure "$S/worker.log" 30
}

# With deletes propagated, a removal of a key B never held is looked at a
# second time, a visibility timeout after the first, and then settled: the
# worker tells its first look from that one on SQS's clock, so a host clock
# five minutes behind does not make every receive a first look (which sent
# the removal to the dead-letter queue).
t_removal_with_the_clock_behind() {
    if s_sanitized; then
        es_skip "a sanitizer build: LD_PRELOAD cannot come before its runtime"
        return
    fi
    s_build_shim || return
    e2e_stack cb || return
    emu_notify_queue "$E2E_A" "$E2E_Q" .jpg 's3:ObjectRemoved:*' ||
        { es_fail "the notification on $E2E_A failed"; return; }
    echo -300 >"$SHIFT"
    "$MKFIXTURE" --gps --seed 42 "$S/r.jpg" || { es_fail "mkfixture failed"; return; }
    emu_s3 PUT "$E2E_A" r.jpg --data-binary "@$S/r.jpg" -o /dev/null && emu_s3 DELETE "$E2E_A" r.jpg -o /dev/null ||
        { es_fail "PUT and DELETE in A failed"; return; }
    ES_CLOCK_SHIFT_FILE=$SHIFT LD_PRELOAD=$S/clock_shift.so EXIFSTRIP_PROPAGATE_DELETES=1 \
        EXIFSTRIP_VISIBILITY_TIMEOUT=10 e2e_worker_start "$S/removal.log" --drain
    e2e_worker_wait 60
    check_eq "worker exit status" "$E2E_WORKER_RC" 0
    check_eq "looked at again once" "$(e2e_log_count "$S/removal.log" message.recheck)" 1
    check "then settled: B has no copy" e2e_log_has "$S/removal.log" job.skipped r.jpg
    check_eq "dead-letter queue depth" "$(emu_queue_depth "$E2E_DLQ")" 0
    e2e_show_log_on_failure "$S/removal.log" 30
}

es_run t_forward_step_during_a_job
es_run t_removal_with_the_clock_behind
es_finish
