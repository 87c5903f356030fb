#!/usr/bin/env bash
# strip_mapped_test.sh - `exifstrip strip` maps a regular input file of at
# least 16 KiB and writes kept runs straight from the mapping; a pipe is read
# in 256 KiB chunks (src/cli/stream.c). Both paths must give byte-identical
# output, the same refusals, and nothing written for a refused input: checked
# on generated photos (small, large, every metadata kind, progressive, with
# restart markers, turned by their orientation tag, kept-tag mode, truncated)
# and on every JPEG of the shared corpus. A mapped photo that is turned is not
# copied, one that is not turned is decided within its first 32 KiB (both
# counted in bytes: EXIFSTRIP_TEST_HOLD_STATS), and a file truncated while it
# is turned or streamed fails with a read error. A large file refused at its
# start is not read whole first. In a run over several files, a later file
# that one 256 KiB read takes whole is read instead of mapped, with the same
# output.
source "$(dirname "$0")/../harness/lib.sh"
source "$(dirname "$0")/common.sh"

# same_both_ways FILE [STRIP-OPTIONS...]: the mapped and the streamed output
# (and exit status and message) of FILE are identical.
same_both_ways() {
    local f=$1 d rc_map rc_pipe
    shift
    d=$(newdir)
    "$EXIFSTRIP" strip "$@" "$f" "$d/mapped.jpg" 2>"$d/mapped.err"
    rc_map=$?
    cat "$f" | "$EXIFSTRIP" strip "$@" - - >"$d/piped.jpg" 2>"$d/piped.err"
    rc_pipe=$?
    [ "$rc_map" = "$rc_pipe" ] || { echo "$f: exit $rc_map mapped, $rc_pipe piped" >&2; return 1; }
    if [ "$rc_map" = 0 ]; then
        cmp -s "$d/mapped.jpg" "$d/piped.jpg" || { echo "$f: outputs differ" >&2; return 1; }
    else
        [ ! -e "$d/mapped.jpg" ] || { echo "$f: refused but an output was written" >&2; return 1; }
        [ ! -s "$d/piped.jpg" ] || { echo "$f: refused but stdout got bytes" >&2; return 1; }
        # Same reason, apart from the name of the input.
        [ "$(sed 's/^[^:]*: //' "$d/mapped.err")" = "$(sed 's/^[^:]*: //' "$d/piped.err")" ] ||
            { echo "$f: messages differ: $(cat "$d/mapped.err") / $(cat "$d/piped.err")" >&2; return 1; }
    fi
    no_temps "$d"
}

t_generated_photos_identical() {
    local d f
    d=$(newdir)
    "$MKFIXTURE" --size 64x48 --all "$d/small.jpg" &&
        "$MKFIXTURE" --size 2400x1800 --quality 95 --all "$d/large-all.jpg" &&
        "$MKFIXTURE" --size 2000x1500 --quality 95 --progressive --icc 3 --xmp-ext "$d/progressive.jpg" &&
        "$MKFIXTURE" --size 2000x1500 --quality 95 --restart 4 --fill --mpf "$d/restart.jpg" &&
        "$MKFIXTURE" --size 1600x1200 --quality 95 --orientation 6 --oriented --gps "$d/turned.jpg" &&
        "$MKFIXTURE" --size 1600x1200 --quality 95 --icc 250 "$d/long-header.jpg" ||
        { es_fail "mkfixture failed"; return; }
    check "the large fixture is over the 16 KiB mapping threshold" [ "$(stat -c %s "$d/large-all.jpg")" -gt 16384 ]
    # No Exif: the stripper decides only once it sees SOS, past ~80 KB of ICC
    # segments, so the mapping is fed in several growing pieces before that.
    check "long-header.jpg: its scan starts past 64 KiB" \
        awk '$3 == "SOS" && $1 > 65536 { found = 1 } END { exit !found }' <("$EXIFSTRIP" inspect "$d/long-header.jpg")
    for f in "$d"/*.jpg; do
        check "$(basename "$f"): mapped == piped" same_both_ways "$f"
    done
    check "turned.jpg with --orientation keep: mapped == piped" same_both_ways "$d/turned.jpg" --orientation keep
    check "large-all.jpg with --drop-icc --keep-comments: mapped == piped" \
        same_both_ways "$d/large-all.jpg" --drop-icc --keep-comments
}

t_refused_large_input_writes_nothing() {
    local d
    d=$(newdir)
    "$MKFIXTURE" --size 2400x1800 --quality 95 --gps "$d/whole.jpg" || { es_fail "mkfixture failed"; return; }
    head -c 400000 "$d/whole.jpg" >"$d/truncated.jpg"
    check "truncated (400000 bytes): same refusal both ways, nothing written" same_both_ways "$d/truncated.jpg"
    "$EXIFSTRIP" strip "$d/truncated.jpg" "$d/out.jpg" 2>"$d/err"
    check_eq "exit status" "$?" 2
    check "says truncated" grep -q "truncated" "$d/err"
}

t_stdin_redirected_from_a_file_is_mapped_too() {
    local d
    d=$(newdir)
    "$MKFIXTURE" --size 2400x1800 --quality 95 --all "$d/in.jpg" || { es_fail "mkfixture failed"; return; }
    "$EXIFSTRIP" strip - - <"$d/in.jpg" >"$d/redirected.jpg" &&
        cat "$d/in.jpg" | "$EXIFSTRIP" strip - - >"$d/piped.jpg"
    check "strip - - < file == cat file | strip - -" cmp -s "$d/redirected.jpg" "$d/piped.jpg"
    # A stdin file whose offset is not 0 is read from there on, as before:
    # 2 bytes in, it does not start with SOI and is refused like the piped tail.
    { dd bs=1 count=2 status=none >/dev/null; "$EXIFSTRIP" strip - - >"$d/offset.jpg" 2>"$d/offset.err"; } <"$d/in.jpg"
    check_eq "exit status from offset 2" "$?" 2
    tail -c +3 "$d/in.jpg" | "$EXIFSTRIP" strip - - >/dev/null 2>"$d/tail.err"
    check "same refusal as the piped tail" cmp -s "$d/offset.err" "$d/tail.err"
    check "nothing written" [ ! -s "$d/offset.jpg" ]
}

# left_unread FILE [STRIP-OPTIONS...]: the bytes of FILE that a command run
# after `exifstrip strip - OUT` on the same stdin still reads.
left_unread() {
    local f=$1 d
    shift
    d=$(newdir)
    { "$EXIFSTRIP" strip "$@" - "$d/out.jpg" 2>/dev/null; wc -c | tr -d ' '; } <"$f"
}

t_stdin_file_is_left_where_reading_leaves_it() {
    local d
    d=$(newdir)
    "$MKFIXTURE" --size 2400x1800 --quality 95 --all "$d/in.jpg" &&
        "$MKFIXTURE" --size 1600x1200 --quality 95 --orientation 6 --oriented --gps "$d/turned.jpg" ||
        { es_fail "mkfixture failed"; return; }
    head -c 100000 /dev/zero >"$d/zeros.bin"
    # Read, stdin is consumed to its end (EOF, or all of a refused input under
    # 256 KiB: one read); mapped, it was left at 0 for whatever comes next.
    check_eq "stripped from a stdin file: bytes left unread" "$(left_unread "$d/in.jpg")" 0
    check_eq "turned from a stdin file: bytes left unread" "$(left_unread "$d/turned.jpg")" 0
    check_eq "kept-tag mode: bytes left unread" "$(left_unread "$d/turned.jpg" --orientation keep)" 0
    check_eq "refused (100000 zero bytes): bytes left unread" "$(left_unread "$d/zeros.bin")" 0
}

# hold_stats MODE FILE [STRIP-OPTIONS...]: "PROBED COPIED" of one `exifstrip
# strip` of FILE, mapped (MODE map) or fed through a pipe (MODE pipe): the
# bytes the orientation stripper scanned while deciding (and buffering a photo
# to turn) and copied into its hold (EXIFSTRIP_TEST_HOLD_STATS, src/cli/strip.c).
hold_stats() {
    local mode=$1 f=$2 line
    shift 2
    if [ "$mode" = pipe ]; then
        line=$(cat "$f" | EXIFSTRIP_TEST_HOLD_STATS=1 "$EXIFSTRIP" strip "$@" - - 2>&1 >/dev/null)
    else
        line=$(EXIFSTRIP_TEST_HOLD_STATS=1 "$EXIFSTRIP" strip "$@" "$f" - 2>&1 >/dev/null)
    fi
    sed -n 's/^.*: probed \([0-9]*\), copied \([0-9]*\)$/\1 \2/p' <<<"$line"
}

# A photo turned from a mapped file is held by reference to the mapping
# (es_orient_stripper_feed_borrowed), not copied, and scanned once by the
# stripper's probe; the piped run copies it into the hold up to its EOI (the
# whole file here). Counted in bytes, not page faults (deterministic). With
# the mapping fed plainly, the mapped run copied the whole file too.
t_turned_mapped_photo_is_not_copied() {
    local d size mapped piped
    d=$(newdir)
    "$MKFIXTURE" --size 4000x3000 --quality 98 --orientation 6 --oriented --gps "$d/in.jpg" ||
        { es_fail "mkfixture failed"; return; }
    check "turned.jpg: mapped == piped" same_both_ways "$d/in.jpg"
    size=$(stat -c %s "$d/in.jpg")
    mapped=$(hold_stats map "$d/in.jpg")
    piped=$(hold_stats pipe "$d/in.jpg")
    check_eq "mapped: probed, copied" "$mapped" "$size 0"
    check_eq "piped: probed, copied" "$piped" "$size $size"
}

# In a run over several files only the first is mapped whatever its size;
# after it, a file that fits in the 256 KiB read buffer is read (the buffer's
# pages, faulted in once, serve every later file; a mapping costs more system
# calls). Told apart by turned photos: a mapped one is lent to the stripper
# (copied 0), a read one copied into its hold whole. Each output is the one a
# run over that file alone writes.
t_later_small_files_of_a_run_are_read() {
    local d f
    d=$(newdir)
    "$MKFIXTURE" --size 640x480 --quality 95 --orientation 6 --oriented --gps "$d/small.jpg" &&
        "$MKFIXTURE" --size 720x540 --quality 90 --orientation 3 --oriented "$d/small2.jpg" &&
        "$MKFIXTURE" --size 2400x1800 --quality 95 --orientation 6 --oriented --gps "$d/large.jpg" ||
        { es_fail "mkfixture failed"; return; }
    local small=$(stat -c %s "$d/small.jpg") small2=$(stat -c %s "$d/small2.jpg") large=$(stat -c %s "$d/large.jpg")
    for f in "$small" "$small2"; do
        check "a small photo ($f bytes) is mapped when alone (16-256 KiB)" [ "$f" -ge 16384 -a "$f" -le 262144 ]
    done
    check "large.jpg ($large) is over 256 KiB" [ "$large" -gt 262144 ]
    EXIFSTRIP_TEST_HOLD_STATS=1 "$EXIFSTRIP" strip -o "$d/run" "$d/small.jpg" "$d/large.jpg" "$d/small2.jpg" \
        2>"$d/run.err"
    check_eq "exit status" "$?" 0
    check "the first file, small, is mapped" grep -qx ".*small.jpg: probed $small, copied 0" "$d/run.err"
    check "a later file over 256 KiB is mapped" grep -qx ".*large.jpg: probed $large, copied 0" "$d/run.err"
    check "a later small file is read" grep -qx ".*small2.jpg: probed $small2, copied $small2" "$d/run.err"
    EXIFSTRIP_TEST_HOLD_STATS=1 "$EXIFSTRIP" strip -o "$d/run2" "$d/small2.jpg" "$d/small.jpg" 2>"$d/run2.err"
    check "in the other order: small2.jpg first, mapped" grep -qx ".*small2.jpg: probed $small2, copied 0" "$d/run2.err"
    check "small.jpg after it, read" grep -qx ".*small.jpg: probed $small, copied $small" "$d/run2.err"
    for f in small small2 large; do
        "$EXIFSTRIP" strip "$d/$f.jpg" "$d/$f.alone.jpg" || { es_fail "strip $f.jpg alone failed"; continue; }
        check "$f.jpg: the run's output is the lone run's" cmp -s "$d/run/$f.jpg" "$d/$f.alone.jpg"
    done
    check "small.jpg read in the second run: the same output" cmp -s "$d/run2/small.jpg" "$d/small.alone.jpg"
}

# A photo that is not turned is decided within the first 32 KiB piece the
# stripper probes (S_PROBE_PIECE, src/orient/stripper.c; its header is
# shorter), mapped or piped: the rest of the mapping goes straight to the
# output stripper, scanned once. Probed whole, the mapped file was scanned
# twice (probed = its size).
t_photo_not_turned_is_decided_in_its_first_piece() {
    local d f mode probed copied
    d=$(newdir)
    "$MKFIXTURE" --size 2400x1800 --quality 95 --exif --gps --thumb "$d/untagged.jpg" &&
        "$MKFIXTURE" --size 2400x1800 --quality 95 --orientation 1 --gps "$d/upright.jpg" &&
        "$MKFIXTURE" --size 2400x1800 --quality 95 --orientation 6 --gps "$d/sideways.jpg" ||
        { es_fail "mkfixture failed"; return; }
    for f in "$d/untagged.jpg" "$d/upright.jpg"; do
        check "$(basename "$f") is larger than a few pieces" [ "$(stat -c %s "$f")" -gt $((8 * 32768)) ]
        for mode in map pipe; do
            read -r probed copied < <(hold_stats "$mode" "$f")
            check "$(basename "$f") $mode: probed ${probed:-?} <= 32768" [ "${probed:-999999999}" -le 32768 ]
            check "$(basename "$f") $mode: copied ${copied:-?} <= 32768" [ "${copied:-999999999}" -le 32768 ]
            [ "$mode" = map ] && check_eq "$(basename "$f") map: nothing copied" "$copied" 0
        done
    done
    # keep mode decides as early for a photo it would otherwise turn
    read -r probed copied < <(hold_stats map "$d/sideways.jpg" --orientation keep)
    check "sideways.jpg --orientation keep: probed ${probed:-?} <= 32768" [ "${probed:-999999999}" -le 32768 ]
}

# max_rss_kib COMMAND...: runs COMMAND (its output discarded) and prints its
# peak resident memory in KiB (getrusage of the child).
max_rss_kib() {
    /usr/bin/python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"
}

# A large file that is refused at its first bytes is refused having read
# little of it, as a pipe is: the mapping is read (populated) a window at a
# time as the stripper goes, not whole before it starts. Mapped with
# MAP_POPULATE, a 1 GiB file of zeros (sparse: no disk used) was read whole
# into memory first: ~1 GiB resident and seconds of I/O before "not a JPEG"
# (4 GiB: 10 s, 4.2 GB resident; a pipe: 0.01 s, 2 MB). Counted as the peak
# resident memory, which the refused run keeps far below the file's size.
t_large_refused_file_is_not_read_whole() {
    local d rss
    d=$(newdir)
    truncate -s 1G "$d/zeros.jpg" || { es_fail "truncate failed"; return; }
    "$EXIFSTRIP" strip "$d/zeros.jpg" "$d/out.jpg" 2>"$d/err"
    check_eq "exit status" "$?" 2
    check "refused as not a JPEG" grep -q "not a JPEG" "$d/err"
    check "nothing written" [ ! -e "$d/out.jpg" ]
    rss=$(max_rss_kib "$EXIFSTRIP" strip "$d/zeros.jpg" "$d/out.jpg")
    check "peak resident ${rss:-?} KiB is far below the 1 GiB file (< 256 MiB)" [ "${rss:-999999999}" -lt 262144 ]
}

# truncated_at DIR SYMBOL [CONDITION]: runs `exifstrip strip DIR/in.jpg
# DIR/out.jpg` under gdb, stops it at SYMBOL (when CONDITION holds), cuts the
# file to 20000 bytes there and lets the run go on; gdb's and the run's
# output in DIR/gdb.out. Under AddressSanitizer the leak check is off for
# this run: LeakSanitizer does not work under ptrace and ends the process
# with exit status 1 whatever it did, which would make the exit status the
# callers check meaningless. Skips (status 1) when gdb cannot do it.
truncated_at() {
    local d=$1 symbol=$2 condition=${3:+ if $3}
    if ! command -v gdb >/dev/null || ! nm "$EXIFSTRIP" 2>/dev/null | grep -q " T $symbol\$"; then
        es_skip "no gdb, or no symbol $symbol to stop at"
        return 1
    fi
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" timeout 120 gdb -q -batch -ex 'set pagination off' -ex 'handle SIGBUS nostop noprint pass' \
        -ex "break $symbol$condition" -ex run -ex "shell truncate -s 20000 '$d/in.jpg'" -ex continue \
        --args "$EXIFSTRIP" strip "$d/in.jpg" "$d/out.jpg" >"$d/gdb.out" 2>&1
    if ! grep -q "Breakpoint 1, $symbol" "$d/gdb.out"; then
        es_skip "gdb could not run exifstrip to $symbol (ptrace not allowed?)"
        return 1
    fi
}

# A file cut short (truncated_at) fails as a read error of the input, and
# leaves nothing written.
check_read_error() {
    local d=$1
    check "read error reported" grep -q "in.jpg: read error: Input/output error" "$d/gdb.out"
    check "the output is not blamed" lacks "$d/gdb.out" "cannot write"
    check "exit status 1" grep -q "exited with code 01" "$d/gdb.out"
    check "no sanitizer report (LeakSanitizer under ptrace)" lacks "$d/gdb.out" "Sanitizer"
    check "nothing written" [ ! -e "$d/out.jpg" ]
    check "no temporary file left" no_temps "$d"
}

# A file that shrinks while its photo is being turned from the mapping: the
# SIGBUS guard covers the transform, which now reads the mapping itself. gdb
# stops the run as the transform starts and truncates the file there. That
# nothing of the transform cut short by the SIGBUS leaks is checked without
# gdb, with LeakSanitizer on, by tests/orient/abandon_test.c.
t_file_truncated_during_the_transform() {
    local d
    d=$(newdir)
    "$MKFIXTURE" --size 2400x1800 --quality 95 --orientation 6 --oriented --gps "$d/in.jpg" ||
        { es_fail "mkfixture failed"; return; }
    truncated_at "$d" es_orient_transform && check_read_error "$d"
}

# A file that shrinks while a photo not turned is streamed from the mapping:
# kept runs of 64 KiB or more go to the output file with write(2) straight
# from the mapping, and write(2) reading the vanished pages fails with EFAULT
# (no SIGBUS there). That is the input's failure, not the output's: the run
# says so for the input ("read error"), as for a SIGBUS, not "cannot write:
# Bad address" for the output. gdb stops the run at the first such write.
t_file_truncated_while_streamed() {
    local d
    d=$(newdir)
    "$MKFIXTURE" --size 2400x1800 --quality 95 --gps "$d/in.jpg" || { es_fail "mkfixture failed"; return; }
    truncated_at "$d" es_cli_out_write "len >= 65536" && check_read_error "$d"
}

t_corpus_identical() {
    local dir=${ES_SHARED_DIR:-$ES_ROOT/../shared}/corpus/dev f n=0 bad=0
    if [ ! -d "$dir" ]; then
        [ "${ES_REQUIRE_SHARED:-0}" = 1 ] && { es_fail "no corpus at $dir (ES_REQUIRE_SHARED=1)"; return; }
        es_skip "no corpus at $dir"
        return
    fi
    for f in "$dir"/*; do
        [ -f "$f" ] || continue
        case "$f" in *.tsv | *.md | *.txt) continue ;; esac
        n=$((n + 1))
        same_both_ways "$f" || bad=$((bad + 1))
    done
    check "corpus files compared ($n)" [ "$n" -gt 0 ]
    check_eq "corpus files whose mapped and piped results differ" "$bad" 0
}

es_run t_generated_photos_identical
es_run t_refused_large_input_writes_nothing
es_run t_stdin_redirected_from_a_file_is_mapped_too
es_run t_stdin_file_is_left_where_reading_leaves_it
es_run t_turned_mapped_photo_is_not_copied
es_run t_photo_not_turned_is_decided_in_its_first_piece
es_run t_later_small_files_of_a_run_are_read
es_run t_file_truncated_during_the_transform
es_run t_file_truncated_while_streamed
es_run t_large_refused_file_is_not_read_whole
es_run t_corpus_identical
es_finish
