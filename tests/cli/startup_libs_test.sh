#!/usr/bin/env bash
# startup_libs_test.sh - the binary links neither libcurl nor libcrypto
# (src/aws/http/curl_dl.c and src/aws/sigv4/crypto_dl.c load them on first AWS use), so
# local commands never load them: --version, strip and inspect run without
# libcurl, libcrypto or their dependencies in the process. jansson,
# libturbojpeg and expat are linked statically (Makefile STATIC_PKGS),
# nothing of ours needs libm, and libexif (with its libm) is loaded only when
# an Exif block needs it (src/cli/exif_dl.c): a `strip` of a photo without
# Exif, or with a plain Exif whose Orientation src/jpeg/exif_orient_plain.c
# reads (upright or turned), loads libc alone; an odd Orientation entry, or
# inspect's Exif summary, loads libexif; a worker checks at start that libexif
# loads but does not keep it mapped. No start-up constructor probes the CPU.
source "$(dirname "$0")/../harness/lib.sh"
source "$(dirname "$0")/common.sh"

not() { ! "$@"; }

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
# else, nor does one of a photo with a plain Exif: upright (Orientation 1),
# without Orientation, or turned (Orientation 6, still turned correctly). An
# Orientation entry of an odd type (SSHORT) is left to libexif, which loads
# (with its libm) and reads it as before; inspect's summary, read through the
# loaded library, is complete.
t_strip_loads_only_libc() {
    local d f; d=$(newdir)
    "$MKFIXTURE" --xmp --comment "$d/plain.jpg"
    "$MKFIXTURE" --all "$d/exif.jpg"
    "$MKFIXTURE" --exif --orientation 1 "$d/upright.jpg"
    "$MKFIXTURE" --exif "$d/untagged.jpg"
    "$MKFIXTURE" --exif --oriented --orientation 6 "$d/turned.jpg"
    # upright.jpg with its Orientation entry's type SHORT (3) made SSHORT (8), little-endian as the fixture writes it.
    python3 -c 'import sys; b=open(sys.argv[1],"rb").read(); assert b.count(b"\x12\x01\x03\x00")==1; open(sys.argv[2],"wb").write(b.replace(b"\x12\x01\x03\x00",b"\x12\x01\x08\x00"))' \
        "$d/upright.jpg" "$d/odd.jpg"
    readelf -d "$EXIFSTRIP" | grep NEEDED | grep -o '\[[^]]*\]' | tr -d '[]' | sort >"$d/needed"
    check "readelf listed the dependencies" grep -q 'libc\.so' "$d/needed"
    check_eq "NEEDED libraries besides libc" "$(grep -vE '^(libc\.so\.6|ld-linux.*)$' "$d/needed")" ""
    for f in plain upright untagged turned; do
        loaded_libs "$d/$f" "$EXIFSTRIP" strip -q "$d/$f.jpg" "$d/$f.out.jpg"
        check "$f: strip worked" test -s "$d/$f.out.jpg"
        check "$f: the loader trace was recorded" grep -q 'file=libc\.so' "$d/$f"
        check_eq "$f: libraries strip loaded besides libc" "$(sed 's/^file=//' "$d/$f" | grep -vx 'libc\.so\.6')" ""
        "$JPEGCMP" oneshot "$d/$f.jpg" "$d/$f.expected.jpg"
        check "$f: output equals the library's one-shot result" cmp -s "$d/$f.out.jpg" "$d/$f.expected.jpg"
    done
    check "turned: displays exactly as the original" "$JPEGCMP" pixels "$d/turned.jpg" "$d/turned.out.jpg"
    check "turned: stored pixels were turned" not "$JPEGCMP" rawpixels "$d/turned.jpg" "$d/turned.out.jpg"
    check "upright: stored pixels untouched" "$JPEGCMP" rawpixels "$d/upright.jpg" "$d/upright.out.jpg"
    loaded_libs "$d/odd" "$EXIFSTRIP" strip -v "$d/odd.jpg" "$d/odd.out.jpg"
    "$EXIFSTRIP" strip -v "$d/odd.jpg" "$d/odd.out2.jpg" 2>"$d/odd.err"
    check "odd: strip of a photo with an odd Orientation entry worked" test -s "$d/odd.out.jpg"
    check "odd: it loaded libexif" grep -qx 'file=libexif\.so\.12' "$d/odd"
    check_eq "odd: libraries it loaded besides libc, libexif and its libm" \
        "$(sed 's/^file=//' "$d/odd" | grep -vxE 'libc\.so\.6|libexif\.so\.12|libm\.so\.6')" ""
    check "odd: libexif's reading is reported" grep -q 'invalid Orientation entry (not one SHORT): orientation 1 assumed' "$d/odd.err"
    loaded_libs "$d/inspect" "$EXIFSTRIP" inspect "$d/exif.jpg"
    "$EXIFSTRIP" inspect "$d/exif.jpg" >"$d/inspect.out" 2>&1
    check "inspect loaded libexif" grep -qx 'file=libexif\.so\.12' "$d/inspect"
    check "inspect's Exif summary is complete" grep -q 'exif: GPS 48\.85[0-9]*, 2\.29.*orientation 6; make "FixtureCam"' "$d/inspect.out"
    loaded_libs "$d/version" "$EXIFSTRIP" --version
    check "the --version trace was recorded" grep -q 'file=libc\.so' "$d/version"
    check "--version did not load libexif" lacks "$d/version" libexif
}

# A libexif that cannot be loaded when a photo first needs it ends strip with
# exit 78 naming the package, as the dynamic loader did when it was NEEDED,
# and leaves no temporary file of the output it was writing.
t_unloadable_libexif_leaves_no_temporary_file() {
    local d; d=$(newdir)
    "$MKFIXTURE" --exif --orientation 1 "$d/upright.jpg"
    python3 -c 'import sys; b=open(sys.argv[1],"rb").read(); open(sys.argv[2],"wb").write(b.replace(b"\x12\x01\x03\x00",b"\x12\x01\x08\x00"))' \
        "$d/upright.jpg" "$d/odd.jpg"
    mkdir -p "$d/nolib" "$d/out"
    : >"$d/nolib/libexif.so.12" # found first by dlopen, and not a library
    LD_LIBRARY_PATH="$d/nolib" "$EXIFSTRIP" strip -o "$d/out" "$d/odd.jpg" 2>"$d/err"
    check_eq "exit status" "$?" 78
    check "names the package" grep -q "install libexif12" "$d/err"
    check_eq "nothing left in the output directory" "$(ls -A "$d/out")" ""
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

# GCC's __builtin_cpu_supports links libgcc's CPU probe, whose constructor
# (__cpu_indicator_init) runs a dozen CPUID instructions at every start (a VM
# exit each under a hypervisor); src/common/crc.c and src/jpeg/scan.c ask
# CPUID themselves on first use instead.
t_no_startup_cpu_probe() {
    local d; d=$(newdir)
    nm "$EXIFSTRIP" >"$d/symbols" 2>/dev/null
    check "nm listed the binary's symbols" grep -q ' es_jpeg_stripper_new$' "$d/symbols"
    check "libgcc's start-up CPU probe is not linked" lacks "$d/symbols" __cpu_indicator_init
}

es_run t_not_linked
es_run t_no_startup_cpu_probe
es_run t_strip_loads_only_libc
es_run t_local_commands_do_not_load_curl_or_crypto
es_run t_unloadable_libexif_leaves_no_temporary_file
es_run t_worker_checks_libexif_and_unloads_it
es_finish
