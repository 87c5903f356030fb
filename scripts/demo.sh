#!/usr/bin/env bash
# demo.sh - `make demo`: the whole pipeline on 127.0.0.1 in a few seconds. It
# starts a private S3+SQS emulator (tests/emulator), creates the upload and
# public buckets, the event queue with its dead-letter queue and a queue for
# refusal reports, starts `exifstrip worker`, uploads generated sample photos
# with awscli and prints what was removed from each, ends with the privacy
# audit of the public bucket (`exifstrip audit`, clean); then stops everything.
#   scripts/demo.sh                  run the demo, stop everything, exit 0
#   scripts/demo.sh --keep-running   (make local-up) leave the stack running and
#                                    write build/demo/env.sh with its settings
#   scripts/demo.sh --stop           (make local-down) stop a kept stack
# BUILD (default build) names the tree holding exifstrip; state lives in build/demo.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
BUILD=${BUILD:-build}
EXIFSTRIP=$BUILD/exifstrip
MKFIXTURE=$BUILD/tests/tools/mkfixture
DEMO=build/demo
export ES_EMULATOR_DIR=$ROOT/$DEMO/emulator   # our own emulator, apart from the tests'
UPLOAD=photos-upload PUBLIC=photos-public
QUEUE=photos-events DLQ=photos-events-dlq REPORTS=photos-refused

export AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL_S3 AWS_ENDPOINT_URL_SQS
source scripts/lib/emu.sh

if [ -t 1 ]; then B=$'\e[1m' G=$'\e[32m' R=$'\e[31m' N=$'\e[0m'; else B="" G="" R="" N=""; fi
say() { printf '%s\n' "$*"; }
die() {
    printf '%sdemo failed:%s %s\n' "$R" "$N" "$*" >&2
    [ -s "$DEMO/worker.log" ] && { echo "last worker log lines ($DEMO/worker.log):" >&2; tail -n 5 "$DEMO/worker.log" >&2; }
    exit 1
}

# The worker pid from worker.pid, if that process is still our exifstrip worker.
worker_pid() {
    local pid
    pid=$(cat "$DEMO/worker.pid" 2>/dev/null) || return 1
    case "$pid" in '' | *[!0-9]*) return 1 ;; esac
    tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q 'exifstrip worker' || return 1
    echo "$pid"
}

# Stops the worker (SIGTERM, bounded wait) and the emulator; true if anything ran.
stop_stack() {
    local pid ran=1 i
    if pid=$(worker_pid); then
        ran=0
        kill -TERM "$pid" 2>/dev/null
        for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    fi
    if [ -f "$ES_EMULATOR_DIR/emulator.pid" ]; then ran=0; fi
    tests/emulator/start.sh --stop >/dev/null 2>&1
    rm -f "$DEMO/worker.pid" "$DEMO/env.sh"
    return $ran
}

# wait_until SECS CMD...: polls CMD every 0.2 s for at most SECS seconds.
wait_until() {
    local end=$((SECONDS + $1))
    shift
    until "$@"; do
        [ "$SECONDS" -ge "$end" ] && return 1
        sleep 0.2
    done
}

# A small but real PNG named .jpg: the worker must refuse it.
make_png() {
    "$EMU_PY" - "$1" <<'EOF'
import struct, sys, zlib
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
raw = b"".join(b"\0" + b"".join(bytes((x * 8, y * 8, 128)) for x in range(32)) for y in range(32))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 32, 32, 8, 2, 0, 0, 0))
png += chunk(b"tEXt", b"Comment\0shopping list") + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
EOF
}

make_samples() {
    local s=$DEMO/samples
    rm -rf "$s" "$DEMO/after" && mkdir -p "$s/holiday" "$s/ünïcode" "$s/phone" "$DEMO/after" || return 1
    "$MKFIXTURE" --size 800x600 --gps --thumb --xmp --seed 1 "$s/holiday/beach 2024.jpg" &&
        "$MKFIXTURE" --size 640x480 --gps --iptc --comment --seed 2 "$s/ünïcode/café.jpg" &&
        "$MKFIXTURE" --size 720x540 --gps --xmp --mp4 --orientation 6 --seed 3 "$s/phone/motion photo.jpg" &&
        "$MKFIXTURE" --oriented --size 480x640 --orientation 6 --gps --thumb --seed 4 "$s/phone/portrait.jpg" &&
        make_png "$s/notes.jpg"
}

start_worker() {
    : >"$DEMO/worker.log"
    env AWS_ENDPOINT_URL="$EMU_URL" EXIFSTRIP_QUEUE_URL="$Q_URL" EXIFSTRIP_DEST_BUCKET=$PUBLIC \
        EXIFSTRIP_SOURCE_BUCKETS=$UPLOAD EXIFSTRIP_DLQ_URL="$REPORT_URL" EXIFSTRIP_WAIT_SECONDS=2 \
        EXIFSTRIP_SHUTDOWN_GRACE=5 EXIFSTRIP_HEARTBEAT_FILE="$ROOT/$DEMO/heartbeat" \
        setsid "$EXIFSTRIP" worker </dev/null >/dev/null 2>>"$DEMO/worker.log" &
    echo $! >"$DEMO/worker.pid"
    wait_until 10 grep -q '"worker.start"' "$DEMO/worker.log" && worker_pid >/dev/null
}

all_done() { # every sample JPEG is in the public bucket and the refusal is reported
    local key
    for key in "${JPEG_KEYS[@]}"; do [ "$(emu_s3_status HEAD $PUBLIC "$key")" = 200 ] || return 1; done
    [ "$(emu_queue_depth "$REPORT_URL")" -ge 1 ]
}

# The before/after table: sizes, what the worker removed (its job.done log
# lines) with the GPS position `exifstrip inspect` found, and the refusal
# reported on the report queue.
print_table() {
    "$EMU_PY" - "$EXIFSTRIP" "$DEMO" "$REPORTS" <<'EOF'
import json, os, subprocess, sys
exe, demo, report_queue = sys.argv[1:4]
def inspect(path):
    out = subprocess.run([exe, "inspect", "--json", path], capture_output=True, text=True).stdout
    return json.loads(out) if out.strip() else {}
def kib(n): return f"{n / 1024:.1f} KiB"
log = [json.loads(l) for l in open(f"{demo}/worker.log") if l.startswith("{")]
done = {d["key"]: d for d in log if d.get("event") == "job.done"}
reports = [json.loads(l) for l in open(f"{demo}/reports")]
NAMES = {"xmp": "XMP", "xmp-ext": "extended XMP", "photoshop": "IPTC", "icc": "ICC profile", "trailer": "trailer (motion photo)",
         "mpf": "MPF image", "jfxx": "JFXX thumbnail"}
def frame(info): # (width, height) of the stored frame, from inspect's SOFn detail
    for seg in info.get("segments", []):
        if seg["kind"] == "frame":
            w, h = seg["detail"].split(",")[0].split("x")
            return int(w), int(h)
    return None
def orientation(before, after):
    """'portrait 480x640: turned upright' when the tag was applied, checked on the output."""
    tag = (before.get("orientation") or {}).get("tag")
    if not tag or tag == 1:
        return None
    (w, h), out = frame(before), frame(after)
    shown = (h, w) if tag >= 5 else (w, h)
    after_tag = (after.get("orientation") or {}).get("tag")
    upright = after_tag is None and out and 0 <= shown[0] - out[0] < 16 and 0 <= shown[1] - out[1] < 16
    trim = " ".join(f"{n} px {edge}" for n, edge in ((shown[0] - out[0], "left"), (shown[1] - out[1], "top")) if n) if upright else ""
    if upright:
        return True, f"stored {w}x{h} + orientation {tag} -> {out[0]}x{out[1]} upright" + (f" (trimmed {trim})" if trim else "") + ", no tag"
    return False, f"orientation {tag} NOT applied (stored {w}x{h}, public {out})"
rows, refused, gps_left, turned, sideways = [], [], 0, 0, 0
samples = f"{demo}/samples"
for dirpath, _, files in sorted(os.walk(samples)):
    for name in sorted(files):
        path = os.path.join(dirpath, name)
        key = os.path.relpath(path, samples)
        before = os.path.getsize(path)
        if key not in done:
            r = next((r for r in reports if isinstance(r, dict) and r.get("key") == key), None)
            why = f"refused: {r['reason']} (reported on {report_queue})" if r else "not processed"
            refused.append((key, kib(before), "-", why))
            continue
        after_path = f"{demo}/after/{key}"
        exif = inspect(path).get("exif") or {}
        removed = []
        for kind in filter(None, done[key].get("removed", "").split(",")):
            if kind == "gps" and exif.get("gps"):
                kind = f"GPS {exif['latitude']:.4f},{exif['longitude']:.4f}"
            elif kind == "exif":
                camera = " ".join(filter(None, (exif.get("make"), exif.get("model"))))
                kind = f"EXIF ({camera})" if camera else "EXIF"
                if exif.get("thumbnail_bytes"):
                    kind += " + thumbnail"
            removed.append(NAMES.get(kind, kind))
        after_info = inspect(after_path)
        if (after_info.get("exif") or {}).get("gps"):
            gps_left += 1
        turn = orientation(inspect(path), after_info)
        if turn:
            turned += turn[0]
            sideways += not turn[0]
            removed.append(turn[1])
        rows.append((key, kib(before), kib(os.path.getsize(after_path)), ", ".join(removed) or "nothing"))
rows += refused
w = max(len(r[0]) for r in rows)
print(f"  {'key':<{w}}  {'before':>10}  {'after':>10}  removed")
for key, before, after, what in rows:
    print(f"  {key:<{w}}  {before:>10}  {after:>10}  {what}")
print()
print(f"  GPS positions left in {len(done)} public photo(s): {gps_left} (checked with exifstrip inspect --json)")
print(f"  photos stored sideways: {turned + sideways}; arriving upright: {turned}, sideways: {sideways}")
EOF
}

write_env() {
    cat >"$DEMO/env.sh" <<EOF
# env.sh - written by scripts/demo.sh --keep-running: the local stack's settings.
# Source it (. $DEMO/env.sh) to run awscli or another exifstrip worker against it.
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL=$EMU_URL
export EXIFSTRIP_QUEUE_URL=$Q_URL
export EXIFSTRIP_DEST_BUCKET=$PUBLIC EXIFSTRIP_SOURCE_BUCKETS=$UPLOAD
export EXIFSTRIP_DLQ_URL=$REPORT_URL
# the stack's worker: its heartbeat (for exifstrip health) and its timings
export EXIFSTRIP_HEARTBEAT_FILE=$ROOT/$DEMO/heartbeat EXIFSTRIP_WAIT_SECONDS=2 EXIFSTRIP_SHUTDOWN_GRACE=5
EOF
}

MODE=run
case "${1:-}" in
    "") ;;
    --keep-running) MODE=keep ;;
    --stop)
        if stop_stack; then say "stopped the local exifstrip stack (worker and emulator)"; else say "no local stack was running"; fi
        exit 0 ;;
    -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) echo "usage: scripts/demo.sh [--keep-running | --stop]" >&2; exit 2 ;;
esac

[ -x "$EXIFSTRIP" ] || die "$EXIFSTRIP is missing: run 'make' first"
[ -x /usr/bin/aws ] || die "awscli is missing: run 'make deps'"
mkdir -p "$DEMO" || die "cannot create $DEMO"
finished=0
cleanup() {
    [ "$MODE" = keep ] && [ "$finished" = 1 ] && return
    stop_stack >/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop_stack && say "(stopped the stack an earlier 'make local-up' left running)"
say "${B}exifstrip demo${N}: upload bucket → S3 event → SQS → exifstrip worker → public bucket, all on 127.0.0.1"
make -s --no-print-directory BUILD="$BUILD" "$MKFIXTURE" >/dev/null || die "could not build $MKFIXTURE"
make_samples || die "could not generate the sample photos"

EMU_URL=$(tests/emulator/start.sh --background) || die "the emulator did not start (see $ES_EMULATOR_DIR/emulator.log; run 'make deps')"
say "  emulator  $EMU_URL (S3 + SQS, log $DEMO/emulator/emulator.log)"
for b in $UPLOAD $PUBLIC; do emu_create_bucket $b || die "CreateBucket $b failed"; done
DLQ_URL=$(emu_create_queue $DLQ) && REPORT_URL=$(emu_create_queue $REPORTS) &&
    Q_URL=$(emu_create_queue_with_dlq $QUEUE "$DLQ_URL" 3) || die "creating the queues failed"
emu_notify_queue $UPLOAD "$Q_URL" .jpg || die "the bucket notification failed"
say "  buckets   $UPLOAD → $PUBLIC; events on $QUEUE (dead letters: $DLQ; refusals: $REPORTS)"
start_worker || die "the worker did not start"
say "  worker    $EXIFSTRIP worker, pid $(worker_pid) (JSON log $DEMO/worker.log)"

JPEG_KEYS=("holiday/beach 2024.jpg" "ünïcode/café.jpg" "phone/motion photo.jpg" "phone/portrait.jpg")
say "  upload    aws s3 cp --recursive $DEMO/samples s3://$UPLOAD/   (5 files, one of them a PNG named notes.jpg)"
t0=$EPOCHREALTIME
/usr/bin/aws --endpoint-url "$EMU_URL" s3 cp --recursive --only-show-errors "$DEMO/samples" "s3://$UPLOAD/" ||
    die "aws s3 cp failed"
wait_until 60 all_done || die "the photos did not all reach $PUBLIC within 60 s"
say "  done      in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s (upload included)"
say ""
for key in "${JPEG_KEYS[@]}"; do
    mkdir -p "$DEMO/after/$(dirname "$key")"
    emu_s3 GET $PUBLIC "$key" -o "$DEMO/after/$key" || die "download of $key failed"
done
: >"$DEMO/reports"
emu_receive_all "$REPORT_URL" "$DEMO/reports" || die "reading $REPORTS failed"
print_table || die "could not build the table"
say "  compare:  $EXIFSTRIP inspect \"$DEMO/samples/holiday/beach 2024.jpg\" \"$DEMO/after/holiday/beach 2024.jpg\""
say ""
say "  audit     $EXIFSTRIP audit s3://$PUBLIC --source s3://$UPLOAD   (the privacy audit of the public bucket)"
AWS_ENDPOINT_URL=$EMU_URL "$EXIFSTRIP" audit "s3://$PUBLIC" --source "s3://$UPLOAD" >"$DEMO/audit.txt" 2>&1
audit_rc=$?
sed 's/^/            /' "$DEMO/audit.txt"
[ "$audit_rc" = 0 ] || die "the audit of $PUBLIC is not clean (exit $audit_rc)"
say ""
finished=1
if [ "$MODE" = keep ]; then
    write_env
    say "${G}The stack keeps running.${N} Try it by hand:"
    say "  . $DEMO/env.sh"
    say "  aws --endpoint-url $EMU_URL s3 cp photo.jpg \"s3://$UPLOAD/my photo.jpg\""
    say "  aws --endpoint-url $EMU_URL s3 ls --recursive s3://$PUBLIC/"
    say "  tail -f $DEMO/worker.log"
    say "Stop it with: make local-down"
else
    stop_stack >/dev/null
    say "${G}Stopped the worker and the emulator.${N} 'make local-up' keeps them running to try by hand."
fi
exit 0
