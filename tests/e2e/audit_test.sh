#!/usr/bin/env bash
# audit_test.sh - `exifstrip audit` against the emulator: a bucket of clean
# copies (incl. the worker's orientation-only Exif) passes with exit 0; planted
# dirty objects (GPS EXIF, XMP, IPTC, COM, a trailer, a PNG named .jpg, a
# truncated JPEG, an empty object) are
# each reported with what they carry, as valid JSON Lines ending in a summary
# object, and exit 2; with --source, an orphan, an outdated and an unrecorded
# key are reported; a GET that fails (403 injected) and a missing bucket exit 1
# naming what failed; bad arguments exit 1 / 78. With --page-size 3 every
# listing page is audited. Progress: with GETs slowed down, `--progress 1`
# prints "audit: ..." lines on stderr, the total counted ahead of a listing in
# pages of one key, while stdout stays pure JSON Lines
# (`--progress 0`: none); on a terminal (script) one line is rewritten in
# place and each finding erases it before it is printed. The text output
# shows control, bidi (U+202E) and separator (U+2028) characters of keys
# and of the prefix as \xNN, on stdout and in errors on stderr. A GET whose
# body fails S3's stored checksum (the emulator's "corrupt" fault flips one
# bit) is read again, never judged: neither a dirty photo made to look clean
# nor a clean one made to look broken is misreported, and a body that keeps
# failing is an error. Copies the
# real worker made are clean and current with --source, until the source
# changes. The profile's endpoint_url and services section are used.
source "$(dirname "${BASH_SOURCE[0]}")/../harness/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib_e2e.sh"

S=$E2E_SCRATCH
F=$S/fixtures

audit() { "$EXIFSTRIP" audit "$@" >"$S/out" 2>"$S/err"; echo $? >"$S/rc"; }
rc() { cat "$S/rc"; }

# put BUCKET KEY FILE [SOURCE_ETAG]: uploads FILE, recording SOURCE_ETAG as the worker does.
put() {
    local meta=()
    [ -n "${4:-}" ] && meta=(-H "x-amz-meta-exifstrip-source-etag: $4")
    emu_s3 PUT "$1" "$2" -H "content-type: image/jpeg" "${meta[@]}" --data-binary "@$3" -o /dev/null
}
etag_of() { # BUCKET KEY: the ETag without quotes
    emu_s3 HEAD "$1" "$2" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p'
}

# copy_clean KEY FIXTURE-ARGS...: A gets the photo, B its stripped copy recording A's ETag.
copy_clean() {
    local key=$1; shift
    "$MKFIXTURE" "$@" "$F/in.jpg" && "$EXIFSTRIP" strip "$F/in.jpg" "$F/out.jpg" >/dev/null 2>&1 || return 1
    put "$E2E_A" "$key" "$F/in.jpg" && put "$E2E_B" "$key" "$F/out.jpg" "$(etag_of "$E2E_A" "$key")"
}

setup() {
    mkdir -p "$F"
    e2e_stack audit || return 1
    copy_clean "clean/one.jpg" --gps --xmp --seed 1 &&
        copy_clean "clean/ünï cödé.jpg" --iptc --comment --mp4 --seed 2 &&
        copy_clean "clean/three.jpg" --seed 3 || return 1
    # The worker's keep mode writes an Exif segment with only the Orientation tag: clean.
    "$MKFIXTURE" --orientation 6 --gps --seed 4 "$F/rot.jpg" &&
        "$EXIFSTRIP" strip --orientation keep "$F/rot.jpg" "$F/rot-kept.jpg" >/dev/null 2>&1 &&
        put "$E2E_A" "clean/rotated.jpg" "$F/rot.jpg" &&
        put "$E2E_B" "clean/rotated.jpg" "$F/rot-kept.jpg" "$(etag_of "$E2E_A" clean/rotated.jpg)"
}

t_clean_bucket_passes() {
    audit "s3://$E2E_B/clean/" --json --source "s3://$E2E_A"
    check_eq "exit status on a clean bucket" "$(rc)" 0
    check_eq "only the summary line" "$(wc -l <"$S/out")" 1
    check_eq "summary" "$(emu_json 'd["type"], d["status"], d["objects"], d["clean"], d["orientation_tags"]' <"$S/out")" \
        '["summary", "clean", 4, 4, 1]'
    audit "s3://$E2E_B/clean"
    check_eq "exit status, text" "$(rc)" 0
    check "text says clean" grep -q "^clean: " "$S/out"
    check "text counts 4 objects" grep -q "4 objects" "$S/out"
    check "text counts the orientation-only Exif segment" grep -qx "  orientation-only Exif segments: 1 (not findings)" "$S/out"
}

# With no AWS_ENDPOINT_URL*, the profile's endpoint_url, or its services
# section's s3 block, is where S3 is (as in the SDKs); a services section
# named but absent is refused at start.
t_profile_endpoint_is_used() {
    local cfg=$S/aws-config layout
    for layout in "endpoint_url = $EMU_URL" \
        "endpoint_url = http://127.0.0.1:9
services = local
[services local]
s3 =
  endpoint_url = $EMU_URL"; do
        printf '[profile emu]\nregion = us-east-1\n%s\n' "$layout" >"$cfg"
        AWS_CONFIG_FILE=$cfg AWS_PROFILE=emu AWS_ENDPOINT_URL= audit "s3://$E2E_B/clean/" --json
        check_eq "exit status with the profile's endpoint (${layout%%$'\n'*})" "$(rc)" 0
        check_eq "summary" "$(emu_json 'd["objects"], d["clean"]' <"$S/out")" '[4, 4]'
    done
    printf '[profile emu]\nregion = us-east-1\nendpoint_url = %s\nservices = gone\n' "$EMU_URL" >"$cfg"
    AWS_CONFIG_FILE=$cfg AWS_PROFILE=emu AWS_ENDPOINT_URL= audit "s3://$E2E_B/clean/"
    check_eq "a services section that is not there: exit status" "$(rc)" 78
    check "the message names it" grep -q "no \[services gone\] section" "$S/err"
}

# An empty key ending in '/' is a folder the S3 console made: skipped and
# counted, never a not-jpeg finding; one with a body is audited like any key.
t_folder_markers_are_skipped() {
    : >"$F/none"
    put "$E2E_B" "folders/2024/" "$F/none" && copy_clean "folders/2024/a.jpg" --gps --seed 31 ||
        { es_fail "planting failed"; return; }
    audit "s3://$E2E_B/folders/" --json --source "s3://$E2E_A"
    check_eq "exit status" "$(rc)" 0
    check_eq "summary" "$(emu_json 'd["status"], d["objects"], d["clean"], d["with_findings"], d["folders"]' <"$S/out")" \
        '["clean", 2, 1, 0, 1]'
    audit "s3://$E2E_B/folders/"
    check "text counts the folder" grep -q "1 folder markers skipped" "$S/out"
    printf 'not a photo' >"$F/body"
    put "$E2E_B" "folders/odd/" "$F/body" || { es_fail "planting failed"; return; }
    audit "s3://$E2E_B/folders/" --json
    check_eq "a key ending in / with a body is audited" "$(rc)" 2
    check "as not-jpeg" grep -q '"finding":"not-jpeg","bucket":"[^"]*","key":"folders/odd/"' "$S/out"
    # the other tests audit the whole bucket
    emu_s3 DELETE "$E2E_B" "folders/2024/" -o /dev/null && emu_s3 DELETE "$E2E_B" "folders/odd/" -o /dev/null &&
        emu_s3 DELETE "$E2E_B" "folders/2024/a.jpg" -o /dev/null && emu_s3 DELETE "$E2E_A" "folders/2024/a.jpg" -o /dev/null ||
        es_fail "cleaning up failed"
}

plant_dirty() {
    "$MKFIXTURE" --gps --seed 11 "$F/gps.jpg" && "$MKFIXTURE" --no-jfif --xmp --seed 12 "$F/xmp.jpg" &&
        "$MKFIXTURE" --iptc --seed 13 "$F/iptc.jpg" && "$MKFIXTURE" --comment --seed 14 "$F/com.jpg" &&
        "$MKFIXTURE" --mpf --seed 15 "$F/mpf.jpg" || return 1
    printf '\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde' >"$F/notes.png"
    head -c 2000 "$F/gps.jpg" >"$F/truncated.jpg" && : >"$F/empty.jpg"
    put "$E2E_B" "dirty/gps.jpg" "$F/gps.jpg" && put "$E2E_B" "dirty/xmp.jpg" "$F/xmp.jpg" &&
        put "$E2E_B" "dirty/iptc.jpg" "$F/iptc.jpg" && put "$E2E_B" "dirty/comment.jpg" "$F/com.jpg" &&
        put "$E2E_B" "dirty/trailer.jpg" "$F/mpf.jpg" && put "$E2E_B" "dirty/notes.jpg" "$F/notes.png" &&
        put "$E2E_B" "dirty/truncated.jpg" "$F/truncated.jpg" && put "$E2E_B" "dirty/empty.jpg" "$F/empty.jpg"
}

t_dirty_objects_are_reported() {
    check "plant dirty objects in B" plant_dirty || return
    "$EXIFSTRIP" audit "s3://$E2E_B" --json --concurrency 3 >/dev/full 2>"$S/err"
    check_eq "findings that cannot be written: exit status" "$?" 1
    check "findings that cannot be written: said" grep -q "^exifstrip audit: cannot write to stdout" "$S/err"
    audit "s3://$E2E_B" --json --concurrency 3
    check_eq "exit status with findings" "$(rc)" 2
    # Every line is a JSON object; findings first, one summary last.
    check_eq "findings by key" "$("$E2E_PY" -c 'import json,sys
lines=[json.loads(l) for l in open(sys.argv[1])]
assert all(isinstance(d, dict) for d in lines)
assert [d["type"] for d in lines].count("summary")==1 and lines[-1]["type"]=="summary"
for d in sorted(lines[:-1], key=lambda d: d["key"]):
    assert d["type"]=="finding" and d["bucket"]==sys.argv[2] and (d["size"]>0) == (d["key"]!="dirty/empty.jpg"), d
    print(d["key"], d["finding"], ",".join(c["kind"] for c in d.get("carries", [])), d.get("reason","").split("looks like: ")[-1].split(" inside ")[0])
' "$S/out" "$E2E_B")" "dirty/comment.jpg metadata comment 
dirty/empty.jpg not-jpeg  offset 0: empty input (0 bytes), not a JPEG
dirty/gps.jpg metadata gps,exif 
dirty/iptc.jpg metadata photoshop 
dirty/notes.jpg not-jpeg  PNG image
dirty/trailer.jpg metadata mpf,trailer 
dirty/truncated.jpg invalid-jpeg  offset 2000: input ends
dirty/xmp.jpg metadata xmp "
    check_eq "summary" "$(tail -n 1 "$S/out" | emu_json 'd["status"], d["objects"], d["clean"], d["with_findings"], d["findings"]["metadata"], d["findings"]["not-jpeg"], d["findings"]["invalid-jpeg"], d["carrying"]["gps"], d["carrying"]["trailer"], d["errors"]')" \
        '["findings", 12, 4, 8, 5, 2, 1, 1, 1, 0]'
    check "the trailer is named as an appended JPEG (MPF)" grep -q '"kind":"trailer","what":"JPEG image (MPF/MPO or appended)"' "$S/out"
    audit "s3://$E2E_B/dirty/"
    check_eq "exit status, text" "$(rc)" 2
    check "text names the GPS object" grep -q "^s3://$E2E_B/dirty/gps.jpg: carries GPS position" "$S/out"
    check "text names the PNG" grep -q "^s3://$E2E_B/dirty/notes.jpg: not a JPEG: .*PNG image" "$S/out"
    check "text verdict" grep -q "^NOT CLEAN: 8 objects" "$S/out"
}

t_source_orphan_outdated_unrecorded() {
    "$MKFIXTURE" --seed 21 "$F/v1.jpg" && "$MKFIXTURE" --seed 22 "$F/v2.jpg" || { es_fail "mkfixture"; return; }
    # outdated: B records v1's ETag, A now holds v2.
    put "$E2E_A" "src/outdated.jpg" "$F/v1.jpg" && put "$E2E_B" "src/outdated.jpg" "$F/v1.jpg" "$(etag_of "$E2E_A" src/outdated.jpg)" &&
        put "$E2E_A" "src/outdated.jpg" "$F/v2.jpg" &&
        put "$E2E_B" "src/orphan.jpg" "$F/v1.jpg" "0123456789abcdef0123456789abcdef" &&
        put "$E2E_A" "src/unrecorded.jpg" "$F/v1.jpg" && put "$E2E_B" "src/unrecorded.jpg" "$F/v1.jpg" ||
        { es_fail "planting failed"; return; }
    audit "s3://$E2E_B/src/" --json --source "s3://$E2E_A"
    check_eq "exit status" "$(rc)" 2
    check_eq "findings" "$("$E2E_PY" -c 'import json,sys
for d in sorted((json.loads(l) for l in open(sys.argv[1])), key=lambda d: d.get("key","~")):
    print(d.get("key"), d.get("finding") or d["status"], d.get("recorded_source_etag","")==d.get("source_etag",""))' "$S/out")" \
        "src/orphan.jpg orphan True
src/outdated.jpg outdated False
src/unrecorded.jpg unrecorded False
None findings True"
    check "outdated names A's current ETag" grep -q "\"source_etag\":\"$(etag_of "$E2E_A" src/outdated.jpg)\"" "$S/out"
    audit "s3://$E2E_B/src/"
    check_eq "without --source these copies are clean" "$(rc)" 0
}

# A copy that records another source bucket (two allowed source buckets
# sharing a key) is not judged against --source: not an orphan there.
t_copy_of_another_source_bucket_not_judged() {
    "$MKFIXTURE" --seed 23 "$F/other.jpg" || { es_fail "mkfixture"; return; }
    # plant SOURCE-BUCKET: B's copy of a source A does not hold, recorded as made from SOURCE-BUCKET
    plant() {
        emu_s3 PUT "$E2E_B" "srcb/theirs.jpg" -H "content-type: image/jpeg" \
            -H "x-amz-meta-exifstrip-source-bucket: $1" \
            -H "x-amz-meta-exifstrip-source-etag: 0123456789abcdef0123456789abcdef" \
            --data-binary "@$F/other.jpg" -o /dev/null
    }
    plant "$E2E_ID-other-uploads" || { es_fail "planting failed"; return; }
    audit "s3://$E2E_B/srcb/" --json --source "s3://$E2E_A"
    check_eq "exit status: clean" "$(rc)" 0
    check "not an orphan" eval '! grep -q "\"finding\":\"orphan\"" "$S/out"'
    plant "$E2E_A" || { es_fail "planting failed"; return; }
    audit "s3://$E2E_B/srcb/" --json --source "s3://$E2E_A"
    check_eq "exit status when it records the audited source" "$(rc)" 2
    check "then an orphan" grep -q '"finding":"orphan"' "$S/out"
}

t_errors_exit_1() {
    local rule
    rule=$(e2e_fault "{\"service\":\"s3\",\"action\":\"GetObject\",\"bucket\":\"$E2E_B\",\"key\":\"clean/three.jpg\",\"status\":403,\"times\":1}")
    check "fault rule installed" [ -n "$rule" ]
    audit "s3://$E2E_B/clean/" --json
    check_eq "exit status when a GET fails" "$(rc)" 1
    check "stderr names the key and the cause" grep -q "GET s3://$E2E_B/clean/three.jpg failed: .*403 AccessDenied" "$S/err"
    check_eq "summary counts the error" "$(tail -n 1 "$S/out" | emu_json 'd["status"], d["errors"], d["clean"]')" '["errors", 1, 3]'
    rule=$(e2e_fault "{\"service\":\"s3\",\"action\":\"HeadObject\",\"bucket\":\"$E2E_A\",\"key\":\"clean/one.jpg\",\"status\":403,\"times\":1}")
    check "fault rule installed" [ -n "$rule" ]
    audit "s3://$E2E_B/clean/" --source "s3://$E2E_A"
    check_eq "exit status when a HEAD of the source fails" "$(rc)" 1
    check "stderr names the source key" grep -q "HEAD s3://$E2E_A/clean/one.jpg failed: .*HTTP 403" "$S/err"
    check "the text summary counts it" grep -q "3 clean, 0 with findings, 1 errors" "$S/out"
    audit "s3://$E2E_ID-no-such-bucket"
    check_eq "exit status for a missing bucket" "$(rc)" 1
    check "stderr names the listing" grep -q "ListObjectsV2 s3://$E2E_ID-no-such-bucket/ failed: .*404" "$S/err"
    audit "s3://$E2E_B/clean/" --json --source "s3://$E2E_ID-no-such-source"
    check_eq "exit status for a missing source bucket" "$(rc)" 1
    check "stderr says the source bucket does not exist" grep -q "the source bucket s3://$E2E_ID-no-such-source does not exist (HTTP 404 NoSuchBucket" "$S/err"
    check "no copy is called an orphan" bash -c '! grep -q "\"finding\":\"orphan\"" "$1" && grep -q "\"status\":\"errors\"" "$1"' _ "$S/out"
    audit "s3://$E2E_B/clean/" --source "s3://$E2E_ID-no-such-source"
    check "text: the audit stopped, not 'the listing failed'" grep -qx "the audit stopped (the reason is on stderr): it is incomplete" "$S/out"
    audit "$E2E_B"
    check_eq "a bucket without s3:// is a usage error" "$(rc)" 1
    audit "s3://$E2E_B" --source "s3://$E2E_A/prefix"
    check_eq "--source with a prefix is a usage error" "$(rc)" 1
    audit "s3://$E2E_B" --page-size 0
    check_eq "a bad page size is a usage error" "$(rc)" 1
    check "naming the option" grep -q -- "--page-size" "$S/err"
    audit "s3://$E2E_B" --concurrency 0
    check_eq "a bad concurrency is a configuration error" "$(rc)" 78
    check "naming the setting" grep -q "concurrency" "$S/err"
    AWS_REGION= AWS_DEFAULT_REGION= audit "s3://$E2E_B"
    check_eq "no AWS region is a configuration error" "$(rc)" 78
    check "naming AWS_REGION" grep -q "AWS_REGION" "$S/err"
    EXIFSTRIP_CONCURRENCY=65 audit "s3://$E2E_B"
    check_eq "the worker's variable is read" "$(rc)" 78
    check "naming the variable" grep -q "EXIFSTRIP_CONCURRENCY" "$S/err"
}

t_listing_pages() {
    audit "s3://$E2E_B/dirty/" --json --page-size 3   # 8 objects: pages of 3, 3 and 2
    check_eq "exit status" "$(rc)" 2
    check_eq "every page audited" "$(tail -n 1 "$S/out" | emu_json 'd["objects"], d["with_findings"], d["findings"]["metadata"]')" '[8, 8, 5]'
    check_eq "the same findings as in one page" "$(grep -c '"type":"finding"' "$S/out")" 8
    check "the last key (page 3) is reported" grep -q '"key":"dirty/xmp.jpg"' "$S/out"
}

# A copy whose ICC profile the scrub would change is counted in the summary
# as icc-text, in JSON and in the text's carrying line.
t_icc_text_counted() {
    check "plant a copy with ICC text" "$MKFIXTURE" --icc 1 --seed 16 "$F/icc.jpg" || return
    check "put it in B" put "$E2E_B" "icc/photo.jpg" "$F/icc.jpg" || return
    audit "s3://$E2E_B/icc/" --json
    check_eq "exit status" "$(rc)" 2
    check "the finding names icc-text" grep -q '"kind":"icc-text"' "$S/out"
    check_eq "summary: carrying" "$(tail -n 1 "$S/out" | emu_json 'd["findings"]["metadata"], d["carrying"]["icc-text"], d["carrying"]["gps"]')" '[1, 1, 0]'
    audit "s3://$E2E_B/icc/"
    check_eq "text: what the copy carries" "$(grep '^  carrying:' "$S/out")" "  carrying: icc-text 1"
}

# GETs of B slowed down by 150 ms each.
slow_gets() {
    e2e_fault "{\"service\":\"s3\",\"action\":\"GetObject\",\"bucket\":\"$E2E_B\",\"delay_ms\":150}"
}
unfault() { curl -fsS -X DELETE "$ES_TEST_ENDPOINT/_emulator/faults/$1" >/dev/null; }

t_progress_lines() {
    local rule n
    n=$(emu_s3_keys "$E2E_B" | wc -l)
    rule=$(slow_gets)
    check "fault rule installed" [ -n "$rule" ]
    # Pages of one key, one object at a time (about 3 s): the audit's own
    # listing is only a few keys ahead, so the total comes from the count ahead.
    audit "s3://$E2E_B" --json --concurrency 1 --page-size 1 --progress 1
    unfault "$rule"
    check_eq "exit status" "$(rc)" 2
    check "the first progress line has the total, rates and an ETA" bash -c 'grep "^audit: " "$1" | head -n 1 |
        grep -Eq "^audit: [0-9]+/$2 objects, [0-9.]+ [KMG]?i?B/[0-9.]+ [KMG]?i?B, [0-9.]+ objects/s, .*ETA [0-9]+s \(clean [0-9]+, with findings [0-9]+, errors 0\)$"' _ "$S/err" "$n"
    check "stdout holds only the JSON Lines" "$E2E_PY" -c 'import json,sys
lines=[json.loads(l) for l in open(sys.argv[1])]
assert len(lines)==9 and lines[-1]["type"]=="summary" and lines[-1]["objects"]==int(sys.argv[2]), lines' "$S/out" "$n"
    audit "s3://$E2E_B/dirty/" --progress 0
    check "--progress 0: no progress line" bash -c '! grep -q "^audit: " "$1"' _ "$S/err"
    audit "s3://$E2E_B" --progress x
    check_eq "a bad --progress is a usage error" "$(rc)" 1
    check "naming the option" grep -q -- "--progress" "$S/err"
}

t_terminal_progress() {
    local rule
    command -v script >/dev/null || { es_skip "no script(1)"; return; }
    rule=$(slow_gets)
    script -qefc "$(printf '%q ' "$EXIFSTRIP" audit --concurrency 1 "s3://$E2E_B/dirty/")" /dev/null </dev/null >"$S/tty" 2>&1
    check_eq "exit status on a terminal" "$?" 2
    unfault "$rule"
    check "one line rewritten in place (CR, erase line) with the totals" \
        grep -aq $'\r\e\[K8/8 objects, .* objects/s, .*ETA 0s (clean 0, with findings 8, errors 0)' "$S/tty"
    check "more than one progress line" [ "$(grep -ao $'\r\e\[K[0-9]/8 objects' "$S/tty" | wc -l)" -ge 2 ]
    # A finding erases the progress line first: it starts its terminal line.
    check "findings never share a line with the progress" "$E2E_PY" -c 'import sys
data=open(sys.argv[1],"rb").read().decode("utf-8","replace").replace("\r\n","\n")
found=[seg.split("\r\x1b[K")[-1] for seg in data.split("\n") if ": carries " in seg]
assert len(found)==5 and all(f.startswith("s3://") for f in found), found' "$S/tty"
    check "then the summary" grep -aq "^NOT CLEAN: 8 objects" "$S/tty"
}

# Keys that would reorder or break the terminal's text: shown escaped.
t_keys_shown_safely() {
    local b=$E2E_ID-odd shown=$S/shown rule k1 k2
    k1=$'odd\u2028/x\u202egpj.exe' k2=$'odd\u2028/esc\e[31m\r.jpg'
    emu_create_bucket "$b" || { es_fail "CreateBucket $b failed"; return; }
    _e2e_buckets+=("$b")
    "$MKFIXTURE" --gps --seed 51 "$F/odd.jpg" && put "$b" "$k1" "$F/odd.jpg" && put "$b" "$k2" "$F/odd.jpg" ||
        { es_fail "planting failed"; return; }
    rule=$(e2e_fault "$("$E2E_PY" -c 'import json,sys
print(json.dumps({"service":"s3","action":"GetObject","bucket":sys.argv[1],"key":sys.argv[2],"status":403}))' "$b" "$k2")")
    check "fault rule installed" [ -n "$rule" ]
    audit "s3://$b/$(printf 'odd\u2028/')" --progress 0
    unfault "$rule"
    check_eq "exit status (one error)" "$(rc)" 1
    check "the finding names the key escaped" \
        grep -qF "s3://$b/odd\xE2\x80\xA8/x\xE2\x80\xAEgpj.exe: carries GPS position" "$S/out"
    check "the summary names the prefix escaped" grep -qF "audited s3://$b/odd\xE2\x80\xA8/: 2 objects" "$S/out"
    check "the error names the key escaped" grep -qF "GET s3://$b/odd\xE2\x80\xA8/esc\x1B[31m\x0D.jpg failed" "$S/err"
    cat "$S/out" "$S/err" >"$shown"
    check "no raw ESC, CR, U+202E or U+2028" bash -c '! grep -q "$2" "$1"' _ "$shown" $'[\e\r]\\|\u202e\\|\u2028'
}

# hiding_jpeg MODE OUT: a photo whose middle byte (the one the "corrupt"
# fault flips, bit 4) matters; its ICC chunks hold a profile with nothing to scrub. hide: the high length byte of an ICC chunk
# that, flipped, swallows the Exif (GPS) and comment segments after it, so
# the damaged bytes parse as a clean JPEG. marker: the 0xFF of the DQT marker
# after an ICC segment, so the damaged bytes are refused as a broken JPEG.
hiding_jpeg() {
    "$MKFIXTURE" --seed 61 "$F/hide-clean.jpg" && "$MKFIXTURE" --gps --exif --seed 62 "$F/hide-dirty.jpg" &&
        "$E2E_PY" - "$1" "$F/hide-clean.jpg" "$F/hide-dirty.jpg" "$2" <<'PY'
import sys
mode, clean, dirty, out = sys.argv[1], open(sys.argv[2], "rb").read(), open(sys.argv[3], "rb").read(), sys.argv[4]
def seg(m, pay): return bytes([0xFF, m]) + (len(pay) + 2).to_bytes(2, "big") + pay
def icc(n, of, size, total=0):  # chunk 1: a valid profile (no tags) that the scrub leaves as it is
    data = bytearray(size)
    if n == 1:
        data[0:4], data[36:40] = (total or size).to_bytes(4, "big"), b"acsp"
    return seg(0xE2, b"ICC_PROFILE\x00" + bytes([n, of]) + bytes(data))
j = clean.index(b"\xff\xdb")
head, rest = clean[:j], clean[j:]
if mode == "hide":
    i = dirty.index(b"\xff\xe1")
    exif = dirty[i:i + 2 + int.from_bytes(dirty[i + 2:i + 4], "big")]
    mid, off, chunks = icc(2, 2, 20) + exif + seg(0xFE, b"x" * (4096 - len(exif) - 4)), 2, 2
else:
    mid, off, chunks = b"", 0, 1
for size in range(132, 65000):
    first = icc(1, chunks, size, size + 20 if mode == "hide" else 0)
    o = head + first + mid + rest
    if len(o) >> 1 == len(head) + len(first) + off:
        break
assert len(o) >> 1 == len(head) + len(first) + off and o[len(o) >> 1] == (0 if mode == "hide" else 0xFF)
open(out, "wb").write(o)
PY
}

# corrupt_gets BUCKET KEY [TIMES]: the emulator flips a bit in KEY's GET bodies.
corrupt_gets() {
    e2e_fault "{\"service\":\"s3\",\"action\":\"GetObject\",\"bucket\":\"$1\",\"key\":\"$2\",\"corrupt\":true${3:+,\"times\":$3}}"
}
gets_of() { e2e_requests "$1" "r.get('action')=='GetObject' and r.get('key')=='$2'"; }

t_corrupted_body_is_no_verdict() {
    local b=$E2E_ID-crc rule seq
    emu_create_bucket "$b" || { es_fail "CreateBucket $b failed"; return; }
    _e2e_buckets+=("$b")
    hiding_jpeg hide "$F/hide.jpg" && hiding_jpeg marker "$F/marker.jpg" &&
        put "$b" crc/hide.jpg "$F/hide.jpg" && put "$b" crc/marker.jpg "$F/marker.jpg" ||
        { es_fail "planting failed"; return; }
    # A dirty photo whose damaged copy would pass: read again, reported dirty.
    rule=$(corrupt_gets "$b" crc/hide.jpg 1) seq=$(e2e_log_seq)
    audit "s3://$b/crc/hide" --json --progress 0
    check_eq "a damaged GET of a dirty photo: exit status" "$(rc)" 2
    check_eq "the finding" "$(head -n 1 "$S/out" | emu_json 'd["finding"], [c["kind"] for c in d["carries"]][:1]')" \
        '["metadata", ["gps"]]'
    check_eq "read twice" "$(gets_of "$seq" crc/hide.jpg)" 2
    # A clean photo whose damaged copy is refused early: read to its end, then again, clean.
    rule=$(corrupt_gets "$b" crc/marker.jpg 1) seq=$(e2e_log_seq)
    audit "s3://$b/crc/marker" --json --progress 0
    check_eq "a damaged GET refused early: exit status" "$(rc)" 0
    check_eq "summary" "$(tail -n 1 "$S/out" | emu_json 'd["status"], d["clean"], d["findings"]["invalid-jpeg"]')" \
        '["clean", 1, 0]'
    check_eq "read twice" "$(gets_of "$seq" crc/marker.jpg)" 2
    # Every GET damaged: an error naming the checksum, no verdict.
    rule=$(corrupt_gets "$b" crc/hide.jpg) seq=$(e2e_log_seq)
    audit "s3://$b/crc/hide" --json --progress 0
    unfault "$rule"
    check_eq "every GET damaged: exit status" "$(rc)" 1
    check "the error names the checksum" grep -q "GET s3://$b/crc/hide.jpg failed: .*does not match its checksum" "$S/err"
    check_eq "no finding, one error" "$(emu_json 'd["type"], d["errors"], d["clean"], d["with_findings"]' <"$S/out")" \
        '["summary", 1, 0, 0]'
    check_eq "read three times" "$(gets_of "$seq" crc/hide.jpg)" 3
}

# The real pipeline: what the worker writes is clean and matches its source;
# a newer upload the worker has not seen makes the copy outdated.
t_worker_copies_are_clean() {
    local up=$S/worker
    e2e_stack w || return
    mkdir -p "$up/phone"
    "$MKFIXTURE" --gps --thumb --xmp --iptc --mp4 --seed 41 "$up/beach.jpg" &&
        "$MKFIXTURE" --oriented --orientation 6 --size 64x48 --gps --seed 42 "$up/phone/portrait.jpg" ||
        { es_fail "mkfixture"; return; }
    check "aws s3 cp --recursive to A" e2e_aws s3 cp --recursive --only-show-errors "$up" "s3://$E2E_A/"
    e2e_worker_start "$S/worker.log" --drain
    e2e_worker_wait 60
    check_eq "worker exit status (--drain)" "$E2E_WORKER_RC" 0
    audit "s3://$E2E_B" --source "s3://$E2E_A" --json
    check_eq "the worker's copies are clean and current" "$(rc)" 0
    check_eq "summary" "$(tail -n 1 "$S/out" | emu_json 'd["objects"], d["clean"]')" '[2, 2]'
    "$MKFIXTURE" --seed 43 "$up/beach2.jpg" && put "$E2E_A" "beach.jpg" "$up/beach2.jpg" ||
        { es_fail "re-upload"; return; }
    audit "s3://$E2E_B" --source "s3://$E2E_A" --json
    check_eq "a newer source the worker has not processed" "$(rc)" 2
    check_eq "finding" "$(head -n 1 "$S/out" | emu_json 'd["key"], d["finding"]')" '["beach.jpg", "outdated"]'
}

if setup; then
    es_run t_clean_bucket_passes
    es_run t_profile_endpoint_is_used
    es_run t_folder_markers_are_skipped
    es_run t_dirty_objects_are_reported
    es_run t_source_orphan_outdated_unrecorded
    es_run t_copy_of_another_source_bucket_not_judged
    es_run t_errors_exit_1
    es_run t_listing_pages
    es_run t_progress_lines
    es_run t_terminal_progress
    es_run t_keys_shown_safely
    es_run t_corrupted_body_is_no_verdict
    es_run t_worker_copies_are_clean
    es_run t_icc_text_counted
else
    es_fail "setup failed"
fi
es_finish
