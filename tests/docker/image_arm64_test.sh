#!/usr/bin/env bash
# image_arm64_test.sh - image_test.sh for linux/arm64 (ECS Fargate ARM64,
# Graviton): the image built from the unchanged docker/Dockerfile with
# `podman build --arch arm64` under qemu user emulation (`make image
# ARCH=arm64`); the binary inside is an AArch64 ELF; --version, a strip
# byte-identical to the host build's and the worker against the emulator run
# in the emulated container. Opt-in (`make test-deploy-arm64` sets
# ES_DEPLOY_ARM64=1): the first build takes far more than the 5 minutes `make
# test-deploy` may take (a compiler and a build under emulation). image_test.sh
# skips its tests, saying why, when not asked for or when arm64 containers
# cannot run here (no qemu-user-static binfmt handler).
ES_IMAGE_ARCH=arm64 exec bash "$(dirname "$0")/image_test.sh"
