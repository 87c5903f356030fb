#!/usr/bin/env bash
# worker_config_test.sh - `exifstrip worker` configuration errors through the
# real binary: exit 78 with one message naming the variable or flag, before
# any request (a listener on AWS_ENDPOINT_URL must see no connection); an
# unloadable libcurl exits 78 at startup too, and so does half an AWS key pair
# (worker, backfill, audit); usage errors exit 1; --help
# documents every variable; flags override variables.
. "$(dirname "$0")/../harness/lib.sh"
. "$(dirname "$0")/worker_env.sh"

QUEUE=http://127.0.0.1:9/000000000000/q

# Runs the worker with extra env assignments; sets RC, ERR (stderr) and OUT.
run_worker() { # env assignments..., -- args...
    local envs=() args=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
    [ "${1:-}" = "--" ] && shift
    args=("$@")
    env "${envs[@]}" timeout 10 "$EXIFSTRIP" worker "${args[@]}" >"$SCRATCH/out" 2>"$SCRATCH/err"
    RC=$?
    OUT=$(cat "$SCRATCH/out")
    ERR=$(cat "$SCRATCH/err")
}

# Starts the connection listener logging to $1 (emptied first), or marks the
# test skipped and fails when node is not available.
listening_on() {
    : >"$1"
    start_listener "$1" && return 0
    es_skip "node is not available for the connection listener"
    return 1
}

t_missing_queue_url_makes_no_request() {
    local log=$SCRATCH/connections start end
    listening_on "$log" || return
    start=$(date +%s%N)
    run_worker AWS_ENDPOINT_URL="http://127.0.0.1:$LISTEN_PORT" EXIFSTRIP_DEST_BUCKET=clean -- 
    end=$(date +%s%N)
    check_eq "exit status" "$RC" 78
    check "message names EXIFSTRIP_QUEUE_URL" grep -q "EXIFSTRIP_QUEUE_URL" <<<"$ERR"
    check_eq "one line on stderr" "$(wc -l <<<"$ERR")" 1
    check "immediate (< 2 s)" [ $(((end - start) / 1000000)) -lt 2000 ]
    sleep 0.3
    check_eq "connections to the endpoint" "$(wc -l <"$log")" 0
}

t_each_bad_variable_is_named() {
    local spec var val
    for spec in EXIFSTRIP_CONCURRENCY=0 EXIFSTRIP_CONCURRENCY=lots EXIFSTRIP_VISIBILITY_TIMEOUT=0 \
        EXIFSTRIP_MAX_OBJECT_BYTES=1X EXIFSTRIP_PART_SIZE=1MiB EXIFSTRIP_WAIT_SECONDS=30 \
        EXIFSTRIP_SHUTDOWN_GRACE=-3 EXIFSTRIP_LOG_FORMAT=xml EXIFSTRIP_LOG_LEVEL=chatty \
        EXIFSTRIP_SUFFIXES=, EXIFSTRIP_DLQ_URL=sqs://x EXIFSTRIP_SOURCE_BUCKETS=a \
        EXIFSTRIP_DEST_BUCKET=Bad/Name EXIFSTRIP_DRAIN=perhaps EXIFSTRIP_QUEUE_URL=queue; do
        var=${spec%%=*} val=${spec#*=}
        run_worker EXIFSTRIP_QUEUE_URL=$QUEUE EXIFSTRIP_DEST_BUCKET=clean "$var=$val" --
        check_eq "$spec: exit status" "$RC" 78
        check "$spec: message starts with the variable" grep -q "^exifstrip worker: $var" <<<"$ERR"
    done
}

t_bad_flag_value_names_the_flag() {
    run_worker EXIFSTRIP_QUEUE_URL=$QUEUE EXIFSTRIP_DEST_BUCKET=clean -- --concurrency 100
    check_eq "exit status" "$RC" 78
    check "names --concurrency" grep -q -- "--concurrency" <<<"$ERR"
    run_worker EXIFSTRIP_QUEUE_URL=$QUEUE -- --dest-bucket=x
    check_eq "exit status (--dest-bucket=x)" "$RC" 78
    check "names --dest-bucket" grep -q -- "--dest-bucket" <<<"$ERR"
}

t_flags_override_variables() {
    # The variables are invalid but every one is overridden by a valid flag; the
    # run then stops at the (deliberately bad) AWS configuration, still with 78.
    run_worker EXIFSTRIP_QUEUE_URL=bad EXIFSTRIP_DEST_BUCKET=x EXIFSTRIP_CONCURRENCY=0 AWS_MAX_ATTEMPTS=zero -- \
        --queue-url "$QUEUE" --dest-bucket clean --concurrency 2
    check_eq "exit status" "$RC" 78
    check "stopped at AWS_MAX_ATTEMPTS" grep -q "AWS_MAX_ATTEMPTS" <<<"$ERR"
    check "no worker variable blamed" bash -c '! grep -q EXIFSTRIP <<<"$1"' _ "$ERR"
}

t_destination_in_allowlist_refused() {
    run_worker EXIFSTRIP_QUEUE_URL=$QUEUE EXIFSTRIP_DEST_BUCKET=clean EXIFSTRIP_SOURCE_BUCKETS=raw,clean --
    check_eq "exit status" "$RC" 78
    check "names EXIFSTRIP_SOURCE_BUCKETS" grep -q "EXIFSTRIP_SOURCE_BUCKETS" <<<"$ERR"
}

t_unloadable_libcurl_exits_78() {
    mkdir -p "$SCRATCH/nocurl"
    : >"$SCRATCH/nocurl/libcurl.so.4" # found first by dlopen, and not a library
    run_worker LD_LIBRARY_PATH="$SCRATCH/nocurl" EXIFSTRIP_QUEUE_URL=$QUEUE EXIFSTRIP_DEST_BUCKET=clean --
    check_eq "exit status" "$RC" 78
    check "message names libcurl" grep -q "^exifstrip worker: .*libcurl" <<<"$ERR"
    check_eq "one line on stderr" "$(wc -l <<<"$ERR")" 1
}

# Half a key pair stops the credential chain (as the AWS SDKs do): a setting
# to fix, found before the first request by worker, backfill and audit alike.
t_half_a_key_pair_exits_78() {
    local log=$SCRATCH/connections-creds cmd
    listening_on "$log" || return
    local endpoint="http://127.0.0.1:$LISTEN_PORT"
    run_worker -u AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL="$endpoint" EXIFSTRIP_QUEUE_URL=$QUEUE \
        EXIFSTRIP_DEST_BUCKET=clean --
    check_eq "worker, no secret key: exit status" "$RC" 78
    check "worker, no secret key: names the missing variable" \
        grep -q "^exifstrip worker: AWS credentials: .*set but AWS_SECRET_ACCESS_KEY is not$" <<<"$ERR"
    check_eq "worker, no secret key: one line on stderr" "$(wc -l <<<"$ERR")" 1
    printf '[default]\naws_access_key_id = AKIDHALF\n' >"$SCRATCH/half-creds"
    for cmd in "backfill s3://raw-photos s3://clean" "audit s3://clean"; do
        # shellcheck disable=SC2086 # the command and its arguments
        env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL="$endpoint" \
            AWS_SHARED_CREDENTIALS_FILE="$SCRATCH/half-creds" timeout 10 "$EXIFSTRIP" $cmd \
            >"$SCRATCH/out" 2>"$SCRATCH/err"
        check_eq "${cmd%% *}, a profile with half a pair: exit status" "$?" 78
        check "${cmd%% *}: names the profile and the missing key" \
            grep -q "^exifstrip ${cmd%% *}: AWS credentials: profile 'default' .*no aws_secret_access_key" "$SCRATCH/err"
    done
    sleep 0.3
    check_eq "connections to the endpoint" "$(wc -l <"$log")" 0
}

# A value read from an env file saved with CRLF line ends ends in a carriage
# return: the message shows it as \x0D, never raw (which would overwrite the
# line's start and show a valid-looking "us-east-1"); the same for worker,
# backfill and audit, and for a credentials-source message; and for the
# EXIFSTRIP_* settings of worker, backfill, audit and health.
# check_refusal_escaped runs each command with one environment assignment
# (and health with a CR in --max-age): each must refuse (78) showing the
# value escaped (PATTERN, grep -E) and print no raw carriage return.
check_refusal_escaped() { # assignment, pattern, commands...
    local assignment=$1 pattern=$2 cmd args
    shift 2
    for cmd in "$@"; do
        case $cmd in
            worker) args=(--queue-url "$QUEUE" --dest-bucket clean) ;;
            backfill) args=(s3://src s3://clean) ;;
            audit) args=(s3://clean) ;;
            health) args=(--max-age $'60\r') ;;
        esac
        env "$assignment" timeout 10 "$EXIFSTRIP" "$cmd" "${args[@]}" >"$SCRATCH/out" 2>"$SCRATCH/err"
        check_eq "$cmd: exit status" "$?" 78
        check "$cmd: the value is shown escaped" grep -qE "$pattern" "$SCRATCH/err"
        check "$cmd: no raw carriage return" bash -c "! grep -q \$'\r' \"\$1\"" _ "$SCRATCH/err"
    done
}

t_aws_setting_with_control_character_shown_escaped() {
    check_refusal_escaped AWS_REGION=$'us-east-1\r' 'invalid region "us-east-1\\x0D"' worker backfill audit
    run_worker -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY EXIFSTRIP_QUEUE_URL=$QUEUE \
        EXIFSTRIP_DEST_BUCKET=clean AWS_PROFILE=$'nosuch\e[2K' --
    check_eq "profile: exit status" "$RC" 78
    check "profile: the escape is shown as \\x1B" grep -qF 'nosuch\x1B[2K' <<<"$ERR"
    check "profile: no raw escape" bash -c "! grep -q \$'\e' <<<\"\$1\"" _ "$ERR"
}

t_exifstrip_setting_with_control_character_shown_escaped() {
    check_refusal_escaped EXIFSTRIP_CONCURRENCY=$'4\r' '(EXIFSTRIP_CONCURRENCY="4|--max-age="60)\\x0D"' \
        worker backfill audit health
}

# A warning of the start-up (a malformed line in the credentials file) already
# follows EXIFSTRIP_LOG_FORMAT and EXIFSTRIP_LOG_LEVEL (the worker, stopped by
# timeout while it retries the unreachable queue).
t_startup_warnings_follow_the_log_settings() {
    printf '[default]\nthis line is junk\naws_access_key_id = AKIDWARN\naws_secret_access_key = s\n' >"$SCRATCH/warn-creds"
    env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_SHARED_CREDENTIALS_FILE="$SCRATCH/warn-creds" \
        EXIFSTRIP_QUEUE_URL=$QUEUE EXIFSTRIP_DEST_BUCKET=clean EXIFSTRIP_LOG_FORMAT=text \
        timeout 2 "$EXIFSTRIP" worker >"$SCRATCH/out" 2>&1
    check "the warning is logged" grep -q "creds.profile.malformed" "$SCRATCH/out"
    check "as text, not JSON" eval '! grep "creds.profile.malformed" "$SCRATCH/out" | grep -q "^{"'
    env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_SHARED_CREDENTIALS_FILE="$SCRATCH/warn-creds" \
        EXIFSTRIP_QUEUE_URL=$QUEUE EXIFSTRIP_DEST_BUCKET=clean EXIFSTRIP_LOG_LEVEL=error \
        timeout 2 "$EXIFSTRIP" worker >"$SCRATCH/out" 2>&1
    check "not logged at level error" eval '! grep -q "creds.profile.malformed" "$SCRATCH/out"'
}

# A heartbeat file the worker could never write (its directory is missing, or
# the path is a directory) is a setting to fix: exit 78 naming it, before any
# request, rather than a worker whose health check can only fail. A working
# path's existing heartbeat is left alone by the check.
t_unwritable_heartbeat_exits_78() {
    local log=$SCRATCH/connections-hb path
    listening_on "$log" || return
    mkdir -p "$SCRATCH/hb-dir"
    for path in "$SCRATCH/no-such-dir/hb" "$SCRATCH/hb-dir"; do
        run_worker AWS_ENDPOINT_URL="http://127.0.0.1:$LISTEN_PORT" EXIFSTRIP_QUEUE_URL=$QUEUE \
            EXIFSTRIP_DEST_BUCKET=clean EXIFSTRIP_HEARTBEAT_FILE="$path" --
        check_eq "$path: exit status" "$RC" 78
        check "$path: names the variable and the path" \
            grep -q "^exifstrip worker: EXIFSTRIP_HEARTBEAT_FILE .*$path" <<<"$ERR"
        check_eq "$path: one line on stderr" "$(wc -l <<<"$ERR")" 1
    done
    check_eq "nothing left in the directory" "$(ls -A "$SCRATCH/hb-dir")" ""
    sleep 0.3
    check_eq "connections to the endpoint" "$(wc -l <"$log")" 0
    echo "kept" >"$SCRATCH/hb-dir/hb"
    run_worker AWS_ENDPOINT_URL="http://127.0.0.1:9" EXIFSTRIP_QUEUE_URL=$QUEUE EXIFSTRIP_DEST_BUCKET=clean \
        EXIFSTRIP_HEARTBEAT_FILE="$SCRATCH/hb-dir/hb" AWS_MAX_ATTEMPTS=zero --
    check_eq "a writable path passes the check (then the AWS settings stop it)" "$RC" 78
    check "stopped at AWS_MAX_ATTEMPTS, after the heartbeat" grep -q "AWS_MAX_ATTEMPTS" <<<"$ERR"
    check_eq "the existing heartbeat is untouched, no probe left" "$(ls -A "$SCRATCH/hb-dir"; cat "$SCRATCH/hb-dir/hb")" "hb
kept"
}

# A heartbeat file of another user in a sticky directory (such as /tmp) can
# be written beside but never replaced: exit 78 too. Needs root, to make the
# file root's and run the worker as nobody.
t_heartbeat_of_another_user_in_a_sticky_directory() {
    if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
        es_skip "needs root and setpriv to run the worker as another user"
        return
    fi
    mkdir -p "$SCRATCH/sticky"
    chmod 755 "$SCRATCH" && chmod 1777 "$SCRATCH/sticky"
    echo "root's" >"$SCRATCH/sticky/hb"
    setpriv --reuid=65534 --regid=65534 --clear-groups env EXIFSTRIP_QUEUE_URL=$QUEUE EXIFSTRIP_DEST_BUCKET=clean \
        EXIFSTRIP_HEARTBEAT_FILE="$SCRATCH/sticky/hb" timeout 10 "$EXIFSTRIP" worker >"$SCRATCH/out" 2>"$SCRATCH/err"
    check_eq "exit status" "$?" 78
    check "says why" grep -q "^exifstrip worker: EXIFSTRIP_HEARTBEAT_FILE .*belongs to another user (uid 0) in a sticky directory" "$SCRATCH/err"
    check_eq "the file is untouched" "$(cat "$SCRATCH/sticky/hb")" "root's"
}

# A second worker given the heartbeat file a live one writes says so at start
# (health.shared, naming the other's pid): one of them could stop unnoticed.
# A file a stopped worker left behind is no such warning.
t_shared_heartbeat_is_warned() {
    local first
    env EXIFSTRIP_QUEUE_URL=$QUEUE EXIFSTRIP_DEST_BUCKET=clean EXIFSTRIP_HEARTBEAT_FILE="$SCRATCH/shared.hb" \
        "$EXIFSTRIP" worker >/dev/null 2>&1 &
    first=$! # the worker itself (env execs it), as its heartbeat's pid
    for _ in $(seq 50); do grep -q "^pid=$first$" "$SCRATCH/shared.hb" 2>/dev/null && break; sleep 0.1; done
    env EXIFSTRIP_QUEUE_URL=$QUEUE EXIFSTRIP_DEST_BUCKET=clean EXIFSTRIP_HEARTBEAT_FILE="$SCRATCH/shared.hb" \
        timeout 2 "$EXIFSTRIP" worker >"$SCRATCH/out" 2>&1
    check "warned" grep -q "\"event\":\"health.shared\".*\"other_pid\":$first" "$SCRATCH/out"
    kill "$first" 2>/dev/null
    wait "$first" 2>/dev/null
    env EXIFSTRIP_QUEUE_URL=$QUEUE EXIFSTRIP_DEST_BUCKET=clean EXIFSTRIP_HEARTBEAT_FILE="$SCRATCH/shared.hb" \
        timeout 2 "$EXIFSTRIP" worker >"$SCRATCH/out" 2>&1
    check "not for a stopped worker's file" eval '! grep -q "health.shared" "$SCRATCH/out"'
}

t_usage_errors_exit_1() {
    run_worker -- --no-such-option
    check_eq "unknown option" "$RC" 1
    check "says unknown option" grep -q "unknown option '--no-such-option'" <<<"$ERR"
    run_worker -- --queue-url
    check_eq "missing value" "$RC" 1
}

t_help_documents_every_variable() {
    local v
    run_worker -- --help
    check_eq "exit status" "$RC" 0
    for v in QUEUE_URL DEST_BUCKET SOURCE_BUCKETS CONCURRENCY SUFFIXES DLQ_URL VISIBILITY_TIMEOUT \
        MAX_OBJECT_BYTES SHUTDOWN_GRACE LOG_FORMAT LOG_LEVEL HEARTBEAT_FILE PART_SIZE WAIT_SECONDS DRAIN; do
        check "--help lists EXIFSTRIP_$v" grep -q "EXIFSTRIP_$v" <<<"$OUT"
    done
    check "--help lists --drain" grep -q -- "--drain" <<<"$OUT"
    check "--help mentions exit status 78" grep -q "78" <<<"$OUT"
    check "top-level help lists worker" bash -c '"$1" --help | grep -q "^  worker"' _ "$EXIFSTRIP"
    check "top-level help lists health" bash -c '"$1" --help | grep -q "^  health"' _ "$EXIFSTRIP"
}

es_run t_missing_queue_url_makes_no_request
es_run t_each_bad_variable_is_named
es_run t_bad_flag_value_names_the_flag
es_run t_flags_override_variables
es_run t_destination_in_allowlist_refused
es_run t_unloadable_libcurl_exits_78
es_run t_half_a_key_pair_exits_78
es_run t_aws_setting_with_control_character_shown_escaped
es_run t_exifstrip_setting_with_control_character_shown_escaped
es_run t_startup_warnings_follow_the_log_settings
es_run t_unwritable_heartbeat_exits_78
es_run t_heartbeat_of_another_user_in_a_sticky_directory
es_run t_shared_heartbeat_is_warned
es_run t_usage_errors_exit_1
es_run t_help_documents_every_variable
es_finish
