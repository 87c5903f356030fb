#!/usr/bin/env bash
# container.sh - builds exifstrip's container images with podman, offline, on a
# Debian machine without a Docker engine (`make image`, and the deploy tests).
#   scripts/container.sh engine   prints the container CLI to use, or fails saying why
#   scripts/container.sh base     makes the debian:bookworm-slim base image if missing
#   scripts/container.sh image    base + builds exifstrip:VERSION/latest, prints its size
#   scripts/container.sh emulator base + builds exifstrip-emulator:latest (tests/emulator)
#   scripts/container.sh env      prints `export CONTAINERS_CONF=...` for manual podman use
# With podman, the script writes its own containers.conf (build/podman/): the
# runc runtime and lower nofile/nproc ulimits (crun and the host's limits fail
# in some sandboxes). The base image is `debootstrap --variant=minbase bookworm`
# from the host's apt mirror, with the host's apt sources and apt.conf.d copied
# in, imported as debian:bookworm-slim; it is reused once present. Builds use
# --pull=never, so nothing is fetched from a registry. With Docker (and no
# podman) the image is built with `docker build` from Docker Hub's base.
# ES_CONTAINER_ENGINE=podman|docker forces an engine.
set -eu
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
VERSION=$(cat VERSION)
IMAGE=${ES_IMAGE:-exifstrip}
EMULATOR_IMAGE=${ES_EMULATOR_IMAGE:-exifstrip-emulator}
BASE=debian:bookworm-slim
CONF_DIR=$ROOT/build/podman

die() { echo "container.sh: $*" >&2; exit 1; }

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

# The base image: debian:bookworm-slim made locally (podman) unless present.
make_base() {
    local eng=$1 dir mirror
    if $eng image exists "$BASE" 2>/dev/null; then return 0; fi
    [ "$eng" = podman ] || return 0   # docker build pulls it from Docker Hub
    [ "$(id -u)" = 0 ] || die "making the base image needs root (debootstrap)"
    command -v debootstrap >/dev/null 2>&1 || die "debootstrap is missing: run mk/deps.sh --containers"
    mirror=$(sed -n 's/^URIs:[[:space:]]*\([^ ]*debian\)[[:space:]]*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
    [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
    [ -n "$mirror" ] || mirror=http://deb.debian.org/debian
    dir=$(mktemp -d /tmp/exifstrip-base.XXXXXX)
    echo "container.sh: debootstrap --variant=minbase bookworm from $mirror (once; a few minutes)"
    if ! debootstrap --variant=minbase bookworm "$dir" "$mirror" >"$CONF_DIR/debootstrap.log" 2>&1; then
        tail -n 20 "$CONF_DIR/debootstrap.log" >&2
        rm -rf "$dir"
        die "debootstrap failed (log: $CONF_DIR/debootstrap.log)"
    fi
    # apt inside the image uses the same mirror and settings as the host.
    rm -f "$dir/etc/apt/sources.list"
    cp -a /etc/apt/sources.list.d/. "$dir/etc/apt/sources.list.d/" 2>/dev/null || true
    [ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$dir/etc/apt/sources.list"
    find "$dir/etc/apt/sources.list.d" -name '*.disabled*' -delete
    cp -a /etc/apt/apt.conf.d/. "$dir/etc/apt/apt.conf.d/"
    rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/tmp/* "$dir"/var/log/*.log
    tar -C "$dir" --numeric-owner -c . |
        podman import --change 'CMD ["bash"]' - "$BASE" >/dev/null || { rm -rf "$dir"; die "podman import failed"; }
    rm -rf "$dir"
    podman tag "$BASE" "docker.io/library/$BASE"
    echo "container.sh: imported $BASE"
}

# podman: no registry access, and Docker's image format (OCI has no HEALTHCHECK).
build_args() { # engine
    if [ "$1" = podman ]; then echo "--pull=never --format docker"; fi
}

build_image() {
    local eng=$1 size
    # shellcheck disable=SC2046
    $eng build $(build_args "$eng") -f docker/Dockerfile \
        --build-arg VERSION="$VERSION" -t "$IMAGE:$VERSION" -t "$IMAGE:latest" . || die "image build failed"
    size=$($eng image inspect --format '{{.Size}}' "$IMAGE:latest")
    echo "image $IMAGE:$VERSION ($IMAGE:latest): $size bytes ($(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1000000 }') MB uncompressed)"
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
    env) write_podman_conf; echo "export CONTAINERS_CONF=$CONF_DIR/containers.conf" ;;
    base | image | emulator)
        eng=$(engine) || exit 1
        [ "$eng" = podman ] && write_podman_conf
        make_base "$eng"
        [ "$cmd" = image ] && build_image "$eng"
        [ "$cmd" = emulator ] && build_emulator "$eng"
        ;;
    *) echo "usage: scripts/container.sh [engine|base|image|emulator|env]" >&2; exit 2 ;;
esac
exit 0
