#!/usr/bin/env bash
# image_test.sh - the container image (docker/Dockerfile, `make image`): built
# offline; under 40 MB; numeric non-root user; no shell; `exifstrip --version`
# runs in it; OCI labels; /tmp a declared volume. Then the container as the
# worker, read-only with a tmpfs /tmp and host networking, against the
# emulator on loopback set up by the compose init script: a photo uploaded
# with awscli lands in bucket B byte-identical to `exifstrip strip` of the
# original (so the image's worker really loads libcurl and libcrypto), a PNG
# named .jpg is reported as refused, the health check passes, and `podman
# stop` ends it with exit 0 within the grace period. Skips (as skipped) when
# no container engine can run.
# ES_IMAGE_ARCH=arm64 (image_arm64_test.sh; opt-in: ES_DEPLOY_ARM64=1, else its
# tests skip) does all of it with the image built for that architecture under
# qemu emulation (`make image ARCH=arm64`), and checks that the binary in each
# image is an ELF for the image's architecture.
DK_TEST_COUNT=2
source "$(dirname "$0")/../harness/lib.sh"
source "$(dirname "$0")/lib_docker.sh"
VERSION=$(cat "$ES_ROOT/VERSION")
GRACE=5
HOST_ARCH=$(dpkg --print-architecture)
ARCH=${ES_IMAGE_ARCH:-$HOST_ARCH}
IMAGE=exifstrip:latest TAGS="exifstrip:$VERSION (exifstrip:latest" EMULATED_BY=""
if [ "$ARCH" != "$HOST_ARCH" ]; then
    [ "${ES_DEPLOY_ARM64:-0}" = 1 ] || dk_skip_all "opt-in, minutes of emulated build: make test-deploy-arm64"
    IMAGE=exifstrip:latest-$ARCH TAGS="exifstrip:$VERSION-$ARCH (exifstrip:latest-$ARCH"
    # Emulated, PID 1's command line is the binfmt interpreter's, then the program and its argv.
    EMULATED_BY="/[^ ]*qemu[^ ]* /usr/bin/exifstrip "
    "$ES_ROOT/scripts/container.sh" --arch "$ARCH" emulation 2>"$DK_SCRATCH/emulation.err" ||
        dk_skip_all "$ARCH containers cannot run here: $(cat "$DK_SCRATCH/emulation.err")"
fi

"$ES_ROOT/scripts/container.sh" --arch "$ARCH" image >"$DK_SCRATCH/build.log" 2>&1 || { tail -n 30 "$DK_SCRATCH/build.log" >&2; dk_abort "make image failed"; }
grep '^image ' "$DK_SCRATCH/build.log" >&2

# elf_machine FILE: the ELF header's e_machine (62 x86-64, 183 AArch64) of a 64-bit little-endian ELF.
elf_machine() {
    [ "$(head -c 6 "$1" | od -An -tx1 | tr -d ' \n')" = 7f454c460201 ] || { echo "not a 64-bit LE ELF"; return; }
    od -An -tu2 -j18 -N2 "$1" | tr -d ' '
}

t_image() {
    local size user want
    size=$($ENGINE image inspect --format '{{.Size}}' $IMAGE)
    check "image size $size below 40 MB" test "$size" -lt 40000000
    check "make image prints the size" grep -q "^image $TAGS, $ARCH, built in [0-9]* s): $size bytes" "$DK_SCRATCH/build.log"
    check_eq "image architecture" "$($ENGINE image inspect --format '{{.Architecture}}' $IMAGE)" "$ARCH"
    $ENGINE create --name "es-elf-$DK_ID" $IMAGE >/dev/null && dk_on_exit "$ENGINE rm -f es-elf-$DK_ID"
    $ENGINE cp "es-elf-$DK_ID:/usr/bin/exifstrip" "$DK_SCRATCH/exifstrip.elf"
    case "$ARCH" in amd64) want=62 ;; arm64) want=183 ;; *) want="e_machine of $ARCH" ;; esac
    check_eq "/usr/bin/exifstrip is an ELF for $ARCH" "$(elf_machine "$DK_SCRATCH/exifstrip.elf")" "$want"
    user=$($ENGINE image inspect --format '{{.Config.User}}' $IMAGE)
    check "numeric non-root user ($user)" grep -Eqx '[1-9][0-9]*(:[0-9]+)?' <<<"$user"
    check_eq "--version in the image" "$($ENGINE run --rm --read-only $IMAGE --version 2>/dev/null)" "exifstrip $VERSION"
    check "no shell in the image" bash -c "! $ENGINE run --rm --entrypoint /bin/sh $IMAGE -c true >/dev/null 2>&1"
    check_eq "entrypoint" "$($ENGINE image inspect --format '{{json .Config.Entrypoint}}' $IMAGE)" '["exifstrip"]'
    check_eq "cmd" "$($ENGINE image inspect --format '{{json .Config.Cmd}}' $IMAGE)" '["worker"]'
    check_eq "stop signal" "$($ENGINE image inspect --format '{{.Config.StopSignal}}' $IMAGE)" SIGTERM
    # Fargate gives the task volume at /tmp the image's mode (1777) only for a declared volume.
    check_eq "/tmp is a declared volume" "$($ENGINE image inspect --format '{{json .Config.Volumes}}' $IMAGE)" '{"/tmp":{}}'
    check "health check uses exifstrip health" grep -q '"exifstrip","health"' \
        <<<"$($ENGINE image inspect --format '{{json .Config.Healthcheck}}' $IMAGE)"
    check_eq "version label" "$($ENGINE image inspect --format '{{index .Config.Labels "org.opencontainers.image.version"}}' $IMAGE)" "$VERSION"
    check "source label" test -n "$($ENGINE image inspect --format '{{index .Config.Labels "org.opencontainers.image.source"}}' $IMAGE)"
    check "licenses label" test -n "$($ENGINE image inspect --format '{{index .Config.Labels "org.opencontainers.image.licenses"}}' $IMAGE)"
    # Strip a file inside the read-only container (stdin to stdout): same bytes as the host build.
    # Stored turned (Orientation 6), so the container must read the tag and turn the picture as
    # the host does.
    "$MKFIXTURE" --gps --xmp --orientation 6 --seed 7 "$DK_SCRATCH/in.jpg"
    $ENGINE run --rm -i --read-only --tmpfs /tmp $IMAGE strip - - <"$DK_SCRATCH/in.jpg" >"$DK_SCRATCH/c.jpg"
    "$EXIFSTRIP" strip -q "$DK_SCRATCH/in.jpg" "$DK_SCRATCH/h.jpg"
    check "strip in the container = strip on the host" cmp -s "$DK_SCRATCH/c.jpg" "$DK_SCRATCH/h.jpg"
}

photo_landed() { [ "$(emu_s3_status HEAD "$DST" "holiday/beach photo.jpg")" = 200 ]; }
refusal_reported() { [ "$(emu_queue_depth "$EXIFSTRIP_DLQ_URL")" -ge 1 ]; }

t_worker_container() {
    local name="es-worker-$DK_ID" t0 elapsed rc health
    dk_emulator
    need "init script" dk_init "$EMU_URL" "$DK_ID" || return
    $ENGINE run -d --name "$name" --read-only --tmpfs /tmp --network host \
        -e AWS_ENDPOINT_URL="$EMU_URL" -e AWS_REGION -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY \
        -e AWS_EC2_METADATA_DISABLED=true -e EXIFSTRIP_SOURCE_BUCKETS -e EXIFSTRIP_DEST_BUCKET \
        -e EXIFSTRIP_QUEUE_URL -e EXIFSTRIP_DLQ_URL -e EXIFSTRIP_WAIT_SECONDS=2 -e EXIFSTRIP_SHUTDOWN_GRACE=$GRACE \
        $IMAGE >/dev/null 2>"$DK_SCRATCH/run.err"
    check_eq "container started ($(cat "$DK_SCRATCH/run.err"))" "$?" 0
    dk_on_exit "$ENGINE rm -f $name"
    mkdir -p "$DK_SCRATCH/up/holiday"
    "$MKFIXTURE" --size 320x240 --gps --thumb --xmp --seed 3 "$DK_SCRATCH/up/holiday/beach photo.jpg"
    make_png "$DK_SCRATCH/up/notes.jpg"
    /usr/bin/aws --endpoint-url "$EMU_URL" s3 cp --recursive --only-show-errors "$DK_SCRATCH/up" "s3://$SRC/"
    check_eq "aws s3 cp" "$?" 0
    check "the photo reached bucket B" dk_wait 60 photo_landed
    emu_s3 GET "$DST" "holiday/beach photo.jpg" -o "$DK_SCRATCH/out.jpg"
    "$EXIFSTRIP" strip -q "$DK_SCRATCH/up/holiday/beach photo.jpg" "$DK_SCRATCH/expected.jpg"
    check "byte-identical to exifstrip strip" cmp "$DK_SCRATCH/out.jpg" "$DK_SCRATCH/expected.jpg"
    check "the PNG is reported" dk_wait 30 refusal_reported
    emu_receive_all "$EXIFSTRIP_DLQ_URL" "$DK_SCRATCH/reports"
    check "report names notes.jpg and says PNG" grep -q '"key": "notes.jpg".*PNG' "$DK_SCRATCH/reports"
    check_eq "nothing written for the PNG" "$(emu_s3_status HEAD "$DST" notes.jpg)" 404
    check "the worker is PID 1" grep -Eq "^ *1 +${EMULATED_BY}exifstrip worker *\$" <<<"$($ENGINE top "$name" pid args 2>/dev/null)"
    health=$($ENGINE healthcheck run "$name" 2>&1)
    check_eq "health check passes while it runs ($health)" "$?" 0
    t0=$EPOCHREALTIME
    $ENGINE stop -t $((GRACE + 10)) "$name" >/dev/null
    elapsed=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", b - a }')
    rc=$($ENGINE inspect --format '{{.State.ExitCode}}' "$name")
    check_eq "exit status after stop" "$rc" 0
    check "stopped within the grace period ($elapsed s <= $GRACE s)" test "$elapsed" -le "$GRACE"
    $ENGINE logs "$name" >"$DK_SCRATCH/worker.log" 2>&1
    check "worker logged job.done" grep -q '"job.done"' "$DK_SCRATCH/worker.log"
    check "worker logged worker.stop" grep -q '"worker.stop"' "$DK_SCRATCH/worker.log"
}

# A small real PNG named .jpg (the refusal case).
make_png() {
    "$EMU_PY" - "$1" <<'PY'
import struct, sys, zlib
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(b"\0\0\0\0")) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
PY
}

es_run t_image
es_run t_worker_container
es_finish
