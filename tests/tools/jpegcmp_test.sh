#!/usr/bin/env bash
# jpegcmp_test.sh - the test helper tests/tools/jpegcmp.c, which the CLI and
# e2e tests and the bench's phone photo trust to say a photo is upright:
# `pixels` compares what each file displays as (its EXIF Orientation applied),
# and is fail-safe: when it cannot read a file's orientation (the stripper
# refuses the file) or cannot apply it (tjTransform fails), it exits 2 with
# the reason, never comparing the stored pixels instead (which would call a
# sideways copy upright). `rawpixels` compares the stored pixels.
source "$(dirname "$0")/../harness/lib.sh"
source "$ES_ROOT/tests/cli/common.sh"

# A 64x48 photo stored sideways with EXIF Orientation 6, the same stored
# pixels without the tag (displays sideways) and turned upright (the one-shot
# strip), in a fresh directory whose path is printed.
oriented_set() {
    local d
    d=$(newdir)
    "$MKFIXTURE" --size 64x48 --exif --orientation 6 "$d/in.jpg"
    "$JPEGCMP" oneshot --orientation drop "$d/in.jpg" "$d/sideways.jpg"
    "$JPEGCMP" oneshot "$d/in.jpg" "$d/upright.jpg"
    echo "$d"
}

# exit_and_error DIR A B: "STATUS: first stderr line" of `jpegcmp pixels A B`.
exit_and_error() {
    "$JPEGCMP" pixels "$2" "$3" 2>"$1/err"
    echo "$?: $(head -n 1 "$1/err")"
}

t_pixels_compares_what_displays() {
    local d
    d=$(oriented_set)
    check "turned upright: displays the same" "$JPEGCMP" pixels "$d/in.jpg" "$d/upright.jpg"
    check_eq "tag dropped: displays sideways" "$(exit_and_error "$d" "$d/in.jpg" "$d/sideways.jpg")" "1: "
    check "tag dropped: the stored pixels are the same" "$JPEGCMP" rawpixels "$d/in.jpg" "$d/sideways.jpg"
}

# Truncated (no EOI): libjpeg still decodes it (with a warning), but the
# stripper, which reads the orientation, refuses it.
t_unreadable_orientation_is_an_error() {
    local d
    d=$(oriented_set)
    head -c -2 "$d/in.jpg" >"$d/truncated.jpg"
    check "rawpixels still decodes it: the same stored pixels" "$JPEGCMP" rawpixels "$d/truncated.jpg" "$d/sideways.jpg"
    check "pixels: exit 2 and why, not 'the same as the sideways copy'" grep -qE \
        "^2: jpegcmp: $d/truncated.jpg: cannot read its EXIF Orientation: .*no EOI$" \
        <<<"$(exit_and_error "$d" "$d/truncated.jpg" "$d/sideways.jpg")"
    check_eq "pixels: the same when it is the second file" \
        "$(exit_and_error "$d" "$d/sideways.jpg" "$d/truncated.jpg" | cut -d: -f1)" 2
}

# Corrupt entropy data (EOI present): the stripper reads the tag, libjpeg
# decodes it with a warning, tjTransform fails.
t_unappliable_orientation_is_an_error() {
    local d
    d=$(oriented_set)
    /usr/bin/python3 - "$d/in.jpg" "$d/corrupt.jpg" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
sos = data.rfind(b"\xff\xda")
start = sos + 2 + int.from_bytes(data[sos + 2:sos + 4], "big")
for k in range(start + 10, len(data) - 2, 7):   # no marker made or broken
    if data[k] != 0xFF and data[k - 1] != 0xFF and data[k] ^ 0x5A != 0xFF:
        data[k] ^= 0x5A
open(sys.argv[2], "wb").write(data)
PY
    "$JPEGCMP" oneshot --orientation drop "$d/corrupt.jpg" "$d/corrupt-sideways.jpg"
    check "the stripper accepts it" [ -s "$d/corrupt-sideways.jpg" ]
    check "rawpixels still decodes it: the same stored pixels" \
        "$JPEGCMP" rawpixels "$d/corrupt.jpg" "$d/corrupt-sideways.jpg"
    check "pixels: exit 2 and why, not 'the same as the sideways copy'" grep -qE \
        "^2: jpegcmp: $d/corrupt.jpg: EXIF Orientation 6 cannot be applied: tjTransform: .+" \
        <<<"$(exit_and_error "$d" "$d/corrupt.jpg" "$d/corrupt-sideways.jpg")"
}

es_run t_pixels_compares_what_displays
es_run t_unreadable_orientation_is_an_error
es_run t_unappliable_orientation_is_an_error
es_finish
