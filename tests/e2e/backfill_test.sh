#!/usr/bin/env bash
# backfill_test.sh - `exifstrip backfill` against the emulator, on 200 objects
# that were in the source bucket before (no events): awkward keys (spaces,
# UTF-8, '+', '%', deep prefixes, upper-case suffix, non-JPEG suffixes), 15
# refused (not JPEG) and 60 already done. --dry-run writes and reads no
# object; a prefix run in small pages strips exactly its keys (exit 0); the
# full run leaves B exact (each object equal to `exifstrip strip` of its
# source) and reports each refusal (exit 2); a second run GETs no done key
# and reports to the report queue; --rewrite writes again the copies an older
# exifstrip made (a plain run skips them); a run interrupted by SIGINT (and one
# killed with SIGKILL) resumes and completes, and its --start-after hint,
# pasted into bash, is the exact key even when that key holds control, bidi
# and separator characters (printed escaped); a second signal abandons the
# running keys at once (nothing written); a terminal gets one progress
# line rewritten in place; usage and listing errors exit 1, bad settings 78.
# Metrics: the full run's EMF records (Queue=Backfill) validate with
# emf_check.py and match its job lines one for one; a dry run, a run with
# EXIFSTRIP_METRICS=off and a run on a terminal write none.
source "$(dirname "${BASH_SOURCE[0]}")/../harness/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib_e2e.sh"

S=$E2E_SCRATCH
FIX=$S/fixtures
EMF_CHECK=$ES_ROOT/tests/e2e/emf_check.py
SRC=""          # the source bucket (e2e_stack's C: no notification, so no events)
declare -A ORIG # key -> the local file uploaded there
MATCHED=()      # keys with a configured suffix that strip cleanly, sorted
DEEP=()         # those under deep/

# Uploads one object; records its original.
s_put() { # key file
    emu_s3 PUT "$SRC" "$1" --data-binary "@$2" >/dev/null || { es_fail "PUT '$1' failed"; return 1; }
    ORIG[$1]=$2
}

s_setup() {
    e2e_stack bf || return 1
    SRC=$E2E_C
    mkdir -p "$FIX"
    local i f
    for i in 0 1 2 3 4 5 6 7; do
        "$MKFIXTURE" --gps --exif --xmp --comment --seed "$((300 + i))" "$FIX/p$i.jpg" || return 1
    done
    printf 'this is not a JPEG\n' >"$FIX/fake.jpg"
    printf 'notes\n' >"$FIX/notes.txt"
    for i in $(seq 1 60); do s_put "deep/a/b/c/d/e/f/g/photo $i.jpg" "$FIX/p$((i % 8)).jpg" || return 1; done
    for i in $(seq 1 40); do s_put "space dir/my pic $i.JPG" "$FIX/p$((i % 8)).jpg" || return 1; done
    for i in $(seq 1 30); do s_put $'\xe6\x97\xa5\xe6\x9c\xac/\xe5\x86\x99\xe7\x9c\x9f '"$i.jpeg" "$FIX/p$((i % 8)).jpg" || return 1; done
    for i in $(seq 1 20); do s_put "plus+and%percent/$i+1%.jpg" "$FIX/p$((i % 8)).jpg" || return 1; done
    for i in $(seq 1 20); do s_put "top $i.jpg" "$FIX/p$((i % 8)).jpg" || return 1; done
    for i in $(seq 1 15); do s_put "fake $i.jpg" "$FIX/fake.jpg" || return 1; done
    for i in $(seq 1 10); do s_put "notes/$i.txt" "$FIX/notes.txt" || return 1; done
    for i in $(seq 1 5); do s_put "pics/$i.png" "$FIX/p0.jpg" || return 1; done
    local k
    for k in "${!ORIG[@]}"; do
        case $k in fake*|*.txt|*.png) ;; *) MATCHED+=("$k") ;; esac
        case $k in deep/*) DEEP+=("$k") ;; esac
    done
    check_eq "objects in the source bucket" "$(emu_s3_keys "$SRC" | wc -l)" 200
}

# Runs `exifstrip backfill ARGS` with the test's settings (refusal reports
# to $BF_DLQ, else none); stdout to $S/out, stderr to $S/err; sets RC.
s_backfill() {
    EXIFSTRIP_CONCURRENCY=${EXIFSTRIP_CONCURRENCY:-4} EXIFSTRIP_DLQ_URL=${BF_DLQ-} \
        "$EXIFSTRIP" backfill "$@" </dev/null >"$S/out" 2>"$S/err"
    RC=$?
    s_no_sanitizer_report
}

# The ASan+UBSan build's binary reports on stderr; none may appear.
s_no_sanitizer_report() {
    ! grep -q 'Sanitizer\|runtime error' "$S/err" ||
        es_fail "sanitizer report: $(grep -m3 'Sanitizer\|runtime error' "$S/err")"
}

# Sorted keys of bucket $1 equal the given keys.
s_bucket_holds() { # bucket key...
    local b=$1; shift
    diff <(emu_s3_keys "$b") <(printf '%s\n' "$@" | LC_ALL=C sort) >"$S/diff" 2>&1 ||
        { es_fail "keys of $b differ from the expected ($(head -c 600 "$S/diff"))"; return 1; }
}
s_sorted() { printf '%s\n' "$@" | LC_ALL=C sort; }

t_dry_run_writes_nothing() {
    local seq
    seq=$(e2e_log_seq)
    s_backfill --dry-run "s3://$SRC" "s3://$E2E_B"
    check_eq "exit status" "$RC" 0
    check_eq "keys to strip listed" "$(grep -c '"action":"strip"' "$S/out")" $((${#MATCHED[@]} + 15))
    check "the summary says dry run" grep -q '(dry run): 200 keys listed, 185 with a configured suffix' "$S/out"
    check "no .txt/.png key listed" bash -c '! grep -q "\.txt\|\.png" "$1"' _ "$S/out"
    check_eq "objects in B" "$(emu_s3_keys "$E2E_B" | wc -l)" 0
    check_eq "GETs of source objects" "$(e2e_requests "$seq" "r.get('action')=='GetObject'")" 0
    # this run's buckets and queues only: a request of an earlier test that the
    # emulator logs late (it logs each when its answer is sent) is not the dry run's
    local writes="r.get('method') in ('PUT','POST','DELETE') and
        (r.get('bucket') in ('$SRC', '$E2E_B') or '$E2E_ID' in r.get('queue', ''))"
    check_eq "writes to this run's buckets and queues ($(e2e_request_names "$seq" "$writes" | tr '\n' ';'))" \
        "$(e2e_requests "$seq" "$writes")" 0
    check "a dry run writes no metrics record" "$E2E_PY" "$EMF_CHECK" --none "$S/err"
    # a listing that cannot be written is no dry run
    EXIFSTRIP_CONCURRENCY=4 "$EXIFSTRIP" backfill --dry-run "s3://$SRC" "s3://$E2E_B" </dev/null >/dev/full 2>"$S/err"
    check_eq "dry run to a full disk: exit status" "$?" 1
    check "dry run to a full disk: said" grep -q "^exifstrip backfill: cannot write to stdout" "$S/err"
}

# (with EXIFSTRIP_PAYLOAD_SIGNING=unsigned, honoured as by the worker: every
# PUT to B is sent as UNSIGNED-PAYLOAD although the endpoint is plain http)
t_prefix_in_small_pages() {
    local seq puts
    seq=$(e2e_log_seq)
    EXIFSTRIP_PAYLOAD_SIGNING=unsigned s_backfill --page-size 7 "s3://$SRC/deep/" "s3://$E2E_B"
    check_eq "exit status" "$RC" 0
    puts="r.get('bucket')=='$E2E_B' and r.get('action')=='PutObject' and r.get('status')==200"
    check_eq "EXIFSTRIP_PAYLOAD_SIGNING=unsigned: every PUT unsigned" \
        "$(e2e_requests "$seq" "$puts and r.get('unsigned_payload')")" 60
    check "summary" grep -q '60 keys listed, 60 with a configured suffix' "$S/out"
    check "summary counts" grep -q 'stripped 60, already done 0, refused 0, gone 0, failed 0' "$S/out"
    s_bucket_holds "$E2E_B" "${DEEP[@]}"
    check_eq "ListObjectsV2 pages of 7 keys" \
        "$(e2e_requests "$seq" "r.get('action')=='ListObjectsV2' and r.get('bucket')=='$SRC' and 'max-keys=7' in r.get('query','')")" 9
}

t_full_run_exact_b_and_refusals() {
    EXIFSTRIP_LOG_LEVEL=info s_backfill --report "$S/report.jsonl" "s3://$SRC" "s3://$E2E_B"
    check_eq "exit status (some refused)" "$RC" 2
    check "summary counts" grep -q "stripped $((${#MATCHED[@]} - 60)), already done 60, refused 15, gone 0, failed 0" "$S/out"
    s_bucket_holds "$E2E_B" "${MATCHED[@]}"
    check_eq "refusal reports" "$(wc -l <"$S/report.jsonl")" 15
    check_eq "reports naming a fake key and ES_ERR_JPEG_NOT_JPEG" "$(E2E_SRC=$SRC "$E2E_PY" -c 'import json,os,sys
n=0
for line in open(sys.argv[1]):
    d=json.loads(line)
    n+=d["key"].startswith("fake ") and d["error_code"]=="ES_ERR_JPEG_NOT_JPEG" and d["bucket"]==os.environ["E2E_SRC"]
print(n)' "$S/report.jsonl")" 15
    local k
    for k in "${MATCHED[@]}"; do
        e2e_expect_stripped "$k" "${ORIG[$k]}" "$SRC" || break
    done
    check "refusals logged" grep -q '"event":"job.refused".*"reported":"report"' "$S/err"
    check "one EMF record per key, Queue=Backfill, matching the job lines" "$E2E_PY" "$EMF_CHECK" "$S/err" \
        --queue Backfill --expect stripped=$((${#MATCHED[@]} - 60)) --expect skipped=60 --expect refused=15 \
        --expect gone=0 --expect retry=0 --expect deleted=0 --require BytesRemoved
    check "no queue timings in backfill records" "$E2E_PY" -c 'import json,sys
rs=[json.loads(l) for l in open(sys.argv[1]) if "\"_aws\"" in l]
sys.exit(0 if rs and not any("QueueWait" in r or "ReceiveToDone" in r for r in rs) else 1)' "$S/err"
}

t_second_run_gets_no_done_key() {
    local seq
    seq=$(e2e_log_seq)
    EXIFSTRIP_METRICS=off BF_DLQ=$E2E_REPORT s_backfill "s3://$SRC" "s3://$E2E_B"
    check_eq "exit status (the fakes are refused again)" "$RC" 2
    check_eq "refusal reports on the report queue (no --report)" "$(emu_queue_depth "$E2E_REPORT")" 15
    check "summary counts" grep -q "stripped 0, already done ${#MATCHED[@]}, refused 15" "$S/out"
    check_eq "GETs of done keys of $SRC" \
        "$(e2e_request_names "$seq" "r.get('action')=='GetObject' and r.get('bucket')=='$SRC' and not r.get('key','').startswith('fake ')")" ""
    check_eq "HEADs of B" "$(e2e_requests "$seq" "r.get('action')=='HeadObject' and r.get('bucket')=='$E2E_B'")" 185
    check_eq "writes to B" "$(e2e_requests "$seq" "r.get('bucket')=='$E2E_B' and r.get('method') in ('PUT','POST')")" 0
    check "EXIFSTRIP_METRICS=off: no metrics record" "$E2E_PY" "$EMF_CHECK" --none "$S/err"
}

# --rewrite: copies that record the same source but were made by an older
# exifstrip (here: the photo as uploaded, with the metadata the worker
# records) are skipped by a plain run and written again by --rewrite, which
# keeps the sequencer they recorded; a dry run lists them as "rewrite"; a
# second --rewrite reads them but writes nothing (made alike).
t_rewrite_replaces_old_copies() {
    local k etag seq tops=()
    for k in "${MATCHED[@]}"; do case $k in top*) tops+=("$k") ;; esac; done
    check_eq "top keys" "${#tops[@]}" 20
    for k in "${tops[@]}"; do
        etag=$(emu_s3 HEAD "$SRC" "$k" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: "\(.*\)"$/\1/p')
        emu_s3 PUT "$E2E_B" "$k" --data-binary "@${ORIG[$k]}" -H "x-amz-meta-exifstrip-source-bucket: $SRC" \
            -H "x-amz-meta-exifstrip-source-etag: $etag" -H "x-amz-meta-exifstrip-source-sequencer: 0B00" \
            >/dev/null || { es_fail "replacing B's copy of '$k' failed"; return 1; }
    done
    s_backfill "s3://$SRC/top " "s3://$E2E_B"
    check_eq "plain run: exit status" "$RC" 0
    check "plain run: every old copy skipped" grep -q 'stripped 0, already done 20, refused 0' "$S/out"
    emu_s3 GET "$E2E_B" "${tops[0]}" -o "$S/old.jpg"
    "$EXIFSTRIP" inspect --json "$S/old.jpg" >"$S/inspect.json" 2>/dev/null
    check "the old copy still carries GPS" grep -q '"gps":true' "$S/inspect.json"
    s_backfill --rewrite --dry-run "s3://$SRC/top " "s3://$E2E_B"
    check_eq "dry run: keys to rewrite" "$(grep -c '"action":"rewrite"' "$S/out")" 20
    seq=$(e2e_log_seq)
    s_backfill --rewrite "s3://$SRC/top " "s3://$E2E_B"
    check_eq "--rewrite: exit status" "$RC" 0
    check "--rewrite: every copy written again" grep -q 'stripped 20, already done 0, refused 0, gone 0, failed 0' "$S/out"
    check_eq "--rewrite: GETs of $SRC" "$(e2e_requests "$seq" "r.get('action')=='GetObject' and r.get('bucket')=='$SRC'")" 20
    for k in "${tops[@]}"; do
        e2e_expect_stripped "$k" "${ORIG[$k]}" "$SRC" || break
    done
    emu_s3 HEAD "$E2E_B" "${tops[0]}" >"$S/headers"
    check "the rewritten copy keeps the sequencer" grep -qi "^x-amz-meta-exifstrip-source-sequencer: 0B00" "$S/headers"
    seq=$(e2e_log_seq)
    s_backfill --rewrite "s3://$SRC/top " "s3://$E2E_B"
    check_eq "--rewrite again: exit status" "$RC" 0
    check "--rewrite again: every copy already made alike" grep -q 'stripped 0, already done 20, refused 0' "$S/out"
    check_eq "--rewrite again: writes to B" "$(e2e_requests "$seq" "r.get('bucket')=='$E2E_B' and r.get('method') in ('PUT','POST')")" 0
}

# Starts a backfill of deep/ into D in the background (GETs slowed down),
# listing in pages of 5 keys, with a progress line every second.
s_start_slow() { # dest extra-args...
    local dest=$1; shift
    EXIFSTRIP_CONCURRENCY=2 EXIFSTRIP_SHUTDOWN_GRACE=10 EXIFSTRIP_DLQ_URL= \
        "$EXIFSTRIP" backfill --progress 1 --page-size 5 "$@" "s3://$SRC/deep/" "s3://$dest" </dev/null >"$S/out" 2>"$S/err" &
    E2E_WORKER_PID=$!
    _e2e_pids+=("$E2E_WORKER_PID")
}
s_count_in() { [ "$(emu_s3_keys "$1" | wc -l)" -ge "$2" ]; }

t_interrupted_runs_resume() {
    local d=$E2E_ID-bf-d rule n1 n2 t0 hint
    emu_create_bucket "$d" || { es_fail "CreateBucket $d failed"; return; }
    _e2e_buckets+=("$d")
    rule=$(e2e_fault "{\"service\":\"s3\",\"action\":\"GetObject\",\"bucket\":\"$SRC\",\"delay_ms\":150}")

    s_start_slow "$d"
    e2e_wait 30 "5 objects in D" s_count_in "$d" 5
    sleep 1.2 # at least one progress line
    e2e_worker_signal INT
    t0=$SECONDS
    e2e_worker_wait 15
    s_no_sanitizer_report
    check_eq "exit status after SIGINT" "$E2E_WORKER_RC" 1
    check "stopped within the grace" [ $((SECONDS - t0)) -le 10 ]
    check "summary says interrupted" grep -q 'interrupted: [0-9]* listed keys not started' "$S/out"
    # pages of 5 keys: only the count ahead knows the total of 60 this early
    check "a progress line with the total and an ETA" \
        bash -c 'grep "^backfill: " "$1" | head -1 | grep -q "^backfill: [0-9]*/60 keys, .* keys/s, .* ETA [0-9]"' _ "$S/err"
    check "no job cut short" bash -c '! grep -q "job.retry" "$1"' _ "$S/err"
    n1=$(emu_s3_keys "$d" | wc -l)
    check "stopped part-way ($n1 of 60)" [ "$n1" -lt 60 ]
    hint=$(sed -n "s/.*--start-after '\(.*\)' to skip.*/\1/p" "$S/out")
    check "the summary names a --start-after key" [ -n "$hint" ]

    s_start_slow "$d"
    e2e_wait 30 "more objects in D" s_count_in "$d" $((n1 + 3))
    kill -KILL "$E2E_WORKER_PID"
    e2e_worker_wait 10
    sleep 0.5 # the emulator logs a request when its (delayed) answer is sent
    n2=$(emu_s3_keys "$d" | wc -l)
    curl -fsS -X DELETE "$ES_TEST_ENDPOINT/_emulator/faults/$rule" >/dev/null

    local seq
    seq=$(e2e_log_seq)
    s_backfill --start-after "$hint" "s3://$SRC/deep/" "s3://$d"
    check_eq "exit status of the run after --start-after" "$RC" 0
    check "it listed only the keys after the hint" bash -c '! grep -q "60 keys listed" "$1"' _ "$S/out"
    s_backfill "s3://$SRC/deep/" "s3://$d"
    check_eq "exit status of the completing run" "$RC" 0
    check "summary counts" grep -q 'stripped 0, already done 60, refused 0' "$S/out"
    s_bucket_holds "$d" "${DEEP[@]}"
    check "the killed run had written more ($n2 > $n1)" [ "$n2" -gt "$n1" ]
    check_eq "GETs for keys done before" "$(e2e_requests "$seq" "r.get('action')=='GetObject'")" $((60 - n2))
    local k
    E2E_B_SAVED=$E2E_B E2E_B=$d
    for k in "${DEEP[@]:0:5}"; do e2e_expect_stripped "$k" "${ORIG[$k]}" "$SRC" || break; done
    E2E_B=$E2E_B_SAVED
}

# A failed key after one with ESC, CR, ', \, U+202E and U+2028: the hint is
# $'...' with those as \xNN (\' and \\), nothing raw reaches the terminal,
# and bash reads it back as the exact key.
t_resume_hint_is_shell_safe() {
    local src=$E2E_ID-bf-k dst=$E2E_ID-bf-l key word rule
    key=$'e\e[31m\'RED\\\r\u202eOK\u2028.jpg'
    emu_create_bucket "$src" && emu_create_bucket "$dst" || { es_fail "CreateBucket failed"; return; }
    _e2e_buckets+=("$src" "$dst")
    emu_s3 PUT "$src" "$key" --data-binary "@$FIX/p0.jpg" >/dev/null &&
        emu_s3 PUT "$src" "f.jpg" --data-binary "@$FIX/p1.jpg" >/dev/null || { es_fail "PUT failed"; return; }
    rule=$(e2e_fault "{\"service\":\"s3\",\"action\":\"PutObject\",\"bucket\":\"$dst\",\"key\":\"f.jpg\",\"status\":503}")
    AWS_MAX_ATTEMPTS=1 EXIFSTRIP_CONCURRENCY=1 s_backfill --progress 0 "s3://$src" "s3://$dst"
    curl -fsS -X DELETE "$ES_TEST_ENDPOINT/_emulator/faults/$rule" >/dev/null
    check_eq "exit status (f.jpg failed)" "$RC" 1
    check "no raw ESC, CR, U+202E or U+2028 in the summary" \
        bash -c '! grep -q "$2" "$1"' _ "$S/out" $'[\e\r]\\|\u202e\\|\u2028'
    word=$(sed -n 's/.*--start-after \(.*\) to skip.*/\1/p' "$S/out")
    check_eq "the hint, escaped" "$word" "\$'e\\x1B[31m\\'RED\\\\\\x0D\\xE2\\x80\\xAEOK\\xE2\\x80\\xA8.jpg'"
    bash -c "printf %s $word" >"$S/hint" 2>&1
    printf %s "$key" >"$S/key"
    check "bash reads the hint back as the key" cmp -s "$S/hint" "$S/key"
}

t_second_signal_abandons_running_keys() {
    local d=$E2E_ID-bf-e rule t0
    emu_create_bucket "$d" || { es_fail "CreateBucket $d failed"; return; }
    _e2e_buckets+=("$d")
    rule=$(e2e_fault "{\"service\":\"s3\",\"action\":\"GetObject\",\"bucket\":\"$SRC\",\"delay_ms\":5000}")
    s_start_slow "$d"
    e2e_wait 20 "two GETs in flight" s_gets_in_flight 2
    e2e_worker_signal INT
    sleep 0.3
    t0=$SECONDS
    e2e_worker_signal TERM
    e2e_worker_wait 10
    s_no_sanitizer_report
    curl -fsS -X DELETE "$ES_TEST_ENDPOINT/_emulator/faults/$rule" >/dev/null
    check_eq "exit status" "$E2E_WORKER_RC" 1
    check "ended before the slow GETs would have ($((SECONDS - t0)) s)" [ $((SECONDS - t0)) -le 3 ]
    check "the two running keys count as failed" grep -q 'stripped 0, .* failed 2;' "$S/out"
    check "said it abandoned them" grep -q 'abandoning the running keys' "$S/err"
    check_eq "objects written" "$(emu_s3_keys "$d" | wc -l)" 0
}
# s_gets_in_flight N: the source's GetObject fault rule has matched N requests.
s_gets_in_flight() {
    [ "$(curl -fsS "$ES_TEST_ENDPOINT/_emulator/faults" | emu_json "sum(r.get('matched',0) for r in d['rules'] if r.get('bucket')=='$SRC')")" -ge "$1" ]
}

t_terminal_progress() {
    command -v script >/dev/null || { es_skip "no script(1)"; return; }
    EXIFSTRIP_DLQ_URL= script -qefc "$(printf '%q ' "$EXIFSTRIP" backfill "s3://$SRC/deep/" "s3://$E2E_B")" \
        /dev/null </dev/null >"$S/tty" 2>&1
    check_eq "exit status on a terminal" "$?" 0
    check "one line rewritten in place (CR, erase line) with the totals" \
        grep -q $'\r\e\[K60/60 keys, .* keys/s, .*ETA 0s' "$S/tty"
    check "then the summary" grep -q 'stripped 0, already done 60' "$S/tty"
    check "no metrics records on a terminal by default" bash -c '! grep -q "\"_aws\"" "$1"' _ "$S/tty"
}

t_usage_and_errors() {
    s_backfill "s3://$SRC"
    check_eq "one bucket only: exit" "$RC" 1
    check "says what it expects" grep -q 's3://SOURCE\[/PREFIX\] and s3://DEST' "$S/err"
    s_backfill "s3://$SRC" "s3://$SRC"
    check_eq "same bucket: exit" "$RC" 1
    s_backfill "s3://$SRC" "s3://$E2E_B/x/"
    check_eq "destination prefix: exit" "$RC" 1
    EXIFSTRIP_CONCURRENCY=0 s_backfill "s3://$SRC" "s3://$E2E_B"
    check_eq "bad EXIFSTRIP_CONCURRENCY: exit" "$RC" 78
    check "names the variable" grep -q EXIFSTRIP_CONCURRENCY "$S/err"
    s_backfill "s3://$E2E_ID-no-such-bucket" "s3://$E2E_B"
    check_eq "listing a missing bucket: exit" "$RC" 1
    check "says the listing failed" grep -q 'error: listing bucket .* failed' "$S/out"
    s_backfill --dry-run "s3://$SRC" "s3://$E2E_ID-no-such-dest"
    check_eq "a missing destination bucket: exit" "$RC" 1
    check "says it does not exist" grep -q "the destination bucket s3://$E2E_ID-no-such-dest does not exist (HTTP 404 NoSuchBucket" "$S/err"
    "$EXIFSTRIP" backfill --help >"$S/help" 2>&1
    check_eq "--help exit" "$?" 0
    check "--help documents --dry-run, --report and EXIFSTRIP_CONCURRENCY" \
        bash -c 'grep -q -- --dry-run "$1" && grep -q -- --report "$1" && grep -q EXIFSTRIP_CONCURRENCY "$1" && ! grep -q EXIFSTRIP_QUEUE_URL "$1"' _ "$S/help"
}

if s_setup; then
    es_run t_dry_run_writes_nothing
    es_run t_prefix_in_small_pages
    es_run t_full_run_exact_b_and_refusals
    es_run t_second_run_gets_no_done_key
    es_run t_rewrite_replaces_old_copies
    es_run t_interrupted_runs_resume
    es_run t_resume_hint_is_shell_safe
    es_run t_second_signal_abandons_running_keys
    es_run t_terminal_progress
    es_run t_usage_and_errors
else
    es_run s_setup
fi
es_finish
