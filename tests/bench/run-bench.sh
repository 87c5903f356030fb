#!/usr/bin/env bash
# run-bench.sh - the benchmarks behind `make bench` (tests/bench/bench.py does
# the work; see it for what is measured). Informational: a missed target is
# printed as MISS but never fails; a broken tool or step fails with its reason.
# When run as root, installs the peer tools that are missing (jhead, exiftool,
# jpegtran, exiv2, mat2) and the baseline worker's python3-boto3 and
# python3-piexif with apt; ES_BENCH_NO_INSTALL=1 skips that.
# Usage: tests/bench/run-bench.sh BUILD_DIR [--out FILE] [--readme FILE] [--quick] [--data JSON] [--render JSON]
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build/bench-tree}
shift || true
PKGS="jhead libimage-exiftool-perl libjpeg-turbo-progs exiv2 mat2 python3-boto3 python3-piexif"
if [ "$(id -u)" = 0 ] && [ "${ES_BENCH_NO_INSTALL:-0}" != 1 ]; then
    missing=""
    for p in $PKGS; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
    done
    if [ -n "$missing" ]; then
        echo "bench: installing$missing"
        export DEBIAN_FRONTEND=noninteractive
        { apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null; } ||
            echo "bench: apt-get could not install$missing; tools that are missing are skipped"
    fi
fi
exec nice /usr/bin/python3 tests/bench/bench.py "$BUILD" "$@"
