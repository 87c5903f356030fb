#!/usr/bin/env bash
# inspect_test.sh - behaviour of `exifstrip inspect`: the segment table with
# keep/REMOVE/TRIM/SCRUB under the default policy (ICC scrub and dropped chunks), the libexif summary (GPS position,
# orientation, camera, thumbnail), JSON Lines output, refusals and exit codes
# (a stdout that cannot be written is an I/O error).
source "$(dirname "$0")/../harness/lib.sh"
source "$(dirname "$0")/common.sh"

# json_check FILE PYTHON-EXPR: the expression over d (first JSON line) must be true.
json_check() {
    python3 -c 'import json,sys
d=json.loads(open(sys.argv[1]).readline())
ok=eval(sys.argv[2])
sys.exit(0 if ok else 1)' "$1" "$2"
}

t_text_table() {
    local d; d=$(newdir)
    "$MKFIXTURE" --gps --orientation 6 --xmp --icc 2 --comment "$d/a.jpg"
    "$EXIFSTRIP" inspect "$d/a.jpg" >"$d/out"
    check_eq "exit status" "$?" 0
    check "Exif listed as REMOVE" grep -Eq '^ +2[0-9] +[0-9]+ +APP1 +exif +Exif +REMOVE$' "$d/out"
    check "XMP listed as REMOVE" grep -Eq 'APP1 +xmp +XMP packet +REMOVE$' "$d/out"
    check "ICC chunk 1 scrubbed, saying what" grep -Eq \
        'APP2 +icc +ICC_PROFILE chunk 1/2, scrubbed: 2 of 5 tags kept; emptied desc cprt; removed 1 \(ZZZZ\) SCRUB \(zero [0-9]+ bytes\)$' "$d/out"
    check "ICC chunk 2 kept" grep -Eq 'APP2 +icc +ICC_PROFILE chunk 2/2 +keep$' "$d/out"
    check "comment removed" grep -Eq 'COM +comment .*REMOVE$' "$d/out"
    check "frame described" grep -Eq 'SOF0 +frame +64x48, 3 components, 8-bit +keep$' "$d/out"
    check "scan kept" grep -Eq 'SOS +scan .*keep$' "$d/out"
    check "GPS position shown" grep -q 'exif: GPS 48\.85[0-9]*, 2\.29' "$d/out"
    check "orientation shown" grep -q 'orientation 6;' "$d/out"
    check "make shown" grep -q 'make "FixtureCam"' "$d/out"
    check "would-remove line" grep -q 'would remove: ' "$d/out"
    check "would-zero line" grep -Eq '^  would zero: [0-9]+ bytes of ICC profile text' "$d/out"
}

t_json_fields() {
    local d; d=$(newdir)
    "$MKFIXTURE" --gps --thumb --orientation 3 --xmp --icc 2 --mp4 "$d/a.jpg"
    "$EXIFSTRIP" inspect --json "$d/a.jpg" >"$d/out"
    check_eq "exit status" "$?" 0
    check_eq "one line" "$(wc -l <"$d/out")" 1
    check "parses and ok" json_check "$d/out" 'd["ok"] is True and d["error"] is None'
    check "file name" json_check "$d/out" "d['file'] == '$d/a.jpg'"
    check "first segment is SOI at 0" json_check "$d/out" 'd["segments"][0]["marker"]=="SOI" and d["segments"][0]["offset"]==0'
    check "exif segment removed" json_check "$d/out" \
        '[s["action"] for s in d["segments"] if s["kind"]=="exif"]==["remove"] and any(s["marker"]=="APP1" and s["ident"]=="Exif" for s in d["segments"])'
    check "xmp removed" json_check "$d/out" 'all(s["action"]=="remove" for s in d["segments"] if s["kind"]=="xmp")'
    check "icc kept, chunk 1 scrubbed" json_check "$d/out" '[s["action"] for s in d["segments"] if s["kind"]=="icc"]==["scrub","keep"]'
    check "icc scrub facts" json_check "$d/out" \
        '[s["icc_scrub"] for s in d["segments"] if "icc_scrub" in s]==[{"tags":5,"kept":2,"emptied":"desc cprt","removed":1,"removed_tags":"ZZZZ"}]'
    check "would_scrub is the sum of scrubbed segments" json_check "$d/out" \
        'd["would_scrub_bytes"]>0 and d["would_scrub_bytes"]==sum(s["scrubbed_bytes"] for s in d["segments"])'
    check "gps true with position" json_check "$d/out" \
        'd["exif"]["gps"] is True and abs(d["exif"]["latitude"]-48.858)<0.01 and abs(d["exif"]["longitude"]-2.2945)<0.01'
    check "orientation" json_check "$d/out" 'd["exif"]["orientation"]==3'
    check "make/model" json_check "$d/out" 'd["exif"]["make"]=="FixtureCam" and d["exif"]["model"].startswith("FC-1")'
    check "capture time" json_check "$d/out" 'd["exif"]["datetime_original"]=="2021:06:01 12:34:56"'
    check "thumbnail size" json_check "$d/out" 'd["exif"]["thumbnail_bytes"]>100'
    check "trailer counted" json_check "$d/out" \
        'd["trailer_bytes"]>3000 and d["segments"][-1]["kind"]=="trailer" and d["segments"][-1]["length"]==d["trailer_bytes"]'
    check "would_remove is the sum of removed segments" json_check "$d/out" \
        'd["would_remove_bytes"]==sum(s["removed_bytes"] for s in d["segments"]) and all(s["removed_bytes"]==s["length"] for s in d["segments"] if s["action"]=="remove")'
    check "segments tile the file" json_check "$d/out" \
        'all(a["offset"]+a["length"]==b["offset"] for a,b in zip(d["segments"],d["segments"][1:])) and d["segments"][-1]["offset"]+d["segments"][-1]["length"]==d["bytes"]'
    local size_in size_out
    size_in=$(stat -c %s "$d/a.jpg")
    size_out=$("$EXIFSTRIP" strip --orientation drop "$d/a.jpg" - | wc -c) # metadata only: no transform
    check "would_remove matches what strip removes" json_check "$d/out" "d['would_remove_bytes']==$size_in-$size_out"
}

# A second Exif segment's GPS is reported (readers may take it from any); the
# orientation stays the first segment's.
t_gps_in_a_later_exif_segment() {
    local d; d=$(newdir)
    "$MKFIXTURE" --exif --orientation 6 --seed 1 "$d/first.jpg" && "$MKFIXTURE" --gps --orientation 3 --seed 2 "$d/gps.jpg" ||
        { es_fail "mkfixture"; return; }
    python3 - "$d/first.jpg" "$d/gps.jpg" "$d/two.jpg" <<'PY'
import sys
def exif_segments(b):
    i, out = 2, []
    while b[i] == 0xFF and b[i + 1] not in (0xDA, 0xD9):
        n = int.from_bytes(b[i + 2:i + 4], "big")
        if b[i + 1] == 0xE1 and b[i + 4:i + 10] == b"Exif\0\0":
            out.append((i, i + 2 + n))
        i += 2 + n
    return out
a, g = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
(_, a_end), = exif_segments(a)
(g_start, g_end), = exif_segments(g)
open(sys.argv[3], "wb").write(a[:a_end] + g[g_start:g_end] + a[a_end:])
PY
    "$EXIFSTRIP" inspect --json "$d/two.jpg" >"$d/out"
    check_eq "exit status" "$?" 0
    check "two Exif segments, both removed" json_check "$d/out" \
        '[s["action"] for s in d["segments"] if s["kind"]=="exif"]==["remove","remove"]'
    check "gps from the second segment" json_check "$d/out" \
        'd["exif"]["gps"] is True and abs(d["exif"]["latitude"]-48.858)<0.01'
    check "orientation from the first" json_check "$d/out" 'd["exif"]["orientation"]==6'
    "$EXIFSTRIP" inspect "$d/two.jpg" >"$d/text"
    check "text names the position" grep -q 'exif: GPS 48.85' "$d/text"
}

# Any number of 0xFF fill bytes may precede a marker: inspect reads the Exif
# (GPS, orientation) behind 64 and 1000 of them as strip does, and its
# would-remove total matches what strip removes.
t_fill_bytes_before_a_segment() {
    local d n; d=$(newdir)
    "$MKFIXTURE" --gps --orientation 6 "$d/a.jpg" || { es_fail "mkfixture"; return; }
    for n in 64 1000; do
        python3 - "$d/a.jpg" "$d/fill$n.jpg" "$n" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
i = 2
while b[i + 1] != 0xE1:
    i += 2 + int.from_bytes(b[i + 2:i + 4], "big")
open(sys.argv[2], "wb").write(b[:i] + b"\xff" * int(sys.argv[3]) + b[i:])
PY
        "$EXIFSTRIP" inspect --json --orientation keep "$d/fill$n.jpg" >"$d/out$n"
        check_eq "$n: exit status" "$?" 0
        check "$n: the GPS is found" json_check "$d/out$n" 'd["exif"]["gps"] is True'
        check "$n: and the orientation" json_check "$d/out$n" 'd["exif"]["orientation"]==6'
        "$EXIFSTRIP" strip -q --orientation keep "$d/fill$n.jpg" "$d/fill$n.out.jpg"
        check "$n: would remove what strip removes" json_check "$d/out$n" \
            "d['bytes'] - d['would_remove_bytes'] == $(stat -c %s "$d/fill$n.out.jpg")"
    done
}

t_json_without_gps_or_exif() {
    local d; d=$(newdir)
    "$MKFIXTURE" --exif "$d/a.jpg"
    "$MKFIXTURE" --xmp "$d/b.jpg"
    "$EXIFSTRIP" inspect --json "$d/a.jpg" >"$d/a.json"
    "$EXIFSTRIP" inspect --json "$d/b.jpg" >"$d/b.json"
    check "gps false" json_check "$d/a.json" 'd["exif"]["gps"] is False and "latitude" not in d["exif"]'
    check "no orientation" json_check "$d/a.json" 'd["exif"]["orientation"] is None and d["exif"]["thumbnail_bytes"]==0'
    check "exif null without Exif" json_check "$d/b.json" 'd["exif"] is None and d["trailer_bytes"]==0'
}

t_policy_options_change_actions() {
    local d; d=$(newdir)
    "$MKFIXTURE" --icc 1 --comment "$d/a.jpg"
    "$EXIFSTRIP" inspect --json --drop-icc --keep-comments "$d/a.jpg" >"$d/out"
    check "icc removed with --drop-icc" json_check "$d/out" '[s["action"] for s in d["segments"] if s["kind"]=="icc"]==["remove"]'
    check "comment kept with --keep-comments" json_check "$d/out" '[s["action"] for s in d["segments"] if s["kind"]=="comment"]==["keep"]'
}

# A JFIF APP0 carrying an 8x8 RGB thumbnail: kept, but only its 14-byte header.
t_jfif_thumbnail_shown_as_removed() {
    local d; d=$(newdir)
    "$MKFIXTURE" --no-jfif "$d/plain.jpg"
    python3 - "$d/plain.jpg" "$d/a.jpg" <<'PY'
import struct, sys
data = open(sys.argv[1], 'rb').read()
payload = b'JFIF\0' + bytes([1, 2, 1, 0, 72, 0, 72, 8, 8]) + bytes(range(64)) * 3
open(sys.argv[2], 'wb').write(data[:2] + b'\xff\xe0' + struct.pack('>H', len(payload) + 2) + payload + data[2:])
PY
    "$EXIFSTRIP" inspect "$d/a.jpg" >"$d/out"
    check_eq "exit status" "$?" 0
    check "JFIF listed as TRIM with the thumbnail" grep -Eq '^ +2 +210 +APP0 +jfif +JFIF 1\.02, thumbnail 8x8 +TRIM \(remove 192 bytes\)$' "$d/out"
    "$EXIFSTRIP" inspect --json "$d/a.jpg" >"$d/json"
    check "json action trim, 192 bytes" json_check "$d/json" \
        '[(s["action"],s["removed_bytes"]) for s in d["segments"] if s["kind"]=="jfif"]==[("trim",192)]'
    "$EXIFSTRIP" strip "$d/a.jpg" "$d/out.jpg"
    check_eq "would_remove matches strip" "$(($(stat -c %s "$d/a.jpg") - $(stat -c %s "$d/out.jpg")))" 192
    "$EXIFSTRIP" inspect "$d/out.jpg" >"$d/out2"
    check "stripped JFIF has no thumbnail and is kept" grep -Eq 'APP0 +jfif +JFIF 1\.02, thumbnail 0x0 +keep$' "$d/out2"
    check "pixels unchanged" "$JPEGCMP" pixels "$d/a.jpg" "$d/out.jpg"
}

# Marker names come from src/jpeg (the names its error messages use): a
# reserved code is RES, not its number; the trailer has no marker ("-", JSON "trailer").
t_marker_names() {
    local d; d=$(newdir)
    "$MKFIXTURE" --mp4 "$d/plain.jpg"
    python3 - "$d/plain.jpg" "$d/a.jpg" "$d/res.jpg" "$d/jpg3.jpg" <<'PY'
import sys
data = open(sys.argv[1], 'rb').read()
open(sys.argv[2], 'wb').write(data[:2] + b'\xff\xdf\x00\x03\x00' + data[2:])
open(sys.argv[3], 'wb').write(data[:2] + b'\xff\x05\x00\x04\xab\xcd' + data[2:])
open(sys.argv[4], 'wb').write(data[:2] + b'\xff\xf3\x00\x02' + data[2:])
PY
    "$EXIFSTRIP" inspect "$d/a.jpg" >"$d/out"
    check_eq "exit status" "$?" 0
    check "EXP named" grep -Eq '^ +2 +5 +EXP +other +keep$' "$d/out"
    check "trailer has no marker" grep -Eq ' +- +trailer +ISO-BMFF' "$d/out"
    "$EXIFSTRIP" inspect --json "$d/a.jpg" >"$d/json"
    check "json marker names" json_check "$d/json" \
        '[s["marker"] for s in d["segments"]][:2]==["SOI","EXP"] and d["segments"][-1]["marker"]=="trailer"'
    # reserved marker segments are refused, named
    "$EXIFSTRIP" inspect "$d/res.jpg" >"$d/out" 2>&1
    check "a RES segment: refused" [ "$?" -ne 0 ]
    check "named RES with its code" grep -q "offset 2: RES marker (0xFF05) is reserved" "$d/out"
    "$EXIFSTRIP" inspect "$d/jpg3.jpg" >"$d/out" 2>&1
    check "a JPG3 segment: refused" [ "$?" -ne 0 ]
    check "named JPG3" grep -q "offset 2: JPG3 marker (0xFFF3) is reserved" "$d/out"
}

# One kind vocabulary (src/jpeg) for inspect's KIND column, its JSON and strip -v.
t_kind_names() {
    local d; d=$(newdir)
    "$MKFIXTURE" --iptc --xmp --xmp-ext --jfxx "$d/a.jpg"
    "$EXIFSTRIP" inspect "$d/a.jpg" >"$d/out"
    check "photoshop kind" grep -Eq 'APP13 +photoshop +Photoshop 3\.0 +REMOVE$' "$d/out"
    check "xmp-ext kind" grep -Eq 'APP1 +xmp-ext +extended XMP @0 of [0-9]+ +REMOVE$' "$d/out"
    "$EXIFSTRIP" inspect --json "$d/a.jpg" >"$d/json"
    check "json kinds" json_check "$d/json" \
        '{"jfxx","xmp","xmp-ext","photoshop"} <= {s["kind"] for s in d["segments"]}'
    "$EXIFSTRIP" strip -v "$d/a.jpg" "$d/b.jpg" 2>"$d/err"
    check "strip -v uses the same names" grep -Eq 'removed: jfxx .*xmp-ext .*photoshop ' "$d/err"
}

t_refused_files() {
    local d; d=$(newdir)
    printf 'GIF89a\001\000\001\000' >"$d/fake.jpg"
    "$EXIFSTRIP" inspect --json "$d/fake.jpg" >"$d/out" 2>"$d/err"
    check_eq "exit status" "$?" 2
    check "ok false with error" json_check "$d/out" 'd["ok"] is False and "not a JPEG" in d["error"] and d["error_code"]=="ES_ERR_JPEG_NOT_JPEG"'
    check "stderr path: reason" grep -q "^$d/fake.jpg: .*GIF" "$d/err"
    "$MKFIXTURE" --gps "$d/good.jpg"
    head -c 2000 "$d/good.jpg" >"$d/trunc.jpg"
    "$EXIFSTRIP" inspect "$d/trunc.jpg" >"$d/out" 2>"$d/err"
    check_eq "truncated: exit status" "$?" 2
    check "truncated: segments before the damage still listed" grep -Eq 'APP1 +exif' "$d/out"
    check "truncated: REFUSED line" grep -q 'REFUSED: ' "$d/out"
}

t_several_files_and_stdin() {
    local d; d=$(newdir)
    "$MKFIXTURE" --gps "$d/a.jpg"
    printf 'hello' >"$d/b.jpg"
    "$EXIFSTRIP" inspect --json "$d/a.jpg" "$d/b.jpg" >"$d/out" 2>/dev/null
    check_eq "one refusal among several" "$?" 2
    check_eq "one JSON line per file" "$(wc -l <"$d/out")" 2
    check "every line parses" python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$d/out"
    "$EXIFSTRIP" inspect --json - <"$d/a.jpg" >"$d/stdin.json"
    check_eq "stdin status" "$?" 0
    check "stdin read back for the Exif summary" json_check "$d/stdin.json" 'd["file"]=="<stdin>" and d["exif"]["gps"] is True'
    # A FIFO is read once into a temporary file, as stdin is: the Exif summary
    # and the orientation plan are there as for the regular file.
    "$MKFIXTURE" --gps --orientation 6 --size 64x48 "$d/o6.jpg"
    "$EXIFSTRIP" inspect --json "$d/o6.jpg" | python3 -c 'import json,sys; d=json.load(sys.stdin); d.pop("file"); print(json.dumps(d, sort_keys=True))' >"$d/file.json"
    "$EXIFSTRIP" inspect --json <(cat "$d/o6.jpg") | python3 -c 'import json,sys; d=json.load(sys.stdin); d.pop("file"); print(json.dumps(d, sort_keys=True))' >"$d/fifo.json"
    check "FIFO: judged as the file" cmp -s "$d/file.json" "$d/fifo.json"
    check "FIFO: Exif and orientation present" json_check "$d/fifo.json" 'd["exif"]["gps"] is True and d["orientation"]["tag"]==6'
    "$EXIFSTRIP" inspect "$d/missing.jpg" 2>"$d/err"
    check_eq "missing file" "$?" 1
    check "missing file named" grep -q "^$d/missing.jpg: " "$d/err"
    "$EXIFSTRIP" inspect 2>/dev/null
    check_eq "no files" "$?" 1
    # A report that cannot be written is an I/O error, not a success.
    "$EXIFSTRIP" inspect "$d/a.jpg" >/dev/full 2>"$d/err"
    check_eq "stdout on a full disk" "$?" 1
    check "full disk said" grep -q "^exifstrip inspect: cannot write to stdout: No space left on device" "$d/err"
    "$EXIFSTRIP" inspect --json "$d/a.jpg" >&- 2>"$d/err"
    check_eq "closed stdout" "$?" 1
    check "closed stdout said" grep -q "^exifstrip inspect: cannot write to stdout: Bad file descriptor" "$d/err"
}

# The ICC profile strip writes is scrubbed (inspect of the output: nothing
# left to zero); chunks that are not a profile are dropped, saying why.
t_icc_scrubbed_and_invalid_dropped() {
    local d; d=$(newdir)
    "$MKFIXTURE" --icc 3 "$d/a.jpg"
    check "the fixture's profile has text" grep -aq "Jane Fixture" "$d/a.jpg"
    "$EXIFSTRIP" strip "$d/a.jpg" "$d/out.jpg"
    check_eq "same size (scrubbed in place)" "$(stat -c %s "$d/out.jpg")" "$(stat -c %s "$d/a.jpg")"
    check "no profile text left" lacks "$d/out.jpg" "Jane Fixture"
    check "no profile serial left" lacks "$d/out.jpg" "FIXTURE-SN"
    "$EXIFSTRIP" inspect --json "$d/out.jpg" >"$d/out.json"
    check "output: nothing to zero" json_check "$d/out.json" \
        'd["would_scrub_bytes"]==0 and [s["action"] for s in d["segments"] if s["kind"]=="icc"]==["keep"]*3'
    "$MKFIXTURE" --oriented --orientation 6 --size 64x48 --icc 2 "$d/turn.jpg"
    "$EXIFSTRIP" strip "$d/turn.jpg" "$d/turn.out.jpg"
    check "turned photo: profile kept" grep -aq ICC_PROFILE "$d/turn.out.jpg"
    check "turned photo: no profile text" lacks "$d/turn.out.jpg" "Jane Fixture"
    # chunk numbers 0/0, then 7/2; and a chunk 1/1 that is a JPEG, not a profile
    python3 - "$d/a.jpg" "$d/bad.jpg" "$d/fake.jpg" <<'PY'
import struct, sys
j = open(sys.argv[1], 'rb').read()
def app2(seq, count, data):
    p = b'ICC_PROFILE\0' + bytes([seq, count]) + data
    return b'\xff\xe2' + struct.pack('>H', len(p) + 2) + p
prof = b'\0' * 200
open(sys.argv[2], 'wb').write(j[:2] + app2(0, 0, prof) + app2(7, 2, prof) + j[2:])
inner = b'\xff\xd8\xff\xe1\x00\x20GPS 48.858200 2.294500 Jane Doe....' + b'\0' * 200
open(sys.argv[3], 'wb').write(j[:2] + app2(1, 1, inner) + j[2:])
PY
    "$EXIFSTRIP" inspect "$d/bad.jpg" >"$d/bad.out"
    check "0/0 removed" grep -Eq 'ICC_PROFILE chunk 0/0: invalid ICC chunk number +REMOVE$' "$d/bad.out"
    check "7/2 removed" grep -Eq 'ICC_PROFILE chunk 7/2: after an ICC chunk that was dropped +REMOVE$' "$d/bad.out"
    "$EXIFSTRIP" inspect --json "$d/fake.jpg" >"$d/fake.json"
    check "fake profile removed, note in JSON" json_check "$d/fake.json" \
        '[(s["action"],s["icc_note"]) for s in d["segments"] if s["kind"]=="icc"][0][0]=="remove" and "not an ICC profile" in [s["icc_note"] for s in d["segments"] if s["kind"]=="icc"][0]'
    "$EXIFSTRIP" strip "$d/fake.jpg" "$d/fake.out.jpg"
    check "fake profile gone from the output" lacks "$d/fake.out.jpg" "Jane Doe"
    check "no ICC chunk left" lacks "$d/fake.out.jpg" ICC_PROFILE
}

es_run t_text_table
es_run t_icc_scrubbed_and_invalid_dropped
es_run t_json_fields
es_run t_gps_in_a_later_exif_segment
es_run t_fill_bytes_before_a_segment
es_run t_json_without_gps_or_exif
es_run t_policy_options_change_actions
es_run t_jfif_thumbnail_shown_as_removed
es_run t_marker_names
es_run t_kind_names
es_run t_refused_files
es_run t_several_files_and_stdin
es_finish
