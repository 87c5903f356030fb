#!/usr/bin/env bash
# deps.sh - installs what building, testing and the demo need on a fresh
# Debian/Ubuntu machine: the C libraries (via apt-get when root, otherwise it
# prints the exact command), and the local emulator's Node.js 22 + npm packages
# (tests/emulator, pinned by its package-lock.json). Idempotent and quiet when
# everything is present. The Terraform checker's npm packages (tests/terraform)
# are installed the same way. ES_DEPS_SKIP_NODE=1 skips both npm parts.
#   mk/deps.sh --containers   also podman, buildah, podman-compose, runc, the CNI
#                             name plugin (compose service names), debootstrap
#                             and systemd (systemd-analyze): `make image`, `make test-deploy`
#   mk/deps.sh --arm64-image  --containers plus qemu-user-static and binfmt-support
#                             (arm64 containers under emulation): `make test-deploy-arm64`
#   mk/deps.sh --arm64        also the AArch64 cross compiler, its C library and
#                             qemu-user: `make test-arm64` (mk/cross-arm64.sh adds the
#                             arm64 builds of the libraries, without installing them)
set -eu
cd "$(dirname "$0")/.."

# Build: compiler, pkg-config, the product's libraries (libjpeg-dev: jpeglib.h for the
# lossless transform in src/orient; libturbojpeg0-dev: the static archive). Tests: libjpeg (fixtures),
# clang + compiler-rt (libFuzzer), awscli (emulator compatibility), curl, node/npm;
# the benchmark's baseline worker and peak-RSS measurement (python3-boto3,
# python3-piexif, time), which `make test` smoke-tests (tests/bench); openssl
# (the https emulator's self-signed certificate: tests/e2e/https_test.sh, make bench);
# liblcms2-dev (tests only: real ICC profiles for the scrub tests, tests/jpeg/icc_util.h).
APT_PKGS="build-essential pkg-config libcurl4-openssl-dev libssl-dev libjansson-dev libjpeg-dev
libturbojpeg0-dev libexif-dev libexpat1-dev clang clang-format awscli curl ca-certificates systemd
python3-boto3 python3-piexif time openssl liblcms2-dev"
if [ "${1:-}" = --containers ] || [ "${1:-}" = --arm64-image ]; then
    APT_PKGS="$APT_PKGS podman buildah podman-compose runc debootstrap uidmap
golang-github-containernetworking-plugin-dnsname"
fi
[ "${1:-}" = --arm64-image ] && APT_PKGS="$APT_PKGS qemu-user-static binfmt-support"
if [ "${1:-}" = --arm64 ]; then
    APT_PKGS="$APT_PKGS gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user"
fi

missing=""
for p in $APT_PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
# Node.js may come from another repository (with npm bundled): only ask apt when absent.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
# libFuzzer's runtime ships in libclang-rt-NN-dev on newer Debian/Ubuntu, NN
# the default clang's major version (Debian 13 also lists newer ones that
# clang 19 does not look in); printed only when it is missing and not installed.
fuzzer_rt() {
    command -v clang >/dev/null 2>&1 || return 0
    clang -print-file-name=libclang_rt.fuzzer-x86_64.a | grep -q / && return 0
    rt=libclang-rt-$(clang -dumpversion 2>/dev/null | cut -d. -f1)-dev
    dpkg-query -W -f='${Status}' "$rt" 2>/dev/null | grep -q 'install ok installed' && return 0
    apt-cache show "$rt" >/dev/null 2>&1 && echo " $rt"
    return 0
}
missing="$missing$(fuzzer_rt)"
if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "deps: installing$missing"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends $missing >/dev/null
        rt=$(fuzzer_rt) # clang itself may have come just now
        [ -z "$rt" ] || apt-get install -y -qq --no-install-recommends $rt >/dev/null
    else
        echo "deps: missing packages; run:"
        echo "  sudo apt-get update && sudo apt-get install -y$missing"
        exit 1
    fi
fi

[ "${ES_DEPS_SKIP_NODE:-0}" = 1 ] && exit 0
npm_ci() { # directory, what
    [ -f "$1/package.json" ] || return 0
    if [ ! -d "$1/node_modules" ] || [ "$1/package-lock.json" -nt "$1/node_modules/.package-lock.json" ]; then
        echo "deps: installing $2's npm packages ($1)"
        (cd "$1" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    fi
}
npm_ci tests/emulator "the emulator"
npm_ci tests/terraform "the Terraform checker"
