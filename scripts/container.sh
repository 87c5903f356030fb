#!/usr/bin/env bash
# container.sh - builds exifstrip's container images with podman, offline, on a
# Debian machine without a Docker engine (`make image`, and the deploy tests).
#   scripts/container.sh engine   prints the container CLI to use, or fails saying why
#   scripts/container.sh base     makes the debian:bookworm-slim base image if missing
#   scripts/container.sh image    base + builds exifstrip:VERSION/latest, prints its size
#   scripts/container.sh emulator base + builds exifstrip-emulator:latest (tests/emulator)
#   scripts/container.sh env      prints `export CONTAINERS_CONF=...` for manual podman use
#   scripts/container.sh --arch arm64 CMD   the same for another architecture (`make image
#                                 ARCH=arm64`): runs under qemu user emulation (see below)
#   scripts/container.sh --arch arm64 emulation   fails, saying why, when that cannot run here
# With podman, the script writes its own containers.conf (build/podman/): the
# runc runtime and lower nofile/nproc ulimits (crun and the host's limits fail
# in some sandboxes). The base image is `debootstrap --variant=minbase bookworm`
# from the host's apt mirror, with the host's apt sources and apt.conf.d copied
# in, imported as debian:bookworm-slim; it is reused once present. Builds use
# --pull=never, so nothing is fetched from a registry. With Docker (and no
# podman) the image is built with `docker build` from Docker Hub's base.
# ES_CONTAINER_ENGINE=podman|docker forces an engine.
# Another architecture (podman only): its own base, debian:bookworm-slim-ARCH
# (debootstrap --arch ARCH, second stage under emulation), replaces the first
# FROM (--from), and `podman build --arch ARCH` builds the unchanged Dockerfile
# into exifstrip:VERSION-ARCH and exifstrip:latest-ARCH. Running foreign
# binaries needs a binfmt_misc handler with the F flag (qemu-user-static): the
# script registers it when missing and it can (root, qemu-user-static
# installed), and otherwise fails saying what to install.
set -eu
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
VERSION=$(cat VERSION)
IMAGE=${ES_IMAGE:-exifstrip}
EMULATOR_IMAGE=${ES_EMULATOR_IMAGE:-exifstrip-emulator}
CONF_DIR=$ROOT/build/podman

die() { echo "container.sh: $*" >&2; exit 1; }

HOST_ARCH=$(dpkg --print-architecture 2>/dev/null || echo amd64)
ARCH=$HOST_ARCH
if [ "${1:-}" = --arch ]; then
    [ -n "${2:-}" ] || die "--arch needs a Debian architecture name (arm64, amd64)"
    ARCH=$2
    shift 2
fi
# The host's architecture keeps the plain names (what compose and the tests use).
BASE=debian:bookworm-slim
TAG_SUFFIX=""
if [ "$ARCH" != "$HOST_ARCH" ]; then
    BASE=debian:bookworm-slim-$ARCH
    TAG_SUFFIX=-$ARCH
fi

# Picks podman (preferred: daemonless, works offline here) or docker.
engine() {
    local want=${ES_CONTAINER_ENGINE:-}
    if [ "$want" != docker ] && command -v podman >/dev/null 2>&1; then echo podman; return 0; fi
    if [ "$want" != podman ] && command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
        echo docker; return 0
    fi
    echo "container.sh: neither podman nor a working docker engine is available" >&2
    return 1
}

write_podman_conf() {
    mkdir -p "$CONF_DIR"
    cat >"$CONF_DIR/containers.conf.new" <<'EOF'
# Written by scripts/container.sh: podman settings that work in CI sandboxes.
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
[engine]
runtime = "runc"
EOF
    mv "$CONF_DIR/containers.conf.new" "$CONF_DIR/containers.conf"
    export CONTAINERS_CONF=$CONF_DIR/containers.conf
}

# The kernel runs ARCH's binaries: the host's own, or a foreign one through a
# binfmt_misc handler with the F flag (the interpreter opened at registration,
# so it works inside containers and chroots that do not contain it).
qemu_name() { case "$1" in arm64) echo aarch64 ;; amd64) echo x86_64 ;; *) echo "$1" ;; esac; }
binfmt_ready() { # handler file
    [ -f "$1" ] && grep -qx enabled "$1" && grep -q '^flags:.*F' "$1"
}
require_emulation() {
    [ "$ARCH" = "$HOST_ARCH" ] && return 0
    local q handler bm=/proc/sys/fs/binfmt_misc
    q=$(qemu_name "$ARCH")
    handler=$bm/qemu-$q
    binfmt_ready "$handler" && return 0
    [ "$(id -u)" = 0 ] || die "$ARCH containers need qemu's binfmt handler $handler (with the F flag); as root: apt-get install qemu-user-static binfmt-support, or run this script as root"
    [ -x "/usr/libexec/qemu-binfmt/$q-binfmt-P" ] || die "$ARCH containers need qemu user emulation: apt-get install qemu-user-static binfmt-support"
    [ -f "$bm/register" ] || mount -t binfmt_misc binfmt_misc "$bm" 2>/dev/null ||
        die "cannot mount binfmt_misc on $bm (a container without that privilege?): $ARCH emulation unavailable"
    if command -v update-binfmts >/dev/null 2>&1; then
        update-binfmts --enable "qemu-$q" >/dev/null 2>&1 || true
    fi
    if ! binfmt_ready "$handler" && [ "$q" = aarch64 ]; then
        # What qemu-user-static's binfmt-support entry registers (P: argv[0] kept), written directly.
        [ -f "$handler" ] && echo -1 >"$handler"
        printf '%s' ':qemu-aarch64:M::\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/libexec/qemu-binfmt/aarch64-binfmt-P:PF' \
            >"$bm/register" 2>/dev/null || true
    fi
    binfmt_ready "$handler" || die "could not register $handler with the F flag (see update-binfmts --display qemu-$q)"
    echo "container.sh: registered the binfmt handler qemu-$q" >&2
}

# The base image: debian:bookworm-slim made locally (podman) unless present.
make_base() {
    local eng=$1 dir mirror log
    if $eng image exists "$BASE" 2>/dev/null; then return 0; fi
    [ "$eng" = podman ] || return 0   # docker build pulls it from Docker Hub
    [ "$(id -u)" = 0 ] || die "making the base image needs root (debootstrap)"
    command -v debootstrap >/dev/null 2>&1 || die "debootstrap is missing: run mk/deps.sh --containers"
    mirror=$(sed -n 's/^URIs:[[:space:]]*\([^ ]*debian\)[[:space:]]*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
    [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
    [ -n "$mirror" ] || mirror=http://deb.debian.org/debian
    dir=$(mktemp -d /tmp/exifstrip-base.XXXXXX)
    log=$CONF_DIR/debootstrap-$ARCH.log
    echo "container.sh: debootstrap --arch $ARCH --variant=minbase bookworm from $mirror (once; a few minutes)"
    if ! debootstrap --arch "$ARCH" --variant=minbase bookworm "$dir" "$mirror" >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        rm -rf "$dir"
        die "debootstrap failed (log: $log)"
    fi
    # apt inside the image uses the same mirror and settings as the host.
    rm -f "$dir/etc/apt/sources.list"
    cp -a /etc/apt/sources.list.d/. "$dir/etc/apt/sources.list.d/" 2>/dev/null || true
    [ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$dir/etc/apt/sources.list"
    find "$dir/etc/apt/sources.list.d" -name '*.disabled*' -delete
    cp -a /etc/apt/apt.conf.d/. "$dir/etc/apt/apt.conf.d/"
    rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/tmp/* "$dir"/var/log/*.log
    tar -C "$dir" --numeric-owner -c . |
        podman import --arch "$ARCH" --change 'CMD ["bash"]' - "$BASE" >/dev/null || { rm -rf "$dir"; die "podman import failed"; }
    rm -rf "$dir"
    [ "$ARCH" = "$HOST_ARCH" ] && podman tag "$BASE" "docker.io/library/$BASE"
    echo "container.sh: imported $BASE"
}

# podman: no registry access, and Docker's image format (OCI has no HEALTHCHECK).
# Another architecture: its own base in place of the first FROM.
build_args() { # engine
    if [ "$1" = podman ]; then echo "--pull=never --format docker"; fi
    if [ "$ARCH" != "$HOST_ARCH" ]; then echo "--arch $ARCH --from $BASE"; fi
}

build_image() {
    local eng=$1 size t0 version=$VERSION$TAG_SUFFIX latest=latest$TAG_SUFFIX
    t0=$SECONDS
    # shellcheck disable=SC2046
    $eng build $(build_args "$eng") -f docker/Dockerfile \
        --build-arg VERSION="$VERSION" -t "$IMAGE:$version" -t "$IMAGE:$latest" . || die "image build failed"
    size=$($eng image inspect --format '{{.Size}}' "$IMAGE:$latest")
    echo "image $IMAGE:$version ($IMAGE:$latest, $ARCH, built in $((SECONDS - t0)) s): $size bytes ($(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1000000 }') MB uncompressed)"
}

build_emulator() {
    local eng=$1
    # shellcheck disable=SC2046
    local ca=()
    # npm behind a TLS-intercepting proxy needs the host's CA bundle (podman: a build volume).
    [ "$eng" = podman ] && [ -s /etc/ssl/certs/ca-certificates.crt ] &&
        ca=(-v /etc/ssl/certs/ca-certificates.crt:/run/host-ca/ca.crt:ro)
    $eng build $(build_args "$eng") "${ca[@]}" -f docker/emulator.Dockerfile -t "$EMULATOR_IMAGE:latest" . ||
        die "emulator image build failed"
}

cmd=${1:-image}
case "$cmd" in
    engine) engine ;;
    emulation) require_emulation ;;
    env) write_podman_conf; echo "export CONTAINERS_CONF=$CONF_DIR/containers.conf" ;;
    base | image | emulator)
        eng=$(engine) || exit 1
        [ "$ARCH" = "$HOST_ARCH" ] || [ "$eng" = podman ] || die "--arch $ARCH needs podman (found $eng)"
        [ "$eng" = podman ] && write_podman_conf
        require_emulation
        make_base "$eng"
        [ "$cmd" = image ] && build_image "$eng"
        if [ "$cmd" = emulator ]; then
            [ "$ARCH" = "$HOST_ARCH" ] || die "the emulator image is built for the host only"
            build_emulator "$eng"
        fi
        ;;
    *) echo "usage: scripts/container.sh [--arch ARCH] [engine|emulation|base|image|emulator|env]" >&2; exit 2 ;;
esac
exit 0
