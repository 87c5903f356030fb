#!/usr/bin/env bash
# clean_test.sh - `make clean` removes build/ (every tree the Makefile makes is
# under it) and the tree BUILD= names elsewhere, but never an empty BUILD, the
# source tree or a directory above it. Run on a copy of the Makefile in a
# scratch directory: a clean in ES_ROOT would remove the trees under test.
source "$(dirname "$0")/../harness/lib.sh"
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/es-clean-test.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT
SRC=$SCRATCH/src

mkdir -p "$SRC/build/asan/obj" "$SRC/build/fuzz" "$SRC/build/bench-tree"
cp "$ES_ROOT/Makefile" "$ES_ROOT/VERSION" "$SRC/"

run_clean() { # make arguments...
    make -C "$SRC" --no-print-directory "$@" clean >"$SCRATCH/clean.log" 2>&1
}

t_build_elsewhere_removed() {
    mkdir -p "$SRC/build/asan/obj" "$SCRATCH/out/obj/src"
    run_clean BUILD="$SCRATCH/out"
    check_eq "make clean status ($(head -c 300 "$SCRATCH/clean.log"))" "$?" 0
    check "build/ removed" test ! -e "$SRC/build"
    check "the BUILD= tree removed" test ! -e "$SCRATCH/out"
}

t_unsafe_build_kept() {
    local b
    for b in "" . "$SRC" "$SCRATCH" ..; do
        mkdir -p "$SRC/build/fuzz"
        run_clean BUILD="$b"
        check_eq "make BUILD='$b' clean status" "$?" 0
        check "BUILD='$b': build/ removed" test ! -e "$SRC/build"
        check "BUILD='$b': the sources kept" test -f "$SRC/Makefile"
        check "BUILD='$b': said why it was kept" grep -q "is not removed" "$SCRATCH/clean.log"
    done
}

es_run t_build_elsewhere_removed
es_run t_unsafe_build_kept
es_finish
