#!/usr/bin/env bash
# startup_libs_test.sh - the binary links neither libcurl nor libcrypto
# (src/aws/http/curl_dl.c and src/aws/sigv4/crypto_dl.c load them on first AWS use), so
# local commands never load them: --version, strip and inspect run without
# libcurl, libcrypto or their dependencies in the process. jansson,
# libturbojpeg and expat are linked statically (Makefile STATIC_PKGS),
# nothing of ours needs libm, and libexif (with its libm) is loaded only when
# an Exif block is read (src/cli/exif_dl.c): a `strip` of a photo without
# Exif loads libc alone, and a worker checks at start that libexif loads but
# does not keep it mapped.
source "$(dirname "$0")/../harness/lib.sh"
source "$(dirname "$0")/common.sh"

# Libraries the dynamic loader opened while running the command (ld.so's own
# trace, so dlopen'ed libraries count too); one "file=NAME" per line (the
# file name without its directory).
loaded_libs() { # out, command...
    local out=$1; shift
    LD_DEBUG=files LD_DEBUG_OUTPUT="$out.ld" "$@" >/dev/null 2>&1
    cat "$out".ld.* 2>/dev/null | grep -o 'file=[^ ]*' | sed 's|=.*/|=|' | sort -u >"$out"
}

t_not_linked() {
    local d; d=$(newdir)
    readelf -d "$EXIFSTRIP" | grep NEEDED >"$d/needed"
    check "readelf listed the dependencies" grep -q 'libc\.so' "$d/needed"
    check "libcurl is not a NEEDED library" lacks "$d/needed" libcurl
    check "libcrypto is not a NEEDED library" lacks "$d/needed" libcrypto
}

t_local_commands_do_not_load_curl_or_crypto() {
    local d; d=$(newdir)
    "$MKFIXTURE" --all "$d/in.jpg"
    loaded_libs "$d/version" "$EXIFSTRIP" --version
    loaded_libs "$d/strip" "$EXIFSTRIP" strip "$d/in.jpg" "$d/out.jpg"
    loaded_libs "$d/inspect" "$EXIFSTRIP" inspect "$d/in.jpg"
    check "strip worked" test -s "$d/out.jpg"
    for f in version strip inspect; do
        check "$f: the loader trace was recorded" grep -q 'file=libc\.so' "$d/$f"
        check "$f: libcurl was not loaded" lacks "$d/$f" libcurl
        check "$f: libcrypto was not loaded" lacks "$d/$f" libcrypto
    done
}

# The binary needs only libc: each other library would cost every start its
# loading and relocation. A `strip` of a photo without Exif loads nothing
# else; one with Exif loads libexif (and its libm) on the way, and inspect's
# summary, read through the loaded library, is complete.
t_strip_loads_only_libc() {
    local d; d=$(newdir)
    "$MKFIXTURE" --xmp --comment "$d/plain.jpg"
    "$MKFIXTURE" --all "$d/exif.jpg"
    readelf -d "$EXIFSTRIP" | grep NEEDED | grep -o '\[[^]]*\]' | tr -d '[]' | sort >"$d/needed"
    check "readelf listed the dependencies" grep -q 'libc\.so' "$d/needed"
    check_eq "NEEDED libraries besides libc" "$(grep -vE '^(libc\.so\.6|ld-linux.*)$' "$d/needed")" ""
    loaded_libs "$d/plain" "$EXIFSTRIP" strip -q "$d/plain.jpg" "$d/plain.out.jpg"
    check "strip worked" test -s "$d/plain.out.jpg"
    check "the loader trace was recorded" grep -q 'file=libc\.so' "$d/plain"
    check_eq "libraries strip of a photo without Exif loaded besides libc" \
        "$(sed 's/^file=//' "$d/plain" | grep -vx 'libc\.so\.6')" ""
    loaded_libs "$d/exif" "$EXIFSTRIP" strip -q "$d/exif.jpg" "$d/exif.out.jpg"
    check "strip of a photo with Exif worked" test -s "$d/exif.out.jpg"
    check "strip of a photo with Exif loaded libexif" grep -qx 'file=libexif\.so\.12' "$d/exif"
    check_eq "libraries it loaded besides libc, libexif and its libm" \
        "$(sed 's/^file=//' "$d/exif" | grep -vxE 'libc\.so\.6|libexif\.so\.12|libm\.so\.6')" ""
    loaded_libs "$d/inspect" "$EXIFSTRIP" inspect "$d/exif.jpg"
    "$EXIFSTRIP" inspect "$d/exif.jpg" >"$d/inspect.out" 2>&1
    check "inspect loaded libexif" grep -qx 'file=libexif\.so\.12' "$d/inspect"
    check "inspect's Exif summary is complete" grep -q 'exif: GPS 48\.85[0-9]*, 2\.29.*orientation 6; make "FixtureCam"' "$d/inspect.out"
    loaded_libs "$d/version" "$EXIFSTRIP" --version
    check "the --version trace was recorded" grep -q 'file=libc\.so' "$d/version"
    check "--version did not load libexif" lacks "$d/version" libexif
}

# `worker` checks at start that libexif loads (a missing one must stop it
# then, not turn photos wrongly later) and unloads it again: an idle worker
# does not keep it mapped. Its SQS endpoint refuses connections; a second of
# failing receives is enough.
t_worker_checks_libexif_and_unloads_it() {
    local d; d=$(newdir)
    LD_DEBUG=files LD_DEBUG_OUTPUT="$d/ld" AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=example \
        AWS_REGION=us-east-1 AWS_ENDPOINT_URL=http://127.0.0.1:1 AWS_EC2_METADATA_DISABLED=true \
        AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
        EXIFSTRIP_QUEUE_URL=http://127.0.0.1:1/000000000000/events EXIFSTRIP_DEST_BUCKET=clean \
        EXIFSTRIP_HEARTBEAT_FILE= timeout -s TERM 1 "$EXIFSTRIP" worker </dev/null >/dev/null 2>&1
    cat "$d"/ld.* >"$d/trace" 2>/dev/null
    check "the worker loaded libexif" grep -q 'file=libexif\.so\.12 .*dynamically loaded' "$d/trace"
    check "and unloaded it again" grep -q 'file=/.*libexif\.so\.12 .*destroying link map' "$d/trace"
}

es_run t_not_linked
es_run t_strip_loads_only_libc
es_run t_local_commands_do_not_load_curl_or_crypto
es_run t_worker_checks_libexif_and_unloads_it
es_finish
