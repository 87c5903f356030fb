#!/usr/bin/env bash
# build_flags_test.sh - the Makefile takes a packager's flags the way
# dpkg-buildflags and rpm's %make_build hand them over, on the command line or
# in the environment: CPPFLAGS, CFLAGS, LDFLAGS and LDLIBS are added to the
# project's own (include paths, _GNU_SOURCE, ES_VERSION, the libraries), never
# replace them; PKG_CONFIG names the pkg-config to ask (a cross build's). One
# small object is compiled for real; the link line is checked with make -n.
source "$(dirname "$0")/../harness/lib.sh"
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/es-build-flags-test.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT
OBJ=obj/src/common/hex.o

# make in ES_ROOT with a build tree of its own under SCRATCH; output in $SCRATCH/$1.log.
run_make() { # name, make arguments...
    local name=$1; shift
    make -C "$ES_ROOT" --no-print-directory V=1 BUILD="$SCRATCH/$name" "$@" >"$SCRATCH/$name.log" 2>&1
}

t_cppflags_on_command_line() {
    local rc
    run_make cmd CPPFLAGS="-DES_PACKAGER_FLAG=1 -Wdate-time" "$SCRATCH/cmd/$OBJ"
    rc=$?
    check_eq "make CPPFLAGS=... status ($(head -c 600 "$SCRATCH/cmd.log"))" "$rc" 0
    check "the packager's flag is used" grep -q -- '-DES_PACKAGER_FLAG=1' "$SCRATCH/cmd.log"
    check "the project's include path is kept" grep -q -- '-Iinclude -Isrc' "$SCRATCH/cmd.log"
}

t_cppflags_in_environment() {
    local rc
    CPPFLAGS="-DES_PACKAGER_FLAG=1" run_make env "$SCRATCH/env/$OBJ"
    rc=$?
    check_eq "CPPFLAGS=... make status ($(head -c 600 "$SCRATCH/env.log"))" "$rc" 0
    check "the packager's flag is used" grep -q -- '-DES_PACKAGER_FLAG=1' "$SCRATCH/env.log"
}

t_link_flags_on_command_line() {
    run_make link -n LDFLAGS="-Wl,-z,now" LDLIBS="-les_packager_lib" "$SCRATCH/link/exifstrip"
    check_eq "make -n status" "$?" 0
    local line
    line=$(grep -e "-o $SCRATCH/link/exifstrip " "$SCRATCH/link.log")
    check "a link line" test -n "$line"
    check "LDFLAGS added" grep -q -- '-Wl,-z,now' <<<"$line"
    check "LDLIBS added" grep -q -- '-les_packager_lib' <<<"$line"
    check "the project's libraries kept" grep -q -- '-pthread -lm' <<<"$line"
}

# Debian's hardening flags with CI's WERROR=1: glibc's fortified headers mark
# more results as not to be ignored (freopen, write, ...). The test programs
# that run servers in child processes (tls_trust_test) are the ones that did.
t_fortify_with_werror() {
    local rc
    run_make fortify WERROR=1 CPPFLAGS="-D_FORTIFY_SOURCE=2" CFLAGS="-O2" \
        "$SCRATCH/fortify/obj/tests/aws/http/tls_trust_test.o"
    rc=$?
    check_eq "WERROR=1 with _FORTIFY_SOURCE status ($(grep -m3 'error' "$SCRATCH/fortify.log"))" "$rc" 0
}

t_pkg_config_named() {
    printf '#!/bin/sh\necho "$*" >>"%s/pkg-config.calls"\nexec pkg-config "$@"\n' "$SCRATCH" >"$SCRATCH/my-pkg-config"
    chmod +x "$SCRATCH/my-pkg-config"
    run_make pkg -n PKG_CONFIG="$SCRATCH/my-pkg-config" "$SCRATCH/pkg/exifstrip"
    check_eq "make -n status" "$?" 0
    check "the named pkg-config was asked for the libraries' flags" grep -q -- '--cflags' "$SCRATCH/pkg-config.calls"
}

es_run t_cppflags_on_command_line
es_run t_cppflags_in_environment
es_run t_link_flags_on_command_line
es_run t_fortify_with_werror
es_run t_pkg_config_named
es_finish
