#!/usr/bin/env bash
# startup_libs_test.sh - the binary links neither libcurl nor libcrypto
# (src/aws/http/curl_dl.c and src/aws/sigv4/crypto_dl.c load them on first AWS use), so
# local commands never load them: --version, strip and inspect run without
# libcurl, libcrypto or their dependencies in the process. jansson,
# libturbojpeg and expat are linked statically (Makefile STATIC_PKGS) and
# nothing of ours needs libm, so a `strip` process loads only libc and libexif
# (which brings libm). No start-up constructor probes the CPU.
source "$(dirname "$0")/../harness/lib.sh"
source "$(dirname "$0")/common.sh"

# Libraries the dynamic loader opened while running the command (ld.so's own
# trace, so dlopen'ed libraries count too); one "file=NAME" per line.
loaded_libs() { # out, command...
    local out=$1; shift
    LD_DEBUG=files LD_DEBUG_OUTPUT="$out.ld" "$@" >/dev/null 2>&1
    cat "$out".ld.* 2>/dev/null | grep -o 'file=[^ ]*' | sort -u >"$out"
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

# Every library a `strip` process loads is libc, libexif or libexif's own
# libm: each other one would cost every start its loading and relocation.
t_strip_loads_only_libc_and_libexif() {
    local d; d=$(newdir)
    "$MKFIXTURE" --all "$d/in.jpg"
    readelf -d "$EXIFSTRIP" | grep NEEDED | grep -o '\[[^]]*\]' | tr -d '[]' | sort >"$d/needed"
    printf '%s\n' ld-linux-x86-64.so.2 libc.so.6 libexif.so.12 >"$d/allowed"
    grep -vxFf "$d/allowed" "$d/needed" | grep -v '^ld-linux' >"$d/extra_needed"
    check "readelf listed the dependencies" grep -q 'libc\.so' "$d/needed"
    check_eq "NEEDED libraries besides libc and libexif" "$(cat "$d/extra_needed")" ""
    loaded_libs "$d/strip" "$EXIFSTRIP" strip -q "$d/in.jpg" "$d/out.jpg"
    check "strip worked" test -s "$d/out.jpg"
    check "the loader trace was recorded" grep -q 'file=libc\.so' "$d/strip"
    sed 's/^file=//' "$d/strip" | grep -vE '^(libc\.so\.6|libexif\.so\.12|libm\.so\.6)$' >"$d/extra_loaded"
    check_eq "libraries strip loaded besides libc, libexif and its libm" "$(cat "$d/extra_loaded")" ""
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
es_run t_strip_loads_only_libc_and_libexif
es_run t_local_commands_do_not_load_curl_or_crypto
es_finish
