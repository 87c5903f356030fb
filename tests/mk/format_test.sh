#!/usr/bin/env bash
# format_test.sh - proves mk/format.sh fails when it should: on a small tree
# with the project's .clang-format, --check passes while every file is
# formatted, fails (exit 1) listing exactly the planted mis-formatted file,
# passes again once mk/format.sh has reformatted it, and reports a broken
# style file as an error (exit 2) rather than as "clean"; src/common
# reformatted still compiles (clang-format 14 can break macros).
source "$(dirname "$0")/../harness/lib.sh"
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/es-format-test.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT
FORMAT=$ES_ROOT/mk/format.sh
BAD_C='int  es_bad( int a ){return a*2;}'
OK_C='/* ok.c */
int es_ok(int a)
{
    int b = a + 1;
    return b * 2;
}'

# A fresh tree with two formatted files, printed.
fresh_tree() {
    local d
    d=$(mktemp -d "$SCRATCH/tree.XXXXXX")
    mkdir -p "$d/src/common" "$d/tests/common"
    cp "$ES_ROOT/.clang-format" "$d/"
    echo "$OK_C" >"$d/src/common/ok.c"
    printf '/* ok.h */\nint es_ok(int a);\n' >"$d/tests/common/ok.h"
    echo "$d"
}
run_format() { # tree, args...
    local t=$1; shift
    ES_FORMAT_ROOT=$t bash "$FORMAT" "$@" >"$t/out" 2>&1
}

t_needs_clang_format() {
    command -v clang-format >/dev/null || es_fail "clang-format is not installed (mk/deps.sh installs it)"
}

t_formatted_tree_passes() {
    local t
    t=$(fresh_tree)
    run_format "$t" --check || es_fail "a formatted tree fails: $(cat "$t/out")"
}

t_planted_file_fails_then_is_fixed() {
    local t rc
    t=$(fresh_tree)
    echo "$BAD_C" >"$t/src/common/bad.c"
    run_format "$t" --check
    rc=$?
    check_eq "exit status of --check with a mis-formatted file" "$rc" 1
    check_eq "files listed" "$(grep -v '^format:' "$t/out")" "src/common/bad.c"
    run_format "$t" || es_fail "reformatting failed: $(cat "$t/out")"
    run_format "$t" --check || es_fail "still differs after mk/format.sh: $(cat "$t/out")"
    [ "$(cat "$t/src/common/bad.c")" != "$BAD_C" ] || es_fail "bad.c was not reformatted: $(cat "$t/src/common/bad.c")"
    check_eq "ok.c untouched" "$(cat "$t/src/common/ok.c")" "$OK_C"
}

t_node_modules_ignored() {
    local t
    t=$(fresh_tree)
    mkdir -p "$t/tests/emulator/node_modules/x"
    printf 'int  vendored( ){return 0;}\n' >"$t/tests/emulator/node_modules/x/v.h"
    run_format "$t" --check || es_fail "a vendored header was checked: $(cat "$t/out")"
}

t_broken_style_is_an_error() {
    local t rc
    t=$(fresh_tree)
    echo "NoSuchOption: 1" >>"$t/.clang-format"
    run_format "$t" --check
    rc=$?
    check_eq "exit status with a broken .clang-format" "$rc" 2
}

# clang-format 14 once merged error.c's case macros into one broken macro:
# src/common, reformatted, must still compile (and a second run change nothing).
t_reformatted_common_compiles() {
    local t f
    t=$(mktemp -d "$SCRATCH/tree.XXXXXX")
    cp "$ES_ROOT/.clang-format" "$t/"
    mkdir -p "$t/src" "$t/include"
    cp -r "$ES_ROOT/src/common" "$t/src/"
    cp -r "$ES_ROOT/include/exifstrip" "$t/include/"
    run_format "$t" || es_fail "reformatting failed: $(cat "$t/out")"
    run_format "$t" --check || es_fail "a second run would change: $(cat "$t/out")"
    for f in "$t"/src/common/*.c; do
        cc -std=c11 -fsyntax-only -D_GNU_SOURCE -I"$t/include" -I"$t/src" "$f" 2>"$t/cc.out" ||
            es_fail "$(basename "$f") no longer compiles once formatted: $(head -n 5 "$t/cc.out")"
    done
}

es_run t_needs_clang_format
es_run t_formatted_tree_passes
es_run t_planted_file_fails_then_is_fixed
es_run t_node_modules_ignored
es_run t_broken_style_is_an_error
es_run t_reformatted_common_compiles
es_finish
