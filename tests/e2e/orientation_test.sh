#!/usr/bin/env bash
# orientation_test.sh - end to end: a portrait phone photo stored sideways
# (EXIF Orientation 6, sides not whole MCUs) uploaded with awscli to bucket A
# arrives in B upright, with no EXIF at all: B decodes to exactly the pixels
# the original displays as (jpegtran -trim), is byte for byte what
# `exifstrip strip` makes of it, its stored pixels are turned, and
# job.done says what was done. A second photo too large for the worker's
# EXIFSTRIP_TRANSFORM_MEMORY is not refused: it keeps only its tag (and says
# why). An upright photo still takes the plain byte-for-byte path. Photos
# whose transform memory is not free wait for it holding nothing, then are
# read again and turned.
source "$(dirname "${BASH_SOURCE[0]}")/../harness/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib_e2e.sh"

S=$E2E_SCRATCH
LOG=$S/worker.log
UP=$S/up
JPEGCMP=$ES_BUILD/tests/tools/jpegcmp
PORTRAIT="phone/portrait é.jpg"
BIG="phone/big panorama.jpg"
UPRIGHT="phone/upright.jpg"

log_field() { # event key field [log]: the field of the first matching JSON log line
    "$E2E_PY" -c 'import json,sys
for l in open(sys.argv[1], errors="replace"):
    try: d=json.loads(l)
    except ValueError: continue
    if d.get("event")==sys.argv[2] and d.get("key")==sys.argv[3]: print(d.get(sys.argv[4]) or ""); break' "${4:-$LOG}" "$1" "$2" "$3"
}

t_rotated_photo_arrives_upright() {
    e2e_stack o || return
    mkdir -p "$UP/phone"
    "$MKFIXTURE" --oriented --orientation 6 --size 475x637 --gps --thumb --xmp --seed 7 "$UP/$PORTRAIT" &&
        "$MKFIXTURE" --oriented --orientation 3 --size 1600x1200 --gps --seed 8 "$UP/$BIG" &&
        "$MKFIXTURE" --gps --orientation 1 --seed 9 "$UP/$UPRIGHT" || { es_fail "mkfixture failed"; return; }
    check "aws s3 cp --recursive to A" e2e_aws s3 cp --recursive --only-show-errors "$UP" "s3://$E2E_A/"
    EXIFSTRIP_TRANSFORM_MEMORY=4MiB EXIFSTRIP_TRANSFORM_CONCURRENCY=3 e2e_worker_start "$LOG" --drain
    e2e_worker_wait 60
    check_eq "worker exit status (--drain)" "$E2E_WORKER_RC" 0
    check "worker.start shows the transform concurrency set" \
        grep -q '"transform_concurrency":3,"transform_concurrency_auto":false' "$LOG"

    local d=$S/b
    mkdir -p "$d"
    emu_s3 GET "$E2E_B" "$PORTRAIT" -o "$d/portrait.jpg" || { es_fail "'$PORTRAIT' is not in B"; return; }
    e2e_expect_stripped "$PORTRAIT" "$UP/$PORTRAIT"
    check "B displays exactly as the original did" "$JPEGCMP" pixels "$UP/$PORTRAIT" "$d/portrait.jpg"
    "$EXIFSTRIP" strip -q "$UP/$PORTRAIT" "$d/portrait-cli.jpg"
    check "B is byte for byte what exifstrip strip makes (the output lent to the upload)" \
        cmp -s "$d/portrait.jpg" "$d/portrait-cli.jpg"
    check "B's stored pixels are turned upright" bash -c '! "$1" rawpixels "$2" "$3"' _ "$JPEGCMP" "$UP/$PORTRAIT" "$d/portrait.jpg"
    "$EXIFSTRIP" inspect --json "$d/portrait.jpg" >"$d/portrait.json"
    check "B has no EXIF and needs no turning" "$E2E_PY" -c 'import json,sys
d=json.load(open(sys.argv[1])); sys.exit(0 if d["exif"] is None and d["orientation"]["tag"] is None and not any(s["kind"] in ("exif","xmp") for s in d["segments"]) else 1)' "$d/portrait.json"
    check "B is portrait: 637 high, 475 wide less the trimmed partial MCU" grep -q '"detail":"464x637, 3 components' "$d/portrait.json"
    check "job.done says what was done" grep -q "orientation 6: rotate 90° cw, trim 11 px left" <(log_field job.done "$PORTRAIT" orientation)

    emu_s3 GET "$E2E_B" "$BIG" -o "$d/big.jpg" || { es_fail "'$BIG' is not in B"; return; }
    check "over the memory budget: displays the same (tag kept)" "$JPEGCMP" pixels "$UP/$BIG" "$d/big.jpg"
    check "over the memory budget: pixels as stored" "$JPEGCMP" rawpixels "$UP/$BIG" "$d/big.jpg"
    "$EXIFSTRIP" inspect --json "$d/big.jpg" >"$d/big.json"
    check "over the memory budget: only the tag is left" "$E2E_PY" -c 'import json,sys
d=json.load(open(sys.argv[1])); e=d["exif"]; sys.exit(0 if e["orientation"]==3 and e["gps"] is False and e["make"] is None and e["thumbnail_bytes"]==0 else 1)' "$d/big.json"
    check "job.done says why the tag was kept" grep -q "orientation 3 kept as a tag: needs .* over the transform memory budget" <(log_field job.done "$BIG" orientation)

    e2e_expect_stripped "$UPRIGHT" "$UP/$UPRIGHT"
    emu_s3 GET "$E2E_B" "$UPRIGHT" -o "$d/upright.jpg"
    "$EXIFSTRIP" strip -q --orientation drop "$UP/$UPRIGHT" "$d/upright-plain.jpg"
    check "orientation 1: the plain byte-for-byte path" cmp -s "$d/upright.jpg" "$d/upright-plain.jpg"
    check_eq "refusals" "$(e2e_log_count "$LOG" job.refused)" 0
    check_eq "main queue depth" "$(emu_queue_depth "$E2E_Q")" 0
    e2e_show_log_on_failure "$LOG" 40
}

# Four gray photos stored turned (1024x768: a transform share of about
# 1.7 MB each), EXIFSTRIP_TRANSFORM_MEMORY 2 MiB (one share at a time), one
# transform slot, four jobs at once, the first PutObject to B held back 1.5 s
# (a share is held until its photo is written): the other photos' shares are
# not free when their frames are read, so their GETs stop, they wait holding
# nothing (job.transform_wait), then read their photo again. Every photo
# arrives turned; nothing refused, nothing left in the queue.
t_photos_wait_for_transform_memory() {
    e2e_stack w || return
    local i seq gets d=$S/w log=$S/wait.log
    mkdir -p "$UP/wait" "$d"
    for i in 0 1 2 3; do
        "$MKFIXTURE" --gray --oriented --orientation 6 --size 1024x768 --seed $((20 + i)) "$UP/wait/p$i.jpg" ||
            { es_fail "mkfixture failed"; return; }
    done
    e2e_fault "{\"service\":\"s3\",\"action\":\"PutObject\",\"bucket\":\"$E2E_B\",\"delay_ms\":1500,\"times\":1}" >/dev/null ||
        { es_fail "the fault rule was not installed"; return; }
    seq=$(e2e_log_seq)
    check "aws s3 cp --recursive to A" e2e_aws s3 cp --recursive --only-show-errors "$UP/wait" "s3://$E2E_A/wait/"
    EXIFSTRIP_TRANSFORM_MEMORY=2MiB EXIFSTRIP_TRANSFORM_CONCURRENCY=1 EXIFSTRIP_CONCURRENCY=4 EXIFSTRIP_LOG_LEVEL=debug \
        e2e_worker_start "$log" --drain
    e2e_worker_wait 60
    check_eq "worker exit status (--drain)" "$E2E_WORKER_RC" 0
    gets=$(e2e_requests "$seq" "r['action']=='GetObject' and r['bucket']=='$E2E_A'")
    check "photos whose share was not free were read again ($gets GETs for 4 photos)" [ "$gets" -gt 4 ]
    check "the waits are logged" [ "$(e2e_log_count "$log" job.transform_wait)" -ge 1 ]
    for i in 0 1 2 3; do
        emu_s3 GET "$E2E_B" "wait/p$i.jpg" -o "$d/p$i.jpg" || { es_fail "wait/p$i.jpg is not in B"; continue; }
        check "wait/p$i.jpg displays as the original did" "$JPEGCMP" pixels "$UP/wait/p$i.jpg" "$d/p$i.jpg"
        check "wait/p$i.jpg was turned" grep -q "orientation 6: rotate 90° cw" <(log_field job.done "wait/p$i.jpg" orientation "$log")
    done
    check_eq "refusals" "$(e2e_log_count "$log" job.refused)" 0
    check_eq "main queue depth" "$(emu_queue_depth "$E2E_Q")" 0
    e2e_show_log_on_failure "$log" 40
}

es_run t_rotated_photo_arrives_upright
es_run t_photos_wait_for_transform_memory
es_finish
