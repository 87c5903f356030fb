# lib_docker.sh - shared setup of the container tests (tests/docker/*_test.sh):
# finds a container engine (podman preferred, with scripts/container.sh's
# containers.conf) or skips the whole file SAYING SO, starts a private
# emulator on loopback, and runs the compose init script against it.
# Sourced after tests/harness/lib.sh.
source "$ES_ROOT/scripts/lib/emu.sh"
MKFIXTURE=$ES_BUILD/tests/tools/mkfixture
export AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL_S3 AWS_ENDPOINT_URL_SQS
DK_SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/es-docker-test.XXXXXX")
DK_ID="dk$$-$RANDOM"
_dk_cleanups=()
dk_on_exit() { _dk_cleanups+=("$1"); }
_dk_cleanup() {
    local c
    for c in "${_dk_cleanups[@]}"; do eval "$c" >/dev/null 2>&1; done
    rm -rf "$DK_SCRATCH"
}
trap _dk_cleanup EXIT

dk_abort() { echo "docker tests: $*" >&2; echo "# summary: 0 passed, 1 failed, 0 skipped"; exit 1; }

# dk_skip_all REASON: every test of the file is reported as skipped (never as
# passed), saying why; ends the test program.
dk_skip_all() {
    echo "SKIP $(basename "$0"): $*" >&2
    echo "# summary: 0 passed, 0 failed, ${DK_TEST_COUNT:-1} skipped"
    exit 0
}

if ! ENGINE=$("$ES_ROOT/scripts/container.sh" engine 2>"$DK_SCRATCH/engine.err"); then
    dk_skip_all "no container engine can run here: $(cat "$DK_SCRATCH/engine.err")"
fi
[ "$ENGINE" = podman ] && eval "$("$ES_ROOT/scripts/container.sh" env)"
for _dk_tool in "$EXIFSTRIP" "$MKFIXTURE" /usr/bin/aws; do
    [ -x "$_dk_tool" ] || dk_abort "missing $_dk_tool (make test-build; mk/deps.sh)"
done

# dk_emulator: a private emulator on 127.0.0.1 (EMU_URL).
dk_emulator() {
    export ES_EMULATOR_DIR=$DK_SCRATCH/emulator
    EMU_URL=$("$ES_ROOT/tests/emulator/start.sh" --background) || dk_abort "the emulator did not start"
    dk_on_exit "ES_EMULATOR_DIR=$ES_EMULATOR_DIR '$ES_ROOT/tests/emulator/start.sh' --stop"
}

# dk_init ENDPOINT PREFIX [awslocal]: the compose init script with names
# PREFIX-*; sets the EXIFSTRIP_* variables it prints (and SRC/DST) in this
# shell. With "awslocal" it runs as inside LocalStack: no AWS_ENDPOINT_URL and
# an `awslocal` command on PATH (here a wrapper around aws --endpoint-url).
dk_init() {
    local path=$PATH endpoint=$1
    SRC=$2-upload DST=$2-public
    if [ "${3:-}" = awslocal ]; then
        mkdir -p "$DK_SCRATCH/awslocal"
        printf '#!/bin/sh\necho awslocal >>"%s"\nexec aws --endpoint-url "%s" "$@"\n' \
            "$DK_SCRATCH/awslocal/calls" "$1" >"$DK_SCRATCH/awslocal/awslocal"
        chmod +x "$DK_SCRATCH/awslocal/awslocal"
        path=$DK_SCRATCH/awslocal:$PATH endpoint=""
    fi
    env PATH="$path" AWS_ENDPOINT_URL="$endpoint" SOURCE_BUCKET="$SRC" DEST_BUCKET="$DST" EVENT_QUEUE="$2-events" \
        DEAD_LETTER_QUEUE="$2-dlq" REPORT_QUEUE="$2-refused" \
        sh "$ES_ROOT/docker/localstack/ready.d/exifstrip-init.sh" >"$DK_SCRATCH/init.env" 2>"$DK_SCRATCH/init.log" ||
        { cat "$DK_SCRATCH/init.log" >&2; return 1; }
    set -a; . "$DK_SCRATCH/init.env"; set +a
}

# need DESCRIPTION CMD...: like check, but returns 1 on failure (`need ... || return`).
need() {
    local what=$1; shift
    "$@" && return 0
    es_fail "$what (command: $*)"
    return 1
}

# dk_wait SECS CMD...: polls CMD every 0.5 s.
dk_wait() {
    local end=$((SECONDS + $1)); shift
    until "$@"; do [ "$SECONDS" -ge "$end" ] && return 1; sleep 0.5; done
}
