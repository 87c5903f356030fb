#!/usr/bin/env bash
# rss.sh - informational (not part of `make test`, never fails on a target):
# resident memory of `exifstrip worker` against the local S3+SQS emulator.
#   idle   VmRSS of a worker that has started and long-polled an empty queue
#   load   peak VmRSS (VmHWM) while it strips a batch of photos, and its RSS
#          once idle again (memory given back) and after the pool's idle
#          release (what the jobs left resident, 10 s after the last one)
#   turned the same for photos stored turned (Orientation 6): the lossless
#          transform's memory is bounded by EXIFSTRIP_TRANSFORM_MEMORY instead
#   big    peak VmRSS of a fresh worker streaming one large photo (ES_RSS_BIG_MB)
# and, for each, what the process is made of (file-backed library pages vs
# anonymous memory), since most of an idle worker is shared library code.
# Targets (issue 11): idle <= 8 MB, load <= 12 MB + concurrency x part size
# actually in flight, the 1 GB photo <= 32 MB. Beyond the bytes of the photos
# in flight, the spare upload buffers keep about 2 MiB for the process: a
# spare taken for a smaller photo gives back its pages past that (256 KiB at
# least; src/aws/s3/part_spare.c).
# Usage: tests/bench/rss.sh [BUILD_DIR]   (default build; needs BUILD/exifstrip
#   and BUILD/tests/tools/mkfixture: make test-build)
# Environment: ES_TEST_ENDPOINT   use this running emulator (else one is started)
#              ES_RSS_CONCURRENCY EXIFSTRIP_CONCURRENCY of the worker (8)
#              ES_RSS_PHOTOS      photos in the load phase (40)
#              ES_RSS_BIG_MB      size of the large photo in MB (1024; 0 skips it)
#              ES_RSS_IDLE_SECONDS how long the idle worker waits first (3)
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
EXIFSTRIP=$BUILD/exifstrip
MKFIXTURE=$BUILD/tests/tools/mkfixture
CONCURRENCY=${ES_RSS_CONCURRENCY:-8}
PHOTOS=${ES_RSS_PHOTOS:-40}
BIG_MB=${ES_RSS_BIG_MB:-1024}
IDLE_SECONDS=${ES_RSS_IDLE_SECONDS:-3}
# the pool gives back what its jobs left 10 s after the last one (ES_WORKER_IDLE_RELEASE_MS)
RELEASE_SECONDS=11
PART_SIZE=8MiB
for f in "$EXIFSTRIP" "$MKFIXTURE"; do
    [ -x "$f" ] || { echo "rss: missing $f (make BUILD=$BUILD test-build)"; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/exifstrip-rss.XXXXXX")
started_emulator=0
worker_pid=""
cleanup() {
    [ -n "$worker_pid" ] && kill -TERM "$worker_pid" 2>/dev/null && wait "$worker_pid" 2>/dev/null
    [ "$started_emulator" = 1 ] && tests/emulator/start.sh --stop >/dev/null 2>&1
    rm -rf "$WORK"
}
trap cleanup EXIT
if [ -z "${ES_TEST_ENDPOINT:-}" ]; then
    ES_TEST_ENDPOINT=$(tests/emulator/start.sh --background) || { echo "rss: the emulator did not start"; exit 1; }
    started_emulator=1
fi
EMU_URL=$ES_TEST_ENDPOINT
source scripts/lib/emu.sh
export AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export AWS_REGION=us-east-1 AWS_ENDPOINT_URL=$ES_TEST_ENDPOINT
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL_S3 AWS_ENDPOINT_URL_SQS

ID="rss-$$-$RANDOM"
SRC=$ID-src DST=$ID-dst
emu_create_bucket "$SRC" && emu_create_bucket "$DST" && Q=$(emu_create_queue "$ID-q") &&
    emu_notify_queue "$SRC" "$Q" .jpg || { echo "rss: creating the buckets and queue failed"; exit 1; }

kib() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status"; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }'; }
# Rss of the file-backed mappings (libraries, the binary) and of anonymous memory.
makeup() {
    awk '/^[0-9a-f]+-[0-9a-f]+ / { file = ($6 ~ /^\//) } /^Rss:/ { if (file) f += $2; else a += $2 }
         END { printf "libraries/binary %.1f MB, anonymous %.1f MB", f / 1024, a / 1024 }' "/proc/$1/smaps"
}
start_worker() { # log file
    EXIFSTRIP_QUEUE_URL=$Q EXIFSTRIP_DEST_BUCKET=$DST EXIFSTRIP_SOURCE_BUCKETS=$SRC \
        EXIFSTRIP_CONCURRENCY=$CONCURRENCY EXIFSTRIP_PART_SIZE=$PART_SIZE EXIFSTRIP_WAIT_SECONDS=1 \
        EXIFSTRIP_MAX_OBJECT_BYTES=$(( (BIG_MB + 16) * 1048576 )) EXIFSTRIP_HEARTBEAT_FILE='' \
        "$EXIFSTRIP" worker </dev/null >>"$1" 2>&1 &
    worker_pid=$!
}
stop_worker() {
    kill -TERM "$worker_pid" 2>/dev/null
    wait "$worker_pid" 2>/dev/null
    worker_pid=""
}
# wait_for_keys N: until bucket B holds N objects (bounded).
wait_for_keys() {
    local i
    for ((i = 0; i < 1200; i++)); do
        [ "$(emu_s3_keys "$DST" | wc -l)" -ge "$1" ] && return 0
        kill -0 "$worker_pid" 2>/dev/null || return 1
        sleep 0.25
    done
    return 1
}

echo "== exifstrip worker RSS (concurrency $CONCURRENCY, part size $PART_SIZE, $(uname -r))"
start_worker "$WORK/worker.log"
sleep "$IDLE_SECONDS"
idle=$(kib "$worker_pid" VmRSS)
echo "idle:  VmRSS $(mb "$idle") ($(makeup "$worker_pid"); $(kib "$worker_pid" Threads) threads)  target <= 8 MB"

# load_phase NAME COUNT MKFIXTURE-FLAGS...: COUNT photos into bucket A, then
# the worker's peak (VmHWM) until all are in bucket B, and its RSS once idle again.
done_keys=0
load_phase() {
    local name=$1 count=$2 i largest peak budget
    shift 2
    [ "$count" -gt 0 ] || return 0
    for ((i = 0; i < count; i++)); do
        "$MKFIXTURE" --size 2400x1600 --seed "$i" "$@" "$WORK/$name$i.jpg" >/dev/null || exit 1
    done
    largest=$(stat -c %s "$WORK/$name"*.jpg | sort -n | tail -1)
    for ((i = 0; i < count; i++)); do
        emu_s3 PUT "$SRC" "$name/p$i.jpg" --data-binary "@$WORK/$name$i.jpg" >/dev/null
    done
    done_keys=$((done_keys + count))
    if ! wait_for_keys "$done_keys"; then
        echo "$name: the worker did not finish $count photos (log: $(tail -n 2 "$WORK/worker.log"))"
        return 1
    fi
    peak=$(kib "$worker_pid" VmHWM)
    sleep 1
    budget=$(( 12 * 1024 + CONCURRENCY * largest / 1024 ))
    printf '%-6s VmHWM %s over %d photos of <= %d KiB; %s once idle again (%s)\n' "$name:" "$(mb "$peak")" \
        "$count" $((largest / 1024)) "$(mb "$(kib "$worker_pid" VmRSS)")" "$(makeup "$worker_pid")"
    sleep "$RELEASE_SECONDS"
    printf '        %s after %d s idle (%s; worker/memory.h ES_WORKER_IDLE_RELEASE_MS)  target <= 8 MB\n' \
        "$(mb "$(kib "$worker_pid" VmRSS)")" $((RELEASE_SECONDS + 1)) "$(makeup "$worker_pid")"
    [ "$name" = load ] &&
        echo "        target <= $(mb "$budget") (12 MB + $CONCURRENCY x $((largest / 1024)) KiB in flight)"
    return 0
}
FLAGS=(--exif --gps --thumb --xmp --xmp-ext --iptc --comment --icc 2)
load_phase load "$PHOTOS" "${FLAGS[@]}"
stop_worker
# Photos stored turned (Orientation 6) are turned losslessly by decoding the
# DCT coefficients: that memory is bounded by EXIFSTRIP_TRANSFORM_MEMORY, not
# by the part size, so it is reported apart from the streaming target.
start_worker "$WORK/worker.log"
load_phase turned $((PHOTOS / 2)) "${FLAGS[@]}" --orientation 6
stop_worker

if [ "$BIG_MB" -gt 0 ]; then
    # A valid JPEG whose scan is BIG_MB of random entropy-coded bytes (no 0xFF,
    # so no markers): the stripper copies it without decoding, as for a photo.
    "$MKFIXTURE" --size 64x64 --exif --gps "$WORK/small.jpg" >/dev/null || exit 1
    "$EMU_PY" - "$WORK/small.jpg" "$WORK/big.jpg" "$BIG_MB" <<'PY' || exit 1
import sys
data = open(sys.argv[1], "rb").read()
sos = data.index(b"\xff\xda")
head_end = sos + 2 + int.from_bytes(data[sos + 2:sos + 4], "big")
with open(sys.argv[2], "wb") as out, open("/dev/urandom", "rb") as rnd:
    out.write(data[:head_end])
    for _ in range(int(sys.argv[3])):
        out.write(rnd.read(1 << 20).replace(b"\xff", b"\x00"))
    out.write(b"\xff\xd9")
PY
    # awscli uploads it in parts (the emulator takes at most 64 MiB per request).
    /usr/bin/aws --endpoint-url "$ES_TEST_ENDPOINT" s3 cp --only-show-errors "$WORK/big.jpg" "s3://$SRC/big/photo.jpg" ||
        { echo "big:   upload failed"; exit 1; }
    rm -f "$WORK/big.jpg"
    start_worker "$WORK/big.log"
    if wait_for_keys $((done_keys + 1)); then
        echo "big:   VmHWM $(mb "$(kib "$worker_pid" VmHWM)") for one $BIG_MB MB photo ($(makeup "$worker_pid"))  target <= 32 MB"
    else
        echo "big:   the worker did not finish the $BIG_MB MB photo (log: $(tail -n 2 "$WORK/big.log"))"
    fi
    stop_worker
fi
for b in "$SRC" "$DST"; do
    emu_s3_keys "$b" | while IFS= read -r k; do emu_s3 DELETE "$b" "$k" >/dev/null 2>&1; done
    emu_s3 DELETE "$b" "" >/dev/null 2>&1
done
emu_sqs DeleteQueue "{\"QueueUrl\":\"$Q\"}" >/dev/null 2>&1
