#!/usr/bin/env bash
# orientation_test.sh - `exifstrip strip --orientation apply|keep|drop` and the
# orientation lines of `inspect`: a photo stored turned (EXIF Orientation 6,
# size not a whole number of MCUs) comes out displaying exactly as before
# without any Exif (apply), with only the tag (keep), or as stored (drop);
# over the pixel limit or with its frame header past 16 MiB apply keeps the
# tag and says why, and inspect says the same; inspect --orientation and
# --max-pixels judge as strip with those options does; an Exif header padded
# with 0xFF ("Exif\0\xFF", which browsers read) is turned like any other;
# a standalone marker before the APPn segments loses none of them.
source "$(dirname "$0")/../harness/lib.sh"
source "$(dirname "$0")/common.sh"

json_check() { python3 -c "import json,sys; d=json.loads(open(sys.argv[1]).readline()); sys.exit(0 if ($2) else 1)" "$1"; }
not() { ! "$@"; }
# patch_byte IN OUT HEX OFFSET VALUE: OUT is IN with the byte OFFSET bytes
# after the first occurrence of HEX set to VALUE.
patch_byte() {
    python3 - "$@" <<'PY'
import sys
src, dst, needle, offset, value = sys.argv[1:6]
b = bytearray(open(src, 'rb').read())
b[b.index(bytes.fromhex(needle)) + int(offset)] = int(value, 0)
open(dst, 'wb').write(b)
PY
}

t_apply_is_the_default() {
    local d; d=$(newdir)
    "$MKFIXTURE" --oriented --orientation 6 --size 61x45 --gps --xmp "$d/in.jpg"
    "$EXIFSTRIP" strip -v "$d/in.jpg" "$d/out.jpg" 2>"$d/err"
    check_eq "exit status" "$?" 0
    "$JPEGCMP" oneshot "$d/in.jpg" "$d/expected.jpg"
    check "output equals the library's one-shot result" cmp -s "$d/out.jpg" "$d/expected.jpg"
    check "displays exactly as the original (jpegtran -trim pixels)" "$JPEGCMP" pixels "$d/in.jpg" "$d/out.jpg"
    check "stored pixels were turned" not "$JPEGCMP" rawpixels "$d/in.jpg" "$d/out.jpg"
    check "no Exif left" lacks "$d/out.jpg" Exif
    check "no GPS left" lacks "$d/out.jpg" GPSLatitude
    check "verbose line says what was done" grep -q "orientation 6: rotate 90° cw, trim 13 px left" "$d/err"
    "$EXIFSTRIP" strip --orientation apply "$d/in.jpg" "$d/out2.jpg"
    check "--orientation apply is the same" cmp -s "$d/out.jpg" "$d/out2.jpg"
    "$EXIFSTRIP" inspect --json "$d/out.jpg" >"$d/after.json"
    check "the output needs no turning" json_check "$d/after.json" 'd["orientation"]["tag"] is None and d["exif"] is None'
}

# Some cameras pad the Exif identifier with 0xFF instead of NUL; browsers and
# exiftool read its Orientation, so the photo is turned like any other.
t_exif_header_padded_with_ff() {
    local d; d=$(newdir)
    "$MKFIXTURE" --oriented --orientation 6 --size 61x45 --gps "$d/std.jpg"
    patch_byte "$d/std.jpg" "$d/in.jpg" 457869660000 5 0xFF # "Exif\0\0": the pad byte
    "$EXIFSTRIP" strip -v "$d/in.jpg" "$d/out.jpg" 2>"$d/err"
    check_eq "exit status" "$?" 0
    "$EXIFSTRIP" strip "$d/std.jpg" "$d/std_out.jpg"
    check "turned exactly as the same photo with a standard header" cmp -s "$d/out.jpg" "$d/std_out.jpg"
    check "verbose line says it was turned" grep -q "orientation 6: rotate 90° cw" "$d/err"
    check "no Exif left" lacks "$d/out.jpg" Exif
    "$EXIFSTRIP" inspect --json "$d/in.jpg" >"$d/j"
    check "inspect reads the tag and the GPS" json_check "$d/j" 'd["orientation"]["tag"]==6 and d["orientation"]["action"]=="rotate90" and d["exif"]["gps"]'
}

t_keep_and_drop() {
    local d; d=$(newdir)
    "$MKFIXTURE" --oriented --orientation 8 --gps "$d/in.jpg"
    "$EXIFSTRIP" strip --orientation keep "$d/in.jpg" "$d/keep.jpg"
    check_eq "keep: exit status" "$?" 0
    "$JPEGCMP" oneshot --orientation drop "$d/in.jpg" "$d/plain.jpg"
    check_eq "keep adds exactly the 36-byte tag segment" "$(stat -c %s "$d/keep.jpg")" "$(( $(stat -c %s "$d/plain.jpg") + 36 ))"
    check "keep: pixels as stored" "$JPEGCMP" rawpixels "$d/in.jpg" "$d/keep.jpg"
    check "keep: displays the same" "$JPEGCMP" pixels "$d/in.jpg" "$d/keep.jpg"
    check "keep: no GPS" lacks "$d/keep.jpg" GPSLatitude
    "$EXIFSTRIP" inspect --json "$d/keep.jpg" >"$d/keep.json"
    check "keep: only the tag" json_check "$d/keep.json" \
        'd["exif"]["orientation"]==8 and d["exif"]["gps"] is False and d["exif"]["make"] is None and [s["kind"] for s in d["segments"]][:3]==["soi","jfif","exif"]'
    "$EXIFSTRIP" strip --orientation drop "$d/in.jpg" "$d/drop.jpg"
    check "drop: today's output" cmp -s "$d/drop.jpg" "$d/plain.jpg"
    check "drop: no Exif" lacks "$d/drop.jpg" Exif
    "$EXIFSTRIP" strip --orientation sideways "$d/in.jpg" "$d/x.jpg" 2>"$d/err"
    check_eq "bad mode: usage error" "$?" 1
    check "bad mode named" grep -q "apply, keep or drop" "$d/err"
}

t_pixel_limit_falls_back_to_keep() {
    local d; d=$(newdir)
    "$MKFIXTURE" --oriented --orientation 6 "$d/in.jpg"
    "$EXIFSTRIP" strip --max-pixels 1000 "$d/in.jpg" "$d/out.jpg" 2>"$d/err"
    check_eq "not refused" "$?" 0
    check "says why" grep -q "orientation 6 kept as a tag: 48x64 is over the limit of 1000 pixels" "$d/err"
    check "pixels as stored" "$JPEGCMP" rawpixels "$d/in.jpg" "$d/out.jpg"
    check "tag kept" has "$d/out.jpg" Exif
    EXIFSTRIP_MAX_PIXELS=1000 "$EXIFSTRIP" strip -q "$d/in.jpg" "$d/env.jpg" 2>"$d/err2"
    check "EXIFSTRIP_MAX_PIXELS works too" cmp -s "$d/out.jpg" "$d/env.jpg"
    check "-q silences the note" test ! -s "$d/err2"
    EXIFSTRIP_MAX_PIXELS=lots "$EXIFSTRIP" strip "$d/in.jpg" "$d/bad.jpg" 2>/dev/null
    check_eq "bad EXIFSTRIP_MAX_PIXELS: usage error" "$?" 1
}

t_inspect_shows_the_plan() {
    local d; d=$(newdir)
    "$MKFIXTURE" --oriented --orientation 3 --size 61x45 --444 "$d/a.jpg"
    "$EXIFSTRIP" inspect "$d/a.jpg" >"$d/out"
    check "text line" grep -q "orientation: 3: strip would rotate 180°, trim 5 px left and 5 px top -> 56x40" "$d/out"
    "$EXIFSTRIP" inspect --json "$d/a.jpg" >"$d/j"
    check "json" json_check "$d/j" \
        'd["orientation"]=={"tag":3,"action":"rotate180","trim":{"left":5,"top":5,"width":56,"height":40},"reason":None}'
    "$MKFIXTURE" --exif "$d/b.jpg"
    "$EXIFSTRIP" inspect "$d/b.jpg" >"$d/out"
    check "no tag" grep -q "orientation: none" "$d/out"
}

# A frame header beyond the first 16 MiB (fill bytes before the SOF marker):
# strip keeps the tag, and inspect says so rather than "would rotate".
t_far_frame_keeps_the_tag() {
    local d; d=$(newdir)
    "$MKFIXTURE" --oriented --orientation 6 --size 61x45 "$d/in.jpg"
    python3 - "$d/in.jpg" "$d/far.jpg" <<'PY'
import sys
j = open(sys.argv[1], 'rb').read()
i = j.index(b'\xff\xc0')
open(sys.argv[2], 'wb').write(j[:i] + b'\xff' * (17 << 20) + j[i:])
PY
    "$EXIFSTRIP" strip -v "$d/far.jpg" "$d/out.jpg" 2>"$d/err"
    check_eq "exit status" "$?" 0
    check "strip keeps the tag" grep -q "orientation 6 kept as a tag: no frame header within the first 16 MiB" "$d/err"
    "$EXIFSTRIP" inspect "$d/far.jpg" >"$d/out"
    check "inspect agrees" grep -q "orientation: 6: strip would keep the tag (no frame header within the first 16 MiB)" "$d/out"
}

# A sampling libjpeg-turbo does not transform (luma 1x4) is judged from the
# frame header: strip keeps the tag, inspect says so with the same reason and
# counts the bytes strip removes.
t_unnamed_sampling_keeps_the_tag() {
    local d; d=$(newdir)
    "$MKFIXTURE" --oriented --orientation 6 --size 64x48 --gps "$d/std.jpg"
    patch_byte "$d/std.jpg" "$d/in.jpg" ffc0 11 0x14 # SOF0: the first component's sampling, 1x4
    "$EXIFSTRIP" strip -v "$d/in.jpg" "$d/out.jpg" 2>"$d/err"
    check_eq "exit status" "$?" 0
    check "strip keeps the tag, saying why" grep -q "orientation 6 kept as a tag: a sampling libjpeg-turbo does not name" "$d/err"
    "$EXIFSTRIP" inspect "$d/in.jpg" >"$d/out"
    check "inspect agrees" grep -q "orientation: 6: strip would keep the tag (a sampling libjpeg-turbo does not name" "$d/out"
    "$EXIFSTRIP" inspect --json "$d/in.jpg" >"$d/j"
    check_eq "inspect counts what strip removes" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["would_remove_bytes"])' "$d/j")" \
        "$(( $(size "$d/in.jpg") - $(size "$d/out.jpg") ))"
}

# Damaged scan data that libjpeg-turbo refuses to transform: the tag is kept
# and the reason is libjpeg-turbo's own warning, whichever decoder tried last
# (not an internal retry step's).
t_refusal_names_libjpeg_turbos_reason() {
    local d f; d=$(newdir)
    "$MKFIXTURE" --exif --orientation 6 --size 64x48 "$d/base.jpg"
    "$MKFIXTURE" --exif --orientation 6 --size 64x48 --progressive "$d/prog.jpg"
    for f in base prog; do
        python3 - "$d/$f.jpg" <<'PY'
import sys
b = open(sys.argv[1], 'rb').read()
open(sys.argv[1], 'wb').write(b[:-2] + b'\0\0\0\0\xff\xd9')
PY
        "$EXIFSTRIP" strip "$d/$f.jpg" "$d/$f.out.jpg" 2>"$d/$f.err"
        check "$f: tag kept, libjpeg-turbo's warning named" grep -q "orientation 6 kept as a tag: libjpeg-turbo cannot transform it: Corrupt JPEG data: .*extraneous bytes before marker 0xd9" "$d/$f.err"
    done
}

# A standalone marker (TEM) in the header before the APPn segments: a turned
# photo still keeps its ICC profile and Adobe segment, exactly as without it.
t_standalone_marker_in_the_header() {
    local d; d=$(newdir)
    "$MKFIXTURE" --oriented --orientation 6 --size 64x48 --cmyk --icc 2 "$d/std.jpg"
    python3 - "$d/std.jpg" "$d/in.jpg" <<'PY'
import sys
b = open(sys.argv[1], 'rb').read()
open(sys.argv[2], 'wb').write(b[:2] + b'\xff\x01' + b[2:])
PY
    "$EXIFSTRIP" strip "$d/std.jpg" "$d/std.out.jpg"
    "$EXIFSTRIP" strip -v "$d/in.jpg" "$d/out.jpg" 2>"$d/err"
    check_eq "exit status" "$?" 0
    check "turned" grep -q "orientation 6: rotate 90° cw" "$d/err"
    check "the same output as without the TEM (ICC and Adobe kept)" cmp -s "$d/out.jpg" "$d/std.out.jpg"
    check "ICC kept" has "$d/out.jpg" ICC_PROFILE
    check "Adobe kept" has "$d/out.jpg" Adobe
}

# size FILE: its length in bytes.
size() { stat -c %s "$1"; }

# inspect judges as strip with the same --orientation: keep reduces the Exif
# that holds the tag to the 36-byte tag segment (so strip's keep output is
# clean under keep), drop removes it; would_remove is what strip removes.
t_inspect_judges_by_the_mode() {
    local d; d=$(newdir)
    "$MKFIXTURE" --oriented --orientation 6 --gps --xmp "$d/in.jpg"
    "$EXIFSTRIP" strip --orientation keep "$d/in.jpg" "$d/keep.jpg"
    "$EXIFSTRIP" strip --orientation drop "$d/in.jpg" "$d/drop.jpg"
    "$EXIFSTRIP" inspect --orientation keep --json "$d/in.jpg" >"$d/in.keep.json"
    check_eq "keep: exit status" "$?" 0
    check "keep: would_remove is what strip --orientation keep removes" json_check "$d/in.keep.json" \
        "d['would_remove_bytes']==$(size "$d/in.jpg")-$(size "$d/keep.jpg")"
    check "keep: the Exif is trimmed to the tag segment" json_check "$d/in.keep.json" \
        '[(s["action"],s["length"]-s["removed_bytes"]) for s in d["segments"] if s["kind"]=="exif"]==[("trim",36)]'
    check "keep: action keep_tag, no reason" json_check "$d/in.keep.json" \
        'd["orientation"]=={"tag":6,"action":"keep_tag","trim":None,"reason":None}'
    "$EXIFSTRIP" inspect --orientation keep "$d/in.jpg" >"$d/in.keep.txt"
    check "keep: text line" grep -q "orientation: 6: strip would keep only the tag (--orientation keep)$" "$d/in.keep.txt"
    check "keep: Exif row" grep -Eq 'APP1 +exif +Exif +TRIM \(remove [0-9]+ bytes\)$' "$d/in.keep.txt"
    "$EXIFSTRIP" inspect --orientation keep --json "$d/keep.jpg" >"$d/keep.keep.json"
    check "keep output is clean under keep" json_check "$d/keep.keep.json" \
        'd["would_remove_bytes"]==0 and [s["action"] for s in d["segments"] if s["kind"]=="exif"]==["keep"]'
    "$EXIFSTRIP" inspect --json "$d/keep.jpg" >"$d/keep.apply.json"
    check "default apply still turns it and removes the tag" json_check "$d/keep.apply.json" \
        'd["would_remove_bytes"]==36 and d["orientation"]["action"]=="rotate90"'
    "$EXIFSTRIP" inspect --orientation drop --json "$d/in.jpg" >"$d/in.drop.json"
    check "drop: would_remove is what strip --orientation drop removes" json_check "$d/in.drop.json" \
        "d['would_remove_bytes']==$(size "$d/in.jpg")-$(size "$d/drop.jpg") and d['orientation']['action']=='drop_tag'"
    "$EXIFSTRIP" inspect --orientation drop "$d/in.jpg" >"$d/in.drop.txt"
    check "drop: text line" grep -q "orientation: 6: strip would drop the tag (--orientation drop): the photo shows as stored$" "$d/in.drop.txt"
    "$EXIFSTRIP" inspect --orientation sideways "$d/in.jpg" >/dev/null 2>"$d/err"
    check_eq "bad mode: usage error" "$?" 1
    check "bad mode named" grep -q "^exifstrip inspect: --orientation must be apply, keep or drop, not 'sideways'$" "$d/err"
}

# apply over --max-pixels (or EXIFSTRIP_MAX_PIXELS) keeps the tag: inspect
# says so and counts the tag segment strip writes back.
t_inspect_max_pixels() {
    local d; d=$(newdir)
    "$MKFIXTURE" --oriented --orientation 6 --gps "$d/in.jpg"
    "$EXIFSTRIP" strip -q --max-pixels 1000 "$d/in.jpg" "$d/out.jpg"
    "$EXIFSTRIP" inspect --max-pixels 1000 --json "$d/in.jpg" >"$d/flag.json"
    check "fallback: keep_tag and why" json_check "$d/flag.json" \
        'd["orientation"]["action"]=="keep_tag" and d["orientation"]["reason"]=="48x64 is over the limit of 1000 pixels"'
    check "fallback: would_remove is what strip removes" json_check "$d/flag.json" \
        "d['would_remove_bytes']==$(size "$d/in.jpg")-$(size "$d/out.jpg")"
    EXIFSTRIP_MAX_PIXELS=1000 "$EXIFSTRIP" inspect --json "$d/in.jpg" >"$d/env.json"
    check "EXIFSTRIP_MAX_PIXELS works too" cmp -s "$d/flag.json" "$d/env.json"
    EXIFSTRIP_MAX_PIXELS=1000 "$EXIFSTRIP" inspect --max-pixels 100M --json "$d/in.jpg" >"$d/over.json"
    check "the flag overrides the variable" json_check "$d/over.json" 'd["orientation"]["action"]=="rotate90"'
    EXIFSTRIP_MAX_PIXELS=lots "$EXIFSTRIP" inspect "$d/in.jpg" >/dev/null 2>"$d/err"
    check_eq "bad EXIFSTRIP_MAX_PIXELS: usage error" "$?" 1
    check "bad variable named" grep -q "EXIFSTRIP_MAX_PIXELS must be a positive number, not 'lots'" "$d/err"
    "$EXIFSTRIP" inspect --max-pixels 0 "$d/in.jpg" >/dev/null 2>"$d/err"
    check_eq "bad --max-pixels: usage error" "$?" 1
    check "bad flag named" grep -q "^exifstrip inspect: --max-pixels must be a positive number, not '0'$" "$d/err"
}

es_run t_apply_is_the_default
es_run t_far_frame_keeps_the_tag
es_run t_exif_header_padded_with_ff
es_run t_unnamed_sampling_keeps_the_tag
es_run t_refusal_names_libjpeg_turbos_reason
es_run t_standalone_marker_in_the_header
es_run t_keep_and_drop
es_run t_pixel_limit_falls_back_to_keep
es_run t_inspect_shows_the_plan
es_run t_inspect_judges_by_the_mode
es_run t_inspect_max_pixels
es_finish
