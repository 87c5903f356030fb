#!/usr/bin/env bash
# check_layers_test.sh - proves mk/check-layers.sh fails on each kind of
# violation it exists to catch: it passes on a copy of the real tree, then one
# violation at a time is planted into a fresh copy and the script must fail
# naming the offending file. The symbol check runs on objects of the build tree.
source "$(dirname "$0")/../harness/lib.sh"
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/es-layers-test.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT
CHECK=$ES_ROOT/mk/check-layers.sh

# A copy of src/ and include/ in a fresh directory, printed.
fresh_tree() {
    local d
    d=$(mktemp -d "$SCRATCH/tree.XXXXXX")
    cp -r "$ES_ROOT/src" "$ES_ROOT/include" "$d/"
    echo "$d"
}
# Runs the check on tree $1 (optionally with build dir $2); output in $1/out.
run_check() {
    ES_LAYERS_ROOT=$1 bash "$CHECK" ${2:+"$2"} >"$1/out" 2>&1
}
# Plants line $3 at the top of file $2 of a fresh tree and expects failure naming $2.
expect_violation() { # description, file, line
    local t
    t=$(fresh_tree)
    sed -i "1i $3" "$t/$2"
    if run_check "$t"; then
        es_fail "$1: check passed with '$3' planted in $2"
    else
        grep -q "$2" "$t/out" || es_fail "$1: failure does not name $2: $(cat "$t/out")"
    fi
}

t_clean_tree_passes() {
    local t
    t=$(fresh_tree)
    run_check "$t" || es_fail "the real tree fails: $(cat "$t/out")"
}
t_quoted_upward_include() {
    expect_violation "quoted include of a higher layer" src/aws/http/request.c '#include "worker/job.h"'
}
t_angled_include() {
    expect_violation "angled include of a higher layer" src/aws/http/request.c '#include <worker/job.h>'
}
t_relative_include() {
    expect_violation "relative include of a higher layer" src/aws/http/request.c '#include "../../worker/job.h"'
}
t_spaced_directive() {
    expect_violation "'#  include' form" src/worker/job.c '#  include "cli/commands.h"'
}
t_jpeg_includes_log() {
    expect_violation "src/jpeg including common/log.h" src/jpeg/strip.c '#include "common/log.h"'
}
t_jpeg_relative_log() {
    expect_violation "src/jpeg including ../common/log.h" src/jpeg/markers.c '#include "../common/log.h"'
}
t_jpeg_io_header() {
    expect_violation "src/jpeg including stdio.h" src/jpeg/cursor.c '#include <stdio.h>'
}
t_jpeg_fputs() {
    expect_violation "fputs in src/jpeg" src/jpeg/policy.c 'static void s_leak(const char *s) { fputs(s, 0); }'
}
t_jpeg_getenv() {
    expect_violation "getenv in src/jpeg" src/jpeg/sniff.c 'static const char *s_env(void) { return getenv("HOME"); }'
}
# Inside src/aws: each folder includes only the folders below it (AWS_PARTS);
# s3 and sqs never include each other. One planted include per row.
t_aws_part_order() {
    local what file line
    while IFS='|' read -r what file line; do
        expect_violation "$what" "$file" "$line"
    done <<'ROWS'
aws/http including aws/s3|src/aws/http/request.c|#include "aws/s3/s3.h"
aws/creds including ../sigv4|src/aws/creds/provider.c|#include "../sigv4/sigv4.h"
aws/sigv4 including <aws/client>|src/aws/sigv4/sign.c|#include <aws/client/client.h>
aws/s3 including its sibling aws/sqs|src/aws/s3/url.c|#include "aws/sqs/sqs.h"
aws/sqs including its sibling ../s3|src/aws/sqs/json.c|#include "../s3/internal.h"
ROWS
}
t_aws_downward_include_passes() {
    local t
    t=$(fresh_tree)
    sed -i '1i #include "aws/http/http.h"' "$t/src/aws/s3/url.c"
    sed -i '1i #include "../creds/creds.h"' "$t/src/aws/client/endpoint.c"
    run_check "$t" || es_fail "includes of lower aws parts were refused: $(cat "$t/out")"
}
# A source file directly in src/aws, or in a folder the order does not know.
t_aws_file_outside_parts() {
    local t d
    for d in src/aws/stray.c src/aws/extra/thing.c; do
        t=$(fresh_tree)
        mkdir -p "$t/$(dirname "$d")"
        printf '/* stray */\n#include "aws/http/http.h"\n' >"$t/$d"
        if run_check "$t"; then
            es_fail "a source file at $d passed"
        else
            grep -q "$d" "$t/out" || es_fail "failure does not name $d: $(cat "$t/out")"
        fi
    done
}
t_comment_is_not_a_call() {
    local t
    t=$(fresh_tree)
    sed -i '1i /* we never read (or write) files here; getenv() is not used */' "$t/src/jpeg/policy.c"
    run_check "$t" || es_fail "a comment mentioning read( made the check fail: $(cat "$t/out")"
}

# Copies the real objects to BUILD_DIR, checks they pass, and plants one more
# object in LAYER compiled from C source CODE (with the cc flags that follow).
plant_object() { # build-dir layer code [cflags...]
    local b=$1 layer=$2 code=$3
    shift 3
    if ! command -v nm >/dev/null || [ ! -d "$ES_BUILD/obj/src/$layer" ]; then
        es_fail "needs nm and the objects of $ES_BUILD (build first)"
        return 1
    fi
    mkdir -p "$b/obj/src"
    cp -r "$ES_BUILD/obj/src/jpeg" "$ES_BUILD/obj/src/orient" "$ES_BUILD/obj/src/common" "$b/obj/src/"
    local real
    real=$(fresh_tree)
    run_check "$real" "$b" || es_fail "the real objects fail the symbol check: $(cat "$real/out")"
    printf '%s\n' "$code" >"$SCRATCH/planted_$layer.c"
    cc -c "${@:--O0}" -o "$b/obj/src/$layer/planted.o" "$SCRATCH/planted_$layer.c" ||
        { es_fail "cannot compile the planted object"; return 1; }
}

# Plants an object in LAYER that calls SYMBOL (C source CODE, cc flags after
# it) and expects a failure naming it.
planted_symbol_check() { # build-dir layer symbol code [cflags...]
    local b=$1 layer=$2 sym=$3 code=$4
    shift 4
    plant_object "$b" "$layer" "$code" "$@" || return
    local t
    t=$(fresh_tree)
    if run_check "$t" "$b"; then
        es_fail "a src/$layer object calling $sym passed the symbol check"
    else
        grep -q "src/$layer calls $sym" "$t/out" || es_fail "the failure does not name $sym: $(cat "$t/out")"
    fi
}

# The symbol check: a src/jpeg object calling a function outside the allowlist.
t_symbol_check() {
    planted_symbol_check "$SCRATCH/build" jpeg puts \
        '#include <stdio.h>
int es_jpeg_planted(void);
int es_jpeg_planted(void) { return puts("x"); }'
}

# src/orient (jpeg_*/exif_* allowed) must not call getenv either.
t_orient_symbol_check() {
    planted_symbol_check "$SCRATCH/build-orient" orient getenv \
        '#include <stdlib.h>
const char *es_orient_planted(void);
const char *es_orient_planted(void) { return getenv("X"); }'
}

# A build with a packager's flags (dpkg-buildflags: -O2 -D_FORTIFY_SOURCE=2,
# or -Os): glibc's fortified headers call __memcpy_chk, __snprintf_chk,
# __longjmp_chk for memcpy, snprintf, longjmp, and gcc turns a snprintf "%s"
# that fits into strcpy. The same pure functions: the check passes...
t_fortified_pure_calls_pass() {
    local b=$SCRATCH/build-fortify t
    plant_object "$b" orient '#include <setjmp.h>
#include <stdio.h>
#include <string.h>
void es_orient_planted(jmp_buf env, char *out, const char *in, int v);
void es_orient_planted(jmp_buf env, char *out, const char *in, int v) {
    char b[16], c[16];
    snprintf(b, sizeof b, "%d", v);
    memcpy(c, in, (size_t)v & 15);
    memcpy(out, b, sizeof b);
    memset(out + 16, 0, (size_t)v & 15);
    out[32] = c[v & 15];
    strcpy(out + 40, in);
    longjmp(env, 1);
}' -O2 -D_FORTIFY_SOURCE=2 || return
    nm -u "$b/obj/src/orient/planted.o" | grep -q '_chk$' || { es_skip "this libc has no fortified calls"; return; }
    t=$(fresh_tree)
    run_check "$t" "$b" || es_fail "fortified pure calls fail the check: $(cat "$t/out")"
}
# ... and a fortified call of an I/O function is still refused, under its fortified name.
t_fortified_io_call_fails() {
    planted_symbol_check "$SCRATCH/build-fortify-io" jpeg __fprintf_chk \
        '#include <stdio.h>
int es_jpeg_planted(FILE *f, int v);
int es_jpeg_planted(FILE *f, int v) { return fprintf(f, "%d", v); }' -O2 -D_FORTIFY_SOURCE=2
}

es_run t_clean_tree_passes
es_run t_quoted_upward_include
es_run t_angled_include
es_run t_relative_include
es_run t_spaced_directive
es_run t_jpeg_includes_log
es_run t_jpeg_relative_log
es_run t_jpeg_io_header
es_run t_jpeg_fputs
es_run t_jpeg_getenv
es_run t_aws_part_order
es_run t_aws_downward_include_passes
es_run t_aws_file_outside_parts
es_run t_comment_is_not_a_call
es_run t_symbol_check
es_run t_orient_symbol_check
es_run t_fortified_pure_calls_pass
es_run t_fortified_io_call_fails
es_finish
