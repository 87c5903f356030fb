#!/usr/bin/env bash
# run-fuzz.sh - runs every libFuzzer target built in BUILD_DIR (BUILD_DIR/<name>_fuzz,
# see `make fuzz-build`) for SECONDS each, starting from a temporary copy of its
# seed corpus tests/fuzz/corpus/<name>/ so the repository is never written to.
# Crash inputs are kept in BUILD_DIR/fuzz-artifacts/<name>/. Fails if a target
# crashes, leaks, times out on an input or is missing.
# Usage: tests/fuzz/run-fuzz.sh BUILD_DIR SECONDS   (FUZZ_MAX_LEN overrides -max_len;
# FUZZ_RUNS=N stops each target after N executions if that comes first;
# FUZZ_TARGETS="jpeg_strip event" runs only those). Results: tests/fuzz/README.md.
set -u
cd "$(dirname "$0")/../.."
build=${1:?usage: run-fuzz.sh BUILD_DIR SECONDS}
seconds=${2:?usage: run-fuzz.sh BUILD_DIR SECONDS}
max_len=${FUZZ_MAX_LEN:-262144} # JPEG segments are <= 64 KiB; room for several plus entropy data
ran=() failed=()
shopt -s nullglob
targets=("$build"/*_fuzz)
if [ ${#targets[@]} -eq 0 ]; then
    echo "run-fuzz: no fuzz targets in $build (run make fuzz-build)" >&2
    exit 1
fi
for bin in "${targets[@]}"; do
    [ -x "$bin" ] && [ -f "$bin" ] || continue
    name=$(basename "$bin" _fuzz)
    if [ -n "${FUZZ_TARGETS:-}" ] && [[ " $FUZZ_TARGETS " != *" $name "* ]]; then continue; fi
    work=$(mktemp -d)
    artifacts=$build/fuzz-artifacts/$name
    mkdir -p "$work/corpus" "$artifacts"
    if [ -d "tests/fuzz/corpus/$name" ]; then
        cp -R "tests/fuzz/corpus/$name/." "$work/corpus/"
    else
        echo "run-fuzz: warning: no seed corpus tests/fuzz/corpus/$name" >&2
    fi
    echo "run-fuzz: $name for ${seconds}s (max_len $max_len)"
    if "$bin" -max_total_time="$seconds" ${FUZZ_RUNS:+-runs="$FUZZ_RUNS"} -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" "$work/corpus" >"$work/log" 2>&1; then
        ran+=("$name")
        grep -E '^stat::(number_of_executed_units|average_exec_per_sec)|^#[0-9]+.*DONE' "$work/log" | tail -n 3
    else
        failed+=("$name")
        tail -n 60 "$work/log"
        echo "run-fuzz: $name FAILED; crash input(s) in $artifacts/"
    fi
    rm -rf "$work"
done
echo "run-fuzz: targets run: ${ran[*]:-none}${failed:+; failed: ${failed[*]}}"
[ ${#failed[@]} -eq 0 ]
