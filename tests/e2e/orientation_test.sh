#!/usr/bin/env bash
# orientation_test.sh - end to end: a portrait phone photo stored sideways
# (EXIF Orientation 6, sides not whole MCUs) uploaded with awscli to bucket A
# arrives in B upright, with no EXIF at all: B decodes to exactly the pixels
# the original displays as (jpegtran -trim), its stored pixels are turned, and
# job.done says what was done. A second photo too large for the worker's
# EXIFSTRIP_TRANSFORM_MEMORY is not refused: it keeps only its tag (and says
# why). An upright photo still takes the plain byte-for-byte path.
source "$(dirname "${BASH_SOURCE[0]}")/../harness/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib_e2e.sh"

S=$E2E_SCRATCH
LOG=$S/worker.log
UP=$S/up
JPEGCMP=$ES_BUILD/tests/tools/jpegcmp
PORTRAIT="phone/portrait é.jpg"
BIG="phone/big panorama.jpg"
UPRIGHT="phone/upright.jpg"

log_field() { # event key field: the field of the first matching JSON log line
    "$E2E_PY" -c 'import json,sys
for l in open(sys.argv[1], errors="replace"):
    try: d=json.loads(l)
    except ValueError: continue
    if d.get("event")==sys.argv[2] and d.get("key")==sys.argv[3]: print(d.get(sys.argv[4]) or ""); break' "$LOG" "$@"
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

es_run t_rotated_photo_arrives_upright
es_finish
