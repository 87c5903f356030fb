#!/bin/sh
# rootfs-libs.sh - used by docker/Dockerfile's build stage: copies the given
# ELF files' shared-library dependencies (as ldd resolves them, transitively)
# and the dynamic loader into a root filesystem, at their canonical paths.
#   rootfs-libs.sh ROOTFS ELF...
# A library given as an ELF argument (one the program dlopen()s) is copied too.
# Fails when ldd reports a library as "not found".
set -eu
root=$1
shift
list=$(mktemp)
for elf in "$@"; do
    case "$elf" in *.so*) printf '%s\n' "$elf" >>"$list" ;; esac
    out=$(ldd "$elf")
    if printf '%s\n' "$out" | grep -q 'not found'; then
        printf '%s\n' "$out" >&2
        echo "rootfs-libs.sh: $elf: a library is missing" >&2
        exit 1
    fi
    # "libx.so.1 => /path (0x...)" and the loader's "/lib64/ld-linux-x86-64.so.2 (0x...)"
    printf '%s\n' "$out" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' >>"$list"
done
sort -u "$list" | while read -r lib; do
    # The loader must stay at the path the binary names (PT_INTERP); others go
    # to their real (usr-merged) path.
    case "$lib" in
        */ld-linux*) dest=$lib ;;
        *) dest=$(readlink -f "$lib") ;;
    esac
    mkdir -p "$root$(dirname "$dest")"
    cp -L "$lib" "$root$dest"
    # The soname link the loader and dlopen() look up, when it differs from the file name.
    base=$(basename "$lib")
    [ "$base" = "$(basename "$dest")" ] || ln -sf "$(basename "$dest")" "$root$(dirname "$dest")/$base"
done
rm -f "$list"
