#!/usr/bin/env bash
# strip_safety_test.sh - `exifstrip strip` against files that change under it
# and symlink tricks: --in-place leaves a file replaced (mv onto its path) or
# modified while it was being stripped untouched and says so (exit 1); -r
# skips symlinked files and directories unless --follow-symlinks, and in place
# never rewrites a file outside the tree through a link, not even through a
# directory of the tree swapped for a link after the walk.
# The race is made deterministic with the EXIFSTRIP_TEST_PAUSE_FIFO hook:
# exifstrip opens that FIFO (which blocks until this script opens it for
# writing) and reads it to EOF right before it publishes an output.
source "$(dirname "$0")/../harness/lib.sh"
source "$(dirname "$0")/common.sh"

# strip_paused DIR ACTION ARGS...: runs `exifstrip strip ARGS` paused before
# its first commit, runs ACTION (a shell snippet, in DIR) at that moment, lets
# it finish (later commits pass their pause at once); sets $status and leaves
# stderr in DIR/err. A binary that never pauses makes the writer's open time
# out (the test then fails, not hangs).
strip_paused() {
    local d=$1 action=$2; shift 2
    rm -f "$d/pause" && mkfifo "$d/pause"
    EXIFSTRIP_TEST_PAUSE_FIFO=$d/pause "$EXIFSTRIP" strip "$@" 2>"$d/err" &
    local pid=$!
    (cd "$d" && timeout 60 bash -c 'exec 3>pause && eval "$1"' _ "$action") ||
        es_fail "exifstrip did not pause before its commit, or the action failed"
    while kill -0 "$pid" 2>/dev/null; do timeout 1 bash -c 'exec 3>"$1"' _ "$d/pause" 2>/dev/null; done
    wait "$pid"
    status=$?
}

t_in_place_keeps_a_file_replaced_mid_run() {
    local d; d=$(newdir)
    "$MKFIXTURE" --gps "$d/a.jpg"
    "$MKFIXTURE" --xmp --seed 7 "$d/new.jpg"
    cp "$d/new.jpg" "$d/new.orig"
    strip_paused "$d" 'mv new.jpg a.jpg' --in-place "$d/a.jpg"
    check_eq "exit status" "$status" 1
    check "the file moved in is untouched" cmp -s "$d/a.jpg" "$d/new.orig"
    check "reported for that file" grep -q "^$d/a.jpg: changed while it was being stripped (replaced or modified); left as it is$" "$d/err"
    check "no temp files" no_temps "$d"
}

t_in_place_keeps_a_file_modified_mid_run() {
    local d; d=$(newdir)
    "$MKFIXTURE" --gps "$d/a.jpg"
    strip_paused "$d" 'printf "appended" >>a.jpg && cp a.jpg modified.orig' --in-place "$d/a.jpg"
    check_eq "exit status" "$status" 1
    check "the modified file is untouched" cmp -s "$d/a.jpg" "$d/modified.orig"
    check "reported" grep -q "^$d/a.jpg: changed while it was being stripped" "$d/err"
    check "no temp files" no_temps "$d"
}

t_in_place_unchanged_file_is_stripped() {
    local d; d=$(newdir)
    "$MKFIXTURE" --gps "$d/a.jpg"
    "$MKFIXTURE" --gps --seed 3 "$d/b.jpg"
    "$JPEGCMP" oneshot "$d/b.jpg" "$d/b.expected"
    cp "$d/a.jpg" "$d/a.orig"
    # Several files: only the replaced one is left; the others are stripped.
    strip_paused "$d" 'cat a.orig >a.jpg.new && mv a.jpg.new a.jpg' --in-place "$d/a.jpg"
    check_eq "same bytes but a new inode is a change" "$status" 1
    check "left as it is" cmp -s "$d/a.jpg" "$d/a.orig"
    strip_paused "$d" 'true' --in-place "$d/b.jpg"
    check_eq "untouched: exit status" "$status" 0
    check "untouched: stripped" cmp -s "$d/b.jpg" "$d/b.expected"
}

t_in_place_symlink_swapped_in_mid_run() {
    local d; d=$(newdir)
    mkdir -p "$d/in" "$d/outside"
    "$MKFIXTURE" --gps "$d/in/a.jpg"
    "$MKFIXTURE" --gps --seed 5 "$d/outside/victim.jpg"
    cp "$d/outside/victim.jpg" "$d/victim.orig"
    strip_paused "$d" 'rm in/a.jpg && ln -s ../outside/victim.jpg in/a.jpg' --in-place -r "$d/in"
    check_eq "exit status" "$status" 1
    check "the link target outside is untouched" cmp -s "$d/outside/victim.jpg" "$d/victim.orig"
    check "the link is still a link" test -L "$d/in/a.jpg"
    check "reported" grep -q "^$d/in/a.jpg: changed while it was being stripped" "$d/err"
}

# A directory of the tree swapped for a link to elsewhere after the walk: the
# files below it are neither read from nor written to that elsewhere. The swap
# happens while the first file (in/a.jpg) waits to be published.
t_directory_swapped_after_the_walk() {
    local d mode; d=$(newdir)
    for mode in in-place output-dir; do
        rm -rf "${d:?}"/* && mkdir -p "$d/in/sub" "$d/outside"
        "$MKFIXTURE" --gps "$d/in/a.jpg"
        "$MKFIXTURE" --gps --seed 3 "$d/in/sub/b.jpg"
        "$MKFIXTURE" --gps --seed 5 "$d/outside/b.jpg"
        cp "$d/outside/b.jpg" "$d/victim.orig" && cp "$d/in/sub/b.jpg" "$d/b.orig"
        local args=(--in-place -r "$d/in")
        [ "$mode" = output-dir ] && args=(-o "$d/out" -r "$d/in")
        strip_paused "$d" 'mv in/sub in/sub.moved && ln -s ../outside in/sub' "${args[@]}"
        check_eq "$mode: exit status" "$status" 1
        check "$mode: the file outside untouched" cmp -s "$d/outside/b.jpg" "$d/victim.orig"
        check "$mode: the moved file untouched" cmp -s "$d/in/sub.moved/b.jpg" "$d/b.orig"
        check "$mode: reported" grep -q "/in/sub/b.jpg: its directory was replaced after the walk" "$d/err"
        check "$mode: nothing read from outside" [ ! -e "$d/out/sub/b.jpg" ]
        check "$mode: no temp files" no_temps "$d"
    done
}

# The swap while the file itself waits to be published: the output goes into
# the directory the file was read from (held open), not where the path leads.
t_directory_swapped_while_publishing() {
    local d; d=$(newdir)
    mkdir -p "$d/in/sub" "$d/outside"
    "$MKFIXTURE" --gps --seed 3 "$d/in/sub/b.jpg"
    "$JPEGCMP" oneshot "$d/in/sub/b.jpg" "$d/b.expected"
    "$MKFIXTURE" --gps --seed 5 "$d/outside/b.jpg"
    cp "$d/outside/b.jpg" "$d/victim.orig"
    strip_paused "$d" 'mv in/sub in/sub.moved && ln -s ../outside in/sub' --in-place -r "$d/in"
    check_eq "exit status" "$status" 0
    check "the file outside untouched" cmp -s "$d/outside/b.jpg" "$d/victim.orig"
    check "the file read is the one stripped, in its own directory" cmp -s "$d/in/sub.moved/b.jpg" "$d/b.expected"
    check "no temp files" no_temps "$d"
}

has_temps() { ! no_temps "$1"; }

# SIGINT or SIGTERM while an output is being written: its temporary file goes
# too, nothing is published, and the process still ends by the signal.
t_stop_signal_removes_the_temporary_file() {
    local d sig pid i status; d=$(newdir)
    "$MKFIXTURE" --gps "$d/a.jpg"
    for sig in INT TERM; do
        rm -f "$d/pause" && mkfifo "$d/pause"
        EXIFSTRIP_TEST_PAUSE_FIFO=$d/pause "$EXIFSTRIP" strip -o "$d/out" "$d/a.jpg" 2>/dev/null &
        pid=$!
        for i in $(seq 200); do has_temps "$d" && break; sleep 0.05; done
        check "$sig: a temporary file while it waits" has_temps "$d"
        kill -s "$sig" "$pid"
        for i in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
        if kill -0 "$pid" 2>/dev/null; then
            es_fail "$sig: still running 10 s after the signal"
            kill -KILL "$pid"
        fi
        wait "$pid"
        status=$?
        check_eq "$sig: ended by the signal" "$status" $((128 + $(kill -l "$sig")))
        check "$sig: no temporary file left" no_temps "$d"
        check "$sig: nothing published" [ ! -e "$d/out/a.jpg" ]
    done
}

# in/real.jpg, in/link.jpg -> ../outside/victim.jpg, in/secret.jpg ->
# ../outside/secret.txt, in/dirlink -> ../outside, in/inner.jpg -> real.jpg
make_link_tree() {
    local d=$1
    mkdir -p "$d/in/sub" "$d/outside"
    "$MKFIXTURE" --gps "$d/in/real.jpg"
    "$MKFIXTURE" --gps --seed 5 "$d/outside/victim.jpg"
    cp "$d/outside/victim.jpg" "$d/victim.orig"
    echo "top secret" >"$d/outside/secret.txt"
    ln -s ../outside/victim.jpg "$d/in/link.jpg"
    ln -s ../outside/secret.txt "$d/in/secret.jpg"
    ln -s ../outside "$d/in/dirlink"
    ln -s real.jpg "$d/in/inner.jpg"
}

t_recursive_in_place_skips_symlinks() {
    local d; d=$(newdir)
    make_link_tree "$d"
    "$JPEGCMP" oneshot "$d/in/real.jpg" "$d/real.expected"
    "$EXIFSTRIP" strip --in-place -r "$d/in" 2>"$d/err"
    check_eq "exit status" "$?" 0
    check "file outside the tree untouched" cmp -s "$d/outside/victim.jpg" "$d/victim.orig"
    check "links stay links" test -L "$d/in/link.jpg" -a -L "$d/in/inner.jpg" -a -L "$d/in/dirlink"
    check "the real file is stripped" cmp -s "$d/in/real.jpg" "$d/real.expected"
    check "skipped links counted" grep -q "1 stripped, 0 refused, 0 failed, 4 symbolic links skipped (-v lists them)" "$d/err"
    check "not listed without -v" lacks "$d/err" "link.jpg"
    "$EXIFSTRIP" strip -v --in-place -r "$d/in" 2>"$d/err"
    check "-v lists each skipped link" grep -q "^$d/in/link.jpg: skipped: symbolic link (not followed under -r; see --follow-symlinks)$" "$d/err"
    check "-v lists a skipped directory link" grep -q "^$d/in/dirlink: skipped: symbolic link" "$d/err"
}

t_recursive_output_dir_skips_symlinks() {
    local d; d=$(newdir)
    make_link_tree "$d"
    "$EXIFSTRIP" strip -q -o "$d/out" -r "$d/in" 2>"$d/err"
    check_eq "exit status" "$?" 0
    check "real file written" test -f "$d/out/real.jpg"
    check "file link not read" test ! -e "$d/out/link.jpg"
    check "link to a non-JPEG not read" test ! -e "$d/out/secret.jpg"
    check "directory link not followed" test ! -e "$d/out/dirlink"
    check "nothing about the secret anywhere" lacks "$d/err" "top secret"
}

t_follow_symlinks() {
    local d; d=$(newdir)
    make_link_tree "$d"
    "$EXIFSTRIP" strip -q --follow-symlinks -o "$d/out" -r "$d/in" 2>"$d/err"
    check_eq "-o: the link to a non-JPEG is refused" "$?" 2
    check "-o: file link followed" test -f "$d/out/link.jpg"
    check "-o: directory link followed" test -f "$d/out/dirlink/victim.jpg"
    check "-o: the source outside is untouched" cmp -s "$d/outside/victim.jpg" "$d/victim.orig"
    rm "$d/in/secret.jpg"
    "$EXIFSTRIP" strip --follow-symlinks --in-place -r "$d/in" 2>"$d/err"
    check_eq "in place: exit status" "$?" 0
    check "in place: nothing outside the tree rewritten" cmp -s "$d/outside/victim.jpg" "$d/victim.orig"
    check "in place: outside links always reported" grep -q "^$d/in/link.jpg: skipped: symbolic link to outside the tree (not rewritten in place)$" "$d/err"
    check "in place: outside directory link reported" grep -q "^$d/in/dirlink: skipped: symbolic link to outside the tree" "$d/err"
    check "in place: a link inside the tree is followed and stays a link" test -L "$d/in/inner.jpg"
    ln -s . "$d/in/sub/loop"
    "$EXIFSTRIP" strip -q --follow-symlinks -o "$d/out2" -r "$d/in" 2>"$d/err"
    check_eq "a directory loop is not walked twice" "$?" 0
    check "loop entered once at most" test ! -e "$d/out2/sub/loop/loop"
}

es_run t_in_place_keeps_a_file_replaced_mid_run
es_run t_in_place_keeps_a_file_modified_mid_run
es_run t_in_place_unchanged_file_is_stripped
es_run t_in_place_symlink_swapped_in_mid_run
es_run t_directory_swapped_after_the_walk
es_run t_directory_swapped_while_publishing
es_run t_stop_signal_removes_the_temporary_file
es_run t_recursive_in_place_skips_symlinks
es_run t_recursive_output_dir_skips_symlinks
es_run t_follow_symlinks
es_finish
