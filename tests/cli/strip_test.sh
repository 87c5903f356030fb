#!/usr/bin/env bash
# strip_test.sh - behaviour of `exifstrip strip`: outputs equal the library's
# one-shot result and decode to the same pixels, refusals name the file and
# the reason and leave no output, --in-place is atomic and keeps the mode,
# -o/-r keep relative paths and skip non-JPEG names, stdin/stdout (closed
# ones are I/O errors), a FIFO or
# device target written and never replaced, exit codes.
source "$(dirname "$0")/../harness/lib.sh"
source "$(dirname "$0")/common.sh"

t_single_file_equals_oneshot() {
    local d; d=$(newdir)
    "$MKFIXTURE" --all --fill "$d/in.jpg"
    "$EXIFSTRIP" strip "$d/in.jpg" "$d/out.jpg" 2>"$d/err"
    check_eq "exit status" "$?" 0
    "$JPEGCMP" oneshot "$d/in.jpg" "$d/expected.jpg"
    check "output equals es_jpeg_strip_buffer" cmp -s "$d/out.jpg" "$d/expected.jpg"
    check "same pixels" "$JPEGCMP" pixels "$d/in.jpg" "$d/out.jpg"
    check "no GPS text left" lacks "$d/out.jpg" GPSLatitude
    check "no camera make left" lacks "$d/out.jpg" FixtureCam
    check "no IPTC city left" lacks "$d/out.jpg" Secretville
    check "no trailer left" lacks "$d/out.jpg" ftypmp42
    check "ICC kept" has "$d/out.jpg" ICC_PROFILE
    check "nothing on stderr" test ! -s "$d/err"
    check "no temp files" no_temps "$d"
}

t_every_coding_variant() {
    local d v i=0; d=$(newdir)
    for v in "--gray --exif" "--cmyk --gps" "--progressive --xmp" "--arith --iptc" "--progressive --arith --gps" \
             "--restart 1 --comment" "--fill --gps --thumb" "--mpf --exif" "--mp4 --xmp-ext" "--no-jfif --jfxx --ducky --fpxr"; do
        i=$((i + 1))
        # shellcheck disable=SC2086
        "$MKFIXTURE" $v --seed $i "$d/in$i.jpg"
        "$EXIFSTRIP" strip "$d/in$i.jpg" "$d/out$i.jpg" || es_fail "strip failed for: $v"
        "$JPEGCMP" oneshot "$d/in$i.jpg" "$d/exp$i.jpg"
        cmp -s "$d/out$i.jpg" "$d/exp$i.jpg" || es_fail "output differs from one-shot for: $v"
        "$JPEGCMP" pixels "$d/in$i.jpg" "$d/out$i.jpg" || es_fail "pixels differ for: $v"
    done
}

t_large_file_streams_across_chunks() {
    local d; d=$(newdir)
    "$MKFIXTURE" --size 1600x1200 --quality 97 --gps --xmp --icc 3 --mp4 "$d/big.jpg"
    check "fixture is larger than two read chunks" test "$(stat -c %s "$d/big.jpg")" -gt 524288
    "$EXIFSTRIP" strip "$d/big.jpg" "$d/out.jpg"
    check_eq "exit status" "$?" 0
    "$JPEGCMP" oneshot "$d/big.jpg" "$d/expected.jpg"
    check "large output equals one-shot" cmp -s "$d/out.jpg" "$d/expected.jpg"
}

t_stdin_and_stdout() {
    local d; d=$(newdir)
    "$MKFIXTURE" --gps --xmp "$d/in.jpg"
    "$JPEGCMP" oneshot "$d/in.jpg" "$d/expected.jpg"
    "$EXIFSTRIP" strip - - <"$d/in.jpg" >"$d/a.jpg"
    check_eq "stdin->stdout status" "$?" 0
    check "stdin->stdout output" cmp -s "$d/a.jpg" "$d/expected.jpg"
    "$EXIFSTRIP" strip "$d/in.jpg" - >"$d/b.jpg"
    check "file->stdout output" cmp -s "$d/b.jpg" "$d/expected.jpg"
    "$EXIFSTRIP" strip - "$d/c.jpg" <"$d/in.jpg"
    check "stdin->file output" cmp -s "$d/c.jpg" "$d/expected.jpg"
    # A closed stdout or stdin is an I/O error, not a descriptor for the
    # output's temporary file (which took fd 1 and swallowed the output, exit 0).
    "$EXIFSTRIP" strip - - <"$d/in.jpg" >&- 2>"$d/err"
    check_eq "stdin->closed stdout status" "$?" 1
    check "stdin->closed stdout says so" grep -q "^-: cannot write to stdout: Bad file descriptor" "$d/err"
    "$EXIFSTRIP" strip - "$d/e.jpg" <&- 2>"$d/err"
    check_eq "closed stdin->file status" "$?" 1
    check "closed stdin is a read error" grep -q "^<stdin>: read error: Bad file descriptor" "$d/err"
    check "closed stdin: no output" [ ! -e "$d/e.jpg" ]
}

# A FIFO (like /dev/null, not a regular file) is written, never replaced by a
# renamed file; a refused input writes nothing to it.
t_device_or_fifo_target_is_written_not_replaced() {
    local d; d=$(newdir)
    "$MKFIXTURE" --gps --xmp "$d/in.jpg"
    "$JPEGCMP" oneshot "$d/in.jpg" "$d/expected.jpg"
    mkfifo "$d/pipe" || { es_fail "mkfifo failed"; return; }
    timeout 20 cat "$d/pipe" >"$d/got.jpg" &
    local reader=$!
    "$EXIFSTRIP" strip "$d/in.jpg" "$d/pipe"
    check_eq "exit status" "$?" 0
    wait "$reader"
    check "the FIFO is still a FIFO" test -p "$d/pipe"
    check "the reader got the stripped photo" cmp -s "$d/got.jpg" "$d/expected.jpg"
    printf 'not a jpeg' >"$d/bad.jpg"
    timeout 20 cat "$d/pipe" >"$d/got2" &
    reader=$!
    "$EXIFSTRIP" strip "$d/bad.jpg" "$d/pipe" 2>/dev/null
    check "a refused input fails" [ "$?" -ne 0 ]
    wait "$reader"
    check "the FIFO got nothing" test ! -s "$d/got2"
    check "still a FIFO" test -p "$d/pipe"
    check "no temp files" no_temps "$d"
}

t_refused_input_leaves_no_output() {
    local d; d=$(newdir)
    printf '\211PNG\r\n\032\n\0\0\0\rIHDR' >"$d/fake.jpg"
    "$EXIFSTRIP" strip "$d/fake.jpg" "$d/out.jpg" 2>"$d/err"
    check_eq "exit status for a PNG" "$?" 2
    check "no output file" test ! -e "$d/out.jpg"
    check "stderr is 'path: reason'" grep -q "^$d/fake.jpg: .*not a JPEG" "$d/err"
    check "reason names the real type" grep -q "PNG" "$d/err"
    "$MKFIXTURE" --gps "$d/good.jpg"
    head -c 1500 "$d/good.jpg" >"$d/trunc.jpg"
    "$EXIFSTRIP" strip "$d/trunc.jpg" - >"$d/stdout" 2>"$d/err"
    check_eq "exit status for a truncated file" "$?" 2
    check "nothing written to stdout" test ! -s "$d/stdout"
    check "truncation named" grep -q "^$d/trunc.jpg: " "$d/err"
    echo "previous content" >"$d/existing.jpg"
    "$EXIFSTRIP" strip "$d/trunc.jpg" "$d/existing.jpg" 2>/dev/null
    check_eq "existing output untouched" "$(cat "$d/existing.jpg")" "previous content"
    : >"$d/empty.jpg"
    "$EXIFSTRIP" strip "$d/empty.jpg" "$d/out2.jpg" 2>"$d/err"
    check_eq "exit status for an empty file" "$?" 2
    check "empty file named" grep -q "^$d/empty.jpg: .*empty" "$d/err"
    check "no temp files" no_temps "$d"
}

# Writing an input over itself is what --in-place is for (with its checks);
# OUT naming the input (the same path, a hard link, -o its own directory) is
# refused and the original left alone, as cp refuses copying a file onto itself.
t_output_is_the_input_refused() {
    local d before; d=$(newdir)
    "$MKFIXTURE" --gps "$d/a.jpg"
    before=$(md5sum <"$d/a.jpg")
    "$EXIFSTRIP" strip "$d/a.jpg" "$d/a.jpg" 2>"$d/err"
    check_eq "IN IN: exit status" "$?" 1
    check "IN IN: said" grep -q "^$d/a.jpg: is the input itself; not replaced (use --in-place for that)" "$d/err"
    ln "$d/a.jpg" "$d/link.jpg"
    "$EXIFSTRIP" strip "$d/a.jpg" "$d/link.jpg" 2>/dev/null
    check_eq "OUT a hard link of IN: exit status" "$?" 1
    "$EXIFSTRIP" strip -o "$d" "$d/a.jpg" 2>/dev/null
    check_eq "-o the input's directory: exit status" "$?" 1
    mkdir "$d/tree" && cp "$d/a.jpg" "$d/tree/b.jpg"
    "$EXIFSTRIP" strip -o "$d/tree" -r "$d/tree" 2>"$d/err"
    check_eq "-o DIR -r DIR: exit status" "$?" 1
    check "-o DIR -r DIR: the file named" grep -q "/tree/b.jpg: is the input itself" "$d/err"
    check_eq "originals untouched" "$(md5sum <"$d/a.jpg") $(md5sum <"$d/tree/b.jpg")" "$before $before"
    check "no temp files" no_temps "$d"
    "$EXIFSTRIP" strip "$d/a.jpg" "$d/c.jpg"
    check_eq "another OUT still works" "$?" 0
    mkfifo "$d/f.jpg" # no writer: --in-place must not wait on it, nor write into it
    timeout 10 "$EXIFSTRIP" strip --in-place "$d/f.jpg" 2>"$d/err"
    check_eq "--in-place on a FIFO: exit status" "$?" 1
    check "--in-place on a FIFO: said" grep -q "^$d/f.jpg: not a regular file: --in-place replaces regular files only" "$d/err"
}

# A name near the file system's limit (255 bytes) still gets a temporary file:
# ".NAME.exifstrip-XXXXXX" would pass it, so a shorter temporary name is used.
t_long_file_names() {
    local d name; d=$(newdir)
    name=$(printf 'é%.0s' $(seq 120)).jpg # 244 bytes
    "$MKFIXTURE" --gps "$d/$name"
    "$JPEGCMP" oneshot "$d/$name" "$d/expected.bin"
    "$EXIFSTRIP" strip -o "$d/out" "$d/$name" 2>"$d/err"
    check_eq "-o: exit status" "$?" 0
    check "-o: output" cmp -s "$d/out/$name" "$d/expected.bin"
    "$EXIFSTRIP" strip --in-place "$d/$name" 2>>"$d/err"
    check_eq "--in-place: exit status" "$?" 0
    check "--in-place: output" cmp -s "$d/$name" "$d/expected.bin"
    check "no temp files" no_temps "$d"
}

# A name chosen by whoever filled the directory is shown with its control
# bytes, bidi controls and line separators escaped (\xNN): it cannot forge a
# line of its own, send terminal escapes or display reordered. inspect's
# JSON keeps the name as it is (JSON escapes it).
t_names_with_control_characters() {
    local d name; d=$(newdir)
    name=$'bad\nexifstrip: 9 stripped\e[31m.jpg'
    printf 'not a jpeg' >"$d/$name"
    "$EXIFSTRIP" strip -o "$d/out" -r "$d" 2>"$d/err"
    check_eq "exit status" "$?" 2
    check "the refusal shows the escapes" grep -qF 'bad\x0Aexifstrip: 9 stripped\x1B[31m.jpg: offset 0: not a JPEG' "$d/err"
    check "no line of its own" bash -c '! grep -q "^exifstrip: 9 stripped" "$1"' _ "$d/err"
    check "no escape byte" bash -c '! grep -q $'"'"'\e'"'"' "$1"' _ "$d/err"
    "$MKFIXTURE" --gps "$d/ok.jpg" && cp "$d/ok.jpg" "$d/$name"
    "$EXIFSTRIP" inspect "$d/$name" >"$d/text"
    check "inspect's text shows the escapes" grep -qF 'bad\x0Aexifstrip: 9 stripped\x1B[31m.jpg: ' "$d/text"
    # bidi overrides and line separators would reorder or break the line
    cp "$d/ok.jpg" "$d/"$'rlo\u202egpj.exe\u2028.jpg'
    "$EXIFSTRIP" inspect "$d/"$'rlo\u202egpj.exe\u2028.jpg' >"$d/text"
    check "inspect's text shows U+202E and U+2028 escaped" grep -qF 'rlo\xE2\x80\xAEgpj.exe\xE2\x80\xA8.jpg: ' "$d/text"
    "$EXIFSTRIP" inspect --json "$d/$name" >"$d/json"
    check "inspect's JSON keeps the name" python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["file"]!=sys.argv[2])' "$d/json" "$d/$name"
}

t_in_place_is_atomic_and_keeps_mode() {
    local d before; d=$(newdir)
    "$MKFIXTURE" --all "$d/a.jpg"
    "$JPEGCMP" oneshot "$d/a.jpg" "$d/expected.bin"
    chmod 640 "$d/a.jpg"
    head -c 3000 "$d/a.jpg" >"$d/bad.jpg"
    before=$(md5sum <"$d/bad.jpg")
    "$EXIFSTRIP" strip --in-place "$d/a.jpg" "$d/bad.jpg" 2>"$d/err"
    check_eq "exit status with one refusal" "$?" 2
    check "stripped in place" cmp -s "$d/a.jpg" "$d/expected.bin"
    check_eq "mode kept" "$(stat -c %a "$d/a.jpg")" 640
    check_eq "refused file unchanged" "$(md5sum <"$d/bad.jpg")" "$before"
    check "refusal reported" grep -q "^$d/bad.jpg: " "$d/err"
    check "no temp files" no_temps "$d"
    "$EXIFSTRIP" strip -i "$d/a.jpg"
    check_eq "stripping twice is stable" "$?" 0
    check "idempotent" cmp -s "$d/a.jpg" "$d/expected.bin"
}

t_output_modes_and_directories() {
    local d; d=$(newdir)
    "$MKFIXTURE" "$d/a.jpg"
    "$MKFIXTURE" --seed 2 "$d/b.jpg"
    (umask 027 && "$EXIFSTRIP" strip "$d/a.jpg" "$d/new.jpg")
    check_eq "new output under umask 027" "$(stat -c %a "$d/new.jpg")" 640
    (umask 002 && "$EXIFSTRIP" strip -q -o "$d/deep/er" "$d/a.jpg" "$d/b.jpg")
    check_eq "new outputs under umask 002" "$(stat -c %a "$d/deep/er/a.jpg" "$d/deep/er/b.jpg" | xargs)" "664 664"
    check_eq "created directories follow the umask" "$(stat -c %a "$d/deep" "$d/deep/er" | xargs)" "775 775"
    chmod 600 "$d/new.jpg"
    "$EXIFSTRIP" strip "$d/b.jpg" "$d/new.jpg"
    check_eq "a replaced output keeps its mode" "$(stat -c %a "$d/new.jpg")" 600
    "$JPEGCMP" oneshot "$d/b.jpg" "$d/expected.bin"
    check "and gets the new content" cmp -s "$d/new.jpg" "$d/expected.bin"
    : >"$d/file"
    "$EXIFSTRIP" strip -o "$d/file/sub" "$d/a.jpg" 2>"$d/err"
    check_eq "output directory below a regular file" "$?" 1
    check "directory problem named" grep -q "^$d/file/sub/a.jpg: cannot create its directory" "$d/err"
    check "no temp files" no_temps "$d"
}

t_output_dir_and_recursion() {
    local d; d=$(newdir)
    mkdir -p "$d/in/sub/deeper" "$d/in/other"
    "$MKFIXTURE" --gps "$d/in/top.jpg"
    "$MKFIXTURE" --xmp --seed 2 "$d/in/sub/UPPER.JPG"
    "$MKFIXTURE" --iptc --seed 3 "$d/in/sub/deeper/long.jpeg"
    "$MKFIXTURE" --exif --seed 4 "$d/in/other/not-a-jpeg-name.png"
    echo "text" >"$d/in/other/notes.txt"
    "$EXIFSTRIP" strip -q -o "$d/out" -r "$d/in"
    check_eq "exit status" "$?" 0
    check "top-level file" test -f "$d/out/top.jpg"
    check "relative path kept (upper-case .JPG)" test -f "$d/out/sub/UPPER.JPG"
    check "relative path kept (.jpeg)" test -f "$d/out/sub/deeper/long.jpeg"
    check "non-jpg name skipped" test ! -e "$d/out/other/not-a-jpeg-name.png"
    check "text file skipped" test ! -e "$d/out/other/notes.txt"
    "$JPEGCMP" oneshot "$d/in/sub/deeper/long.jpeg" "$d/expected.bin"
    check "nested output content" cmp -s "$d/out/sub/deeper/long.jpeg" "$d/expected.bin"
    printf 'GIF89a' >"$d/in/sub/broken.jpg"
    rm -rf "$d/out"
    "$EXIFSTRIP" strip -o "$d/out" -r "$d/in" 2>"$d/err"
    check_eq "exit status with a refused file" "$?" 2
    check "refused file not written" test ! -e "$d/out/sub/broken.jpg"
    check "others still written" test -f "$d/out/sub/UPPER.JPG"
    check "refusal names the file" grep -q "^$d/in/sub/broken.jpg: .*GIF" "$d/err"
    check "summary line" grep -q "3 stripped, 1 refused, 0 failed" "$d/err"
    check "no progress carriage returns when stderr is not a terminal" lacks "$d/err" $'\r'
}

t_explicit_files_to_output_dir() {
    local d; d=$(newdir)
    mkdir -p "$d/x" "$d/y"
    "$MKFIXTURE" --gps "$d/x/a.jpg"
    "$MKFIXTURE" --xmp "$d/y/b.jpg"
    "$EXIFSTRIP" strip -o "$d/out" "$d/x/a.jpg" "$d/y/b.jpg" 2>/dev/null
    check_eq "exit status" "$?" 0
    check "a written by name" test -f "$d/out/a.jpg"
    check "b written by name" test -f "$d/out/b.jpg"
    cp "$d/y/b.jpg" "$d/x/b.jpg"
    "$EXIFSTRIP" strip -o "$d/out3" "$d/x/b.jpg" "$d/y/b.jpg" 2>"$d/err"
    check_eq "colliding output names are a usage error" "$?" 1
    check "collision named" grep -q "^$d/out3/b.jpg: " "$d/err"
    check "nothing written on collision" test ! -e "$d/out3"
    rm -f "$d/out/a.jpg"
    "$EXIFSTRIP" strip "$d/x/a.jpg" "$d/out"
    "$JPEGCMP" oneshot "$d/x/a.jpg" "$d/expected.bin"
    check "OUT as a directory gets OUT/<name>" cmp -s "$d/out/a.jpg" "$d/expected.bin"
}

t_policy_options() {
    local d; d=$(newdir)
    "$MKFIXTURE" --icc 3 --comment "$d/in.jpg"
    "$EXIFSTRIP" strip "$d/in.jpg" "$d/default.jpg"
    check "ICC kept by default" has "$d/default.jpg" ICC_PROFILE
    check "comment removed by default" lacks "$d/default.jpg" "fixture comment"
    "$EXIFSTRIP" strip --drop-icc --keep-comments "$d/in.jpg" "$d/custom.jpg"
    check "--drop-icc" lacks "$d/custom.jpg" ICC_PROFILE
    check "--keep-comments" has "$d/custom.jpg" "fixture comment"
    "$JPEGCMP" oneshot --drop-icc --keep-comments "$d/in.jpg" "$d/expected.bin"
    check "same as one-shot with that policy" cmp -s "$d/custom.jpg" "$d/expected.bin"
    "$EXIFSTRIP" strip --drop-icc --keep-icc "$d/in.jpg" "$d/last.jpg"
    check "last of --drop-icc/--keep-icc wins" has "$d/last.jpg" ICC_PROFILE
}

t_verbose_and_quiet() {
    local d; d=$(newdir)
    "$MKFIXTURE" --gps --xmp --mp4 "$d/a.jpg"
    "$MKFIXTURE" --seed 5 "$d/b.jpg"
    "$EXIFSTRIP" strip -v -o "$d/out" "$d/a.jpg" "$d/b.jpg" 2>"$d/err"
    check "verbose names removed kinds" grep -q "^$d/a.jpg: .* -> .*removed: .*exif(gps) .*xmp .*trailer" "$d/err"
    check "verbose for a clean file" grep -q "^$d/b.jpg: .*removed: nothing" "$d/err"
    "$MKFIXTURE" --icc 1 --seed 16 "$d/c.jpg"
    "$EXIFSTRIP" strip -v -o "$d/out3" "$d/c.jpg" 2>"$d/err"
    check "verbose names an ICC profile zeroed in place" grep -q "^$d/c.jpg: .*removed: icc-text 120 B (zeroed in place)$" "$d/err"
    "$EXIFSTRIP" strip -q -o "$d/out2" "$d/a.jpg" "$d/b.jpg" 2>"$d/err"
    check "quiet prints nothing" test ! -s "$d/err"
}

t_usage_and_io_errors() {
    local d; d=$(newdir)
    "$MKFIXTURE" "$d/a.jpg"
    "$EXIFSTRIP" strip >/dev/null 2>&1;                              check_eq "no arguments" "$?" 1
    "$EXIFSTRIP" strip "$d/a.jpg" >/dev/null 2>&1;                   check_eq "one argument" "$?" 1
    "$EXIFSTRIP" strip "$d/a.jpg" "$d/a.jpg" "$d/b" 2>/dev/null;     check_eq "three without -o" "$?" 1
    "$EXIFSTRIP" strip -i -o "$d/o" "$d/a.jpg" 2>/dev/null;          check_eq "-i with -o" "$?" 1
    "$EXIFSTRIP" strip -r "$d" 2>/dev/null;                          check_eq "-r alone" "$?" 1
    "$EXIFSTRIP" strip --no-such-option 2>/dev/null;                 check_eq "unknown option" "$?" 1
    "$EXIFSTRIP" strip "$d/missing.jpg" "$d/o.jpg" 2>"$d/err"
    check_eq "missing input" "$?" 1
    check "missing input named" grep -q "^$d/missing.jpg: " "$d/err"
    printf 'x' >"$d/bad.jpg"
    "$EXIFSTRIP" strip -o "$d/o" "$d/missing.jpg" "$d/bad.jpg" 2>/dev/null
    check_eq "I/O error wins over refusal" "$?" 1
    "$EXIFSTRIP" strip "$d/a.jpg" "$d/no/such/dir/o.jpg" 2>"$d/err"
    check_eq "unwritable output" "$?" 1
    check "output problem named" grep -q "^$d/no/such/dir/o.jpg: " "$d/err"
}

t_progress_only_on_a_terminal() {
    local d; d=$(newdir)
    if ! command -v script >/dev/null 2>&1; then es_skip "script(1) not available"; return; fi
    "$MKFIXTURE" "$d/a.jpg"
    "$MKFIXTURE" --seed 2 "$d/b.jpg"
    script -qc "'$EXIFSTRIP' strip -o '$d/out' '$d/a.jpg' '$d/b.jpg'" /dev/null >"$d/tty" </dev/null
    check "progress counter shown on a terminal" grep -aq "\[2/2\] $d/b.jpg" "$d/tty"
    check "progress uses carriage returns" has "$d/tty" $'\r'
    # a refusal (and the summary) erase the progress line first, never share it
    printf 'not a jpeg' >"$d/bad.jpg"
    script -qc "'$EXIFSTRIP' strip -o '$d/out3' '$d/a.jpg' '$d/bad.jpg' '$d/b.jpg'" /dev/null >"$d/tty" </dev/null
    check "a refusal erases the progress line first" grep -aqF $'[2/3] '"$d/bad.jpg"$'\r\033[K'"$d/bad.jpg: " "$d/tty"
    check "the summary erases the progress line first" grep -aqF $'[3/3] '"$d/b.jpg"$'\r\033[Kexifstrip: 2 stripped, 1 refused' "$d/tty"
    script -qc "'$EXIFSTRIP' strip -q -o '$d/out2' '$d/a.jpg' '$d/b.jpg'" /dev/null >"$d/tty" </dev/null
    check "--quiet hides progress" lacks "$d/tty" "[1/2]"
    script -qc "'$EXIFSTRIP' strip '$d/a.jpg' -" /dev/null >"$d/tty" </dev/null
    check "binary output to a terminal refused" grep -aq "terminal" "$d/tty"
}

t_help_and_version() {
    local out opt
    out=$("$EXIFSTRIP" strip --help); check_eq "strip --help status" "$?" 0
    for opt in --output-dir --recursive --in-place --keep-icc --drop-icc --keep-comments --sync --no-sync --quiet --verbose --help; do
        case "$out" in *"$opt"*) ;; *) es_fail "strip --help lacks $opt" ;; esac
    done
    out=$("$EXIFSTRIP" inspect --help); check_eq "inspect --help status" "$?" 0
    for opt in --json --keep-icc --drop-icc --keep-comments --help; do
        case "$out" in *"$opt"*) ;; *) es_fail "inspect --help lacks $opt" ;; esac
    done
    check_eq "--version" "$("$EXIFSTRIP" --version)" "exifstrip $(cat "$ES_ROOT/VERSION")"
    # what could not be written to stdout fails the run, saying so
    local cmd
    for cmd in "--version" "--help" "strip --help" "worker --help"; do
        # shellcheck disable=SC2086 # the command and its option
        "$EXIFSTRIP" $cmd >/dev/full 2>"$SCRATCH/err"
        check_eq "$cmd on a full disk: exit status" "$?" 1
        check "$cmd: said" grep -q "cannot write to stdout: No space left on device" "$SCRATCH/err"
    done
}

es_run t_single_file_equals_oneshot
es_run t_every_coding_variant
es_run t_large_file_streams_across_chunks
es_run t_stdin_and_stdout
es_run t_device_or_fifo_target_is_written_not_replaced
es_run t_refused_input_leaves_no_output
es_run t_output_is_the_input_refused
es_run t_long_file_names
es_run t_names_with_control_characters
es_run t_in_place_is_atomic_and_keeps_mode
es_run t_output_modes_and_directories
es_run t_output_dir_and_recursion
es_run t_explicit_files_to_output_dir
es_run t_policy_options
es_run t_verbose_and_quiet
es_run t_usage_and_io_errors
es_run t_progress_only_on_a_terminal
es_run t_help_and_version
es_finish
