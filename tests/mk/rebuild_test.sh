#!/usr/bin/env bash
# rebuild_test.sh - a second `make test-build` after a complete one has
# nothing to do: make must not delete the test programs' objects as
# intermediate files after linking them (they are only reached through the
# pattern rule $(BUILD)/tests/%: $(BUILD)/obj/tests/%.o), or the next make,
# which then knows them from their .d files, compiles and links every test
# program again. `make -n` on a fresh tree prints the rm it would run.
source "$(dirname "$0")/../harness/lib.sh"
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/es-rebuild-test.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT

t_objects_kept() {
    local rm_lines
    make -C "$ES_ROOT" --no-print-directory -n BUILD="$SCRATCH/b" test-build >"$SCRATCH/n.log" 2>&1
    check_eq "make -n status" "$?" 0
    check "make -n compiles a test object" grep -q "obj/tests/common/hex_test.o" "$SCRATCH/n.log"
    rm_lines=$(grep -E '^rm .*\.o' "$SCRATCH/n.log" | head -c 300)
    check_eq "objects make would delete after the build" "$rm_lines" ""
}

es_run t_objects_kept
es_finish
