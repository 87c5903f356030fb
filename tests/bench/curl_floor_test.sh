#!/usr/bin/env bash
# curl_floor_test.sh - the libcurl floor of `make bench` (curl_floor_bench.c
# against floor_peer.mjs) on a tiny run: per image on several threads and
# per MB streamed through small parts, without and with SHA-256 of the PUT
# bodies, must move every byte (the sizes, request and connection counts it
# prints are checked, not its times), PUTting the stripped sizes it is given
# (a list's byte counts, --put-bytes); a GET the peer cannot serve fails the
# program with the status; the peer refuses a PUT whose x-amz-content-sha256
# does not match the body and says when it verified one, and the program in
# --hash sha256 mode fails against a peer that does not say so; a peer that
# never answers fails the run after --low-speed-time; an http_proxy in the
# environment is not used. --hash crc64nvme: each GET's body must have the
# CRC-64/NVME the peer states and each PUT's is verified by the peer (a peer
# stating a wrong one fails the run). --hash sha256+crc64nvme (the worker's
# signed mode): both headers on each PUT, the peer refuses a body whose SHA-256
# or CRC is wrong, and the run fails unless the peer verified both. Over https (the peer with --tls-cert and
# --tls-key, a self-signed certificate openssl makes): the floor trusting that
# certificate (--cacert) moves every byte in each mode; trusting another one,
# or the system's CAs, it fails. Skipped without Node.js (the bench skips the floor then).
source "$(dirname "$0")/../harness/lib.sh"

FLOOR=$ES_BUILD/bench/curl_floor_bench
PEER=$ES_ROOT/tests/bench/floor_peer.mjs
NODE=$("$ES_ROOT/tests/bench/find_node.sh")
S=$(mktemp -d "${TMPDIR:-/tmp}/es-floor.XXXXXX")
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$S"' EXIT

# start_node ARGS...: Node.js with ARGS in the background, a server that prints
# its URL first; sets URL (empty when none came within 5 s).
start_node() {
    local out=$S/peer.$RANDOM i
    "$NODE" "$@" >"$out" 2>&1 &
    PIDS+=($!)
    URL=
    for i in $(seq 1 100); do
        URL=$(head -n 1 "$out" 2>/dev/null | grep -E '^https?://127\.0\.0\.1:[0-9]*$')
        [ -n "$URL" ] && return
        sleep 0.05
    done
    echo "peer did not start: $(cat "$out")" >&2
}

# start_peer [--tls-cert FILE --tls-key FILE] ROOT: floor_peer.mjs serving ROOT; sets URL.
start_peer() { start_node "$PEER" "$@"; }

# self_signed NAME: $S/NAME/tls-cert.pem and tls-key.pem for 127.0.0.1, made
# by the bench's own bench_emulator.self_signed.
self_signed() {
    mkdir -p "$S/$1" && /usr/bin/python3 -c 'import sys; sys.path.insert(0, sys.argv[1])
from bench_emulator import self_signed
self_signed(sys.argv[2])' "$ES_ROOT/tests/bench" "$S/$1"
}

# value KEY FILE: the value of the "# KEY value" line.
value() { sed -n "s/^# $1 //p" "$2"; }

mkdir -p "$S/root/sub" "$S/empty"
head -c 1 /dev/urandom >"$S/root/one byte.jpg"
head -c 70000 /dev/urandom >"$S/root/sub/b.jpg"
head -c 300000 /dev/urandom >"$S/root/big.jpg"
for i in $(seq 1 10); do echo "one byte.jpg"; echo sub/b.jpg; echo big.jpg; done | head -n 10 >"$S/list.txt"
LIST_BYTES=$(( 4 * 1 + 3 * 70000 + 3 * 300000 ))
echo sub/b.jpg >"$S/one.txt"
# the same photos, each PUT with fewer bytes than it has (as a stripped photo)
sed -e 's/^one byte.jpg$/&\t0/' -e 's/^sub\/b.jpg$/&\t65000/' -e 's/^big.jpg$/&\t290000/' "$S/list.txt" >"$S/stripped.txt"
STRIPPED_BYTES=$(( 4 * 0 + 3 * 65000 + 3 * 290000 ))
if [ -n "$NODE" ] && [ -x "$FLOOR" ]; then
    start_peer "$S/root"
    ROOT_URL=$URL
    start_peer "$S/empty"
    EMPTY_URL=$URL
    if command -v openssl >/dev/null && self_signed tls && self_signed other; then
        start_peer --tls-cert "$S/tls/tls-cert.pem" --tls-key "$S/tls/tls-key.pem" "$S/root"
        TLS_URL=$URL
    fi
fi

ready() {
    [ -x "$FLOOR" ] || { es_fail "missing $FLOOR (make BUILD=... test-build)"; return 1; }
    [ -n "$NODE" ] || { es_skip "no Node.js (tests/emulator/node_modules or node on PATH)"; return 1; }
    [ -n "$ROOT_URL" ] && [ -n "$EMPTY_URL" ] || { es_fail "the peer did not start"; return 1; }
}

# Every photo's bytes come in; as many go back as the list says: all of them
# (list.txt) or the stripped sizes (stripped.txt).
t_per_image_moves_every_byte() {
    ready || return
    local h rc list want out
    for list in list stripped; do
        want=$LIST_BYTES
        [ "$list" = stripped ] && want=$STRIPPED_BYTES
        for h in none sha256 crc64nvme sha256+crc64nvme; do
            out=$S/img.$list.$h
            "$FLOOR" --url "$ROOT_URL" --root "$S/root" --list "$S/$list.txt" --threads 3 --hash "$h" >"$out" 2>&1
            rc=$?
            check_eq "exit status ($list, $h; $(tail -n 2 "$out"))" "$rc" 0
            check_eq "hash mode reported ($list, $h)" "$(value floor_hash "$out")" "$h"
            check_eq "photos ($list, $h)" "$(value floor_objects "$out")" 10
            check_eq "a GET and a PUT per photo ($list, $h)" "$(value floor_requests "$out")" 20
            check_eq "every byte fetched ($list, $h)" "$(value floor_bytes "$out")" "$LIST_BYTES"
            check_eq "the bytes PUT back ($list, $h)" "$(value floor_put_bytes "$out")" "$want"
            check "keep-alive: at most one connection per thread, at least one ($list, $h)" \
                awk -v c="$(value floor_connections "$out")" 'BEGIN { exit !(c >= 1 && c <= 3) }'
            check "a CPU figure per image ($list, $h)" \
                awk -v v="$(value floor_ms_per_image "$out")" 'BEGIN { exit !(v + 0 > 0 && v + 0 < 1000) }'
        done
    done
}

# Over https, trusting the peer's certificate alone (as the worker with
# AWS_CA_BUNDLE): every byte moves in each hash mode, per image and streamed.
t_https_peer_with_its_certificate() {
    ready || return
    [ -n "$TLS_URL" ] || { es_fail "the https peer did not start (openssl there?)"; return; }
    check "the peer says https" grep -q '^https://127\.0\.0\.1:' <<<"$TLS_URL"
    local h rc
    for h in none sha256 crc64nvme sha256+crc64nvme; do
        "$FLOOR" --url "$TLS_URL" --cacert "$S/tls/tls-cert.pem" --root "$S/root" --list "$S/stripped.txt" --threads 2 \
            --hash "$h" >"$S/tls.img.$h" 2>&1
        rc=$?
        check_eq "per image over https, exit status ($h; $(tail -n 1 "$S/tls.img.$h"))" "$rc" 0
        check_eq "per image over https, the bytes PUT back ($h)" "$(value floor_put_bytes "$S/tls.img.$h")" \
            "$STRIPPED_BYTES"
        "$FLOOR" --url "$TLS_URL" --cacert "$S/tls/tls-cert.pem" --root "$S/root" --stream big.jpg --part 65536 \
            --put-bytes 200000 --hash "$h" >"$S/tls.st.$h" 2>&1
        rc=$?
        check_eq "streamed over https, exit status ($h; $(tail -n 1 "$S/tls.st.$h"))" "$rc" 0
        check_eq "streamed over https, every byte fetched ($h)" "$(value floor_bytes "$S/tls.st.$h")" 300000
        check_eq "streamed over https, the stripped size PUT ($h)" "$(value floor_put_bytes "$S/tls.st.$h")" 200000
        check_eq "streamed over https, one GET and four part PUTs on two connections ($h)" \
            "$(value floor_requests "$S/tls.st.$h") $(value floor_connections "$S/tls.st.$h")" "5 2"
    done
}

# Peer verification is on: another certificate, or the system's CAs, fail.
t_https_peer_with_a_wrong_ca_fails() {
    ready || return
    [ -n "$TLS_URL" ] || { es_fail "the https peer did not start (openssl there?)"; return; }
    local ca
    for ca in other none; do
        if [ "$ca" = other ]; then
            "$FLOOR" --url "$TLS_URL" --cacert "$S/other/tls-cert.pem" --root "$S/root" --list "$S/one.txt" >"$S/badca.$ca" 2>&1
        else
            "$FLOOR" --url "$TLS_URL" --root "$S/root" --list "$S/one.txt" >"$S/badca.$ca" 2>&1
        fi
        check_eq "exit status trusting $ca" "$?" 1
        check "a failed GET, with curl's reason ($ca: $(tail -n 1 "$S/badca.$ca"))" \
            grep -qE 'GET failed: .*(certificate|SSL)' "$S/badca.$ca"
        check "no result printed ($ca)" bash -c "! grep -q '^# floor_cpu_ms' '$S/badca.$ca'"
    done
}

# --hash crc64nvme: the peer states each object's CRC-64/NVME and verifies each
# PUT's; a peer stating a wrong CRC fails the run, one that verifies nothing too.
t_crc64nvme_checked_both_ways() {
    ready || return
    command -v curl >/dev/null || { es_skip "no curl command"; return; }
    # the catalogue's check value of "123456789": 0xAE8B14860A799888
    local check_b64=rosUhgp5mIg= rc
    printf 123456789 >"$S/root/check.txt"
    check_eq "the peer states the CRC-64/NVME of a GET when asked" \
        "$(curl -s -D - -o /dev/null -H 'x-amz-checksum-mode: ENABLED' "$ROOT_URL/check.txt" |
            sed -n 's/^x-amz-checksum-crc64nvme: \(.*\)\r$/\1/p')" "$check_b64"
    check_eq "a PUT with the right CRC-64/NVME is verified" \
        "$(curl -s -w ' %{http_code}' -X PUT -H "x-amz-checksum-crc64nvme: $check_b64" --data-binary 123456789 \
            "$ROOT_URL/out/x" | tr -d '\n')" "9 crc64nvme-verified 200"
    check_eq "a PUT with a wrong CRC-64/NVME: 400" \
        "$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "x-amz-checksum-crc64nvme: $check_b64" \
            --data-binary 123456780 "$ROOT_URL/out/x")" 400
    "$FLOOR" --url "$ROOT_URL" --root "$S/root" --stream big.jpg --part 65536 --put-bytes 200000 \
        --hash crc64nvme >"$S/crc.ok" 2>&1
    check_eq "the floor in crc64nvme mode ($(tail -n 1 "$S/crc.ok"))" "$?" 0
    # a peer stating a CRC that is not the body's, and verifying nothing
    start_node -e '
        const s = require("node:http").createServer((req, res) => {
            req.resume();
            req.on("end", () => {
                if (req.method === "GET") {
                    const b = Buffer.alloc(70000);
                    res.writeHead(200, { "content-length": b.length, "x-amz-checksum-crc64nvme": "AAAAAAAAAAA=" });
                    res.end(b);
                    return;
                }
                res.writeHead(200); res.end(`${req.headers["content-length"]}\n`);
            });
        });
        s.listen(0, "127.0.0.1", () => console.log(`http://127.0.0.1:${s.address().port}`));'
    [ -n "$URL" ] || { es_fail "the lying peer did not start"; return; }
    "$FLOOR" --url "$URL" --root "$S/root" --list "$S/one.txt" --hash crc64nvme >"$S/crc.bad" 2>&1
    rc=$?
    check_eq "a GET whose body does not have the stated CRC fails the run" "$rc" 1
    check "the error says so" grep -q "the body's x-amz-checksum-crc64nvme is .*, the peer stated 'AAAAAAAAAAA='" \
        "$S/crc.bad"
}

# --hash sha256+crc64nvme: both digests on every PUT, each verified by the peer;
# a peer that verifies only one of them fails the run.
t_sha256_and_crc64nvme_both_checked() {
    ready || return
    command -v curl >/dev/null || { es_skip "no curl command"; return; }
    local check_b64=rosUhgp5mIg= check_sha rc verified
    check_sha=$(printf 123456789 | sha256sum | cut -d' ' -f1)
    check_eq "a PUT with the right SHA-256 and CRC-64/NVME is verified twice" \
        "$(curl -s -w ' %{http_code}' -X PUT -H "x-amz-content-sha256: $check_sha" \
            -H "x-amz-checksum-crc64nvme: $check_b64" --data-binary 123456789 "$ROOT_URL/out/x" | tr -d '\n')" \
        "9 sha256-verified crc64nvme-verified 200"
    check_eq "the right SHA-256 but a wrong CRC-64/NVME: 400" \
        "$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "x-amz-content-sha256: $check_sha" \
            -H "x-amz-checksum-crc64nvme: AAAAAAAAAAA=" --data-binary 123456789 "$ROOT_URL/out/x")" 400
    check_eq "a wrong SHA-256 but the right CRC-64/NVME: 400" \
        "$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "x-amz-content-sha256: ${check_sha//[0-9]/0}" \
            -H "x-amz-checksum-crc64nvme: $check_b64" --data-binary 123456789 "$ROOT_URL/out/x")" 400
    "$FLOOR" --url "$ROOT_URL" --root "$S/root" --stream big.jpg --part 65536 --put-bytes 200000 \
        --hash sha256+crc64nvme >"$S/both.ok" 2>&1
    check_eq "the floor in sha256+crc64nvme mode ($(tail -n 1 "$S/both.ok"))" "$?" 0
    check_eq "its mode reported" "$(value floor_hash "$S/both.ok")" sha256+crc64nvme
    # a peer serving "123456789" with its CRC that says it verified only what its argument names
    printf 123456789 >"$S/root/nine.jpg"
    echo nine.jpg >"$S/nine.txt"
    for verified in "sha256-verified crc64nvme-verified" sha256-verified crc64nvme-verified; do
        start_node -e '
            const s = require("node:http").createServer((req, res) => {
                req.resume();
                req.on("end", () => {
                    if (req.method === "GET") {
                        res.writeHead(200, { "content-length": 9, "x-amz-checksum-crc64nvme": "rosUhgp5mIg=" });
                        res.end("123456789");
                        return;
                    }
                    res.writeHead(200); res.end(`${req.headers["content-length"]} ${process.argv[1]}\n`);
                });
            });
            s.listen(0, "127.0.0.1", () => console.log(`http://127.0.0.1:${s.address().port}`));' "$verified"
        [ -n "$URL" ] || { es_fail "the peer verifying '$verified' did not start"; return; }
        "$FLOOR" --url "$URL" --root "$S/root" --list "$S/nine.txt" --hash sha256+crc64nvme >"$S/half.out" 2>&1
        rc=$?
        case $verified in
        *" "*) check_eq "a peer that verified both: the run passes ($(tail -n 1 "$S/half.out"))" "$rc" 0 ;;
        sha256-verified)
            check_eq "a peer that did not verify the CRC fails the run" "$rc" 1
            check "the error says so" grep -q 'did not verify the x-amz-checksum-crc64nvme' "$S/half.out" ;;
        *)
            check_eq "a peer that did not verify the SHA-256 fails the run" "$rc" 1
            check "the error says so" grep -q 'did not verify the x-amz-content-sha256' "$S/half.out" ;;
        esac
    done
}

t_put_size_above_the_photo_refused() {
    ready || return
    printf 'big.jpg\t300001\n' >"$S/toobig.txt"
    "$FLOOR" --url "$ROOT_URL" --root "$S/root" --list "$S/toobig.txt" >"$S/toobig.out" 2>&1
    check_eq "exit status" "$?" 1
    check "the error names it" grep -q 'big.jpg: 300001 bytes to PUT, but the photo has 300000' "$S/toobig.out"
}

t_stream_goes_out_in_parts() {
    ready || return
    local h rc
    for h in none sha256 crc64nvme sha256+crc64nvme; do
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
        # --put-bytes: the first 200000 bytes go out (3 full parts + 3392), all 300000 come in
        "$FLOOR" --url "$ROOT_URL" --root "$S/root" --stream big.jpg --part 65536 --put-bytes 200000 --hash "$h" \
            >"$S/stc.$h" 2>&1
        rc=$?
        check_eq "exit status with --put-bytes ($h; $(tail -n 2 "$S/stc.$h"))" "$rc" 0
        check_eq "every byte fetched with --put-bytes ($h)" "$(value floor_bytes "$S/stc.$h")" 300000
        check_eq "the stripped size PUT ($h)" "$(value floor_put_bytes "$S/stc.$h")" 200000
        check_eq "one GET and four part PUTs ($h)" "$(value floor_requests "$S/stc.$h")" 5
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

# A peer that accepts any PUT but never checks a digest (answers the byte count
# only): the floor in sha256 mode must fail against it, in none mode not.
start_lax_peer() {
    start_node -e '
        const http = require("node:http");
        const s = http.createServer((req, res) => {
            let n = 0;
            req.on("data", (c) => { n += c.length; });
            req.on("end", () => {
                if (req.method === "GET") { const b = Buffer.alloc(70000); res.writeHead(200, { "content-length": b.length }); res.end(b); return; }
                res.writeHead(200); res.end(`${n}\n`);
            });
        });
        s.listen(0, "127.0.0.1", () => console.log(`http://127.0.0.1:${s.address().port}`));'
    LAX_URL=$URL
}

t_client_requires_a_verified_digest() {
    ready || return
    start_lax_peer
    [ -n "$LAX_URL" ] || { es_fail "the lax peer did not start"; return; }
    local rc
    "$FLOOR" --url "$LAX_URL" --root "$S/root" --list "$S/one.txt" --hash none >"$S/lax.none" 2>&1
    rc=$?
    check_eq "without a digest a byte count is enough ($(tail -n 1 "$S/lax.none"))" "$rc" 0
    "$FLOOR" --url "$LAX_URL" --root "$S/root" --list "$S/one.txt" --hash sha256 >"$S/lax.sha" 2>&1
    check_eq "with --hash sha256 a peer that did not verify the digest fails the run" "$?" 1
    check "the error says so" grep -q 'the peer did not verify the x-amz-content-sha256 digest' "$S/lax.sha"
}

t_stalled_peer_fails_the_run() {
    ready || return
    local rc t0
    start_node -e '
        const s = require("node:http").createServer(() => {});   // reads the request, never answers
        s.listen(0, "127.0.0.1", () => console.log(`http://127.0.0.1:${s.address().port}`));'
    [ -n "$URL" ] || { es_fail "the stalled peer did not start"; return; }
    t0=$SECONDS
    timeout 20 "$FLOOR" --url "$URL" --root "$S/root" --list "$S/one.txt" --low-speed-time 1 >"$S/stall.out" 2>&1
    rc=$?
    check_eq "exit status against a peer that never answers" "$rc" 1
    check "it gave up after the low-speed time, well before 20 s ($((SECONDS - t0)) s)" [ $((SECONDS - t0)) -lt 10 ]
    check "the error names the failed GET" grep -q 'GET failed: ' "$S/stall.out"
}

t_environment_proxy_is_not_used() {
    ready || return
    local rc
    # a proxy that does not exist: used, it would fail every request
    http_proxy=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 ALL_PROXY=http://127.0.0.1:9 NO_PROXY= \
        "$FLOOR" --url "$ROOT_URL" --root "$S/root" --list "$S/one.txt" --hash sha256 >"$S/proxy.out" 2>&1
    rc=$?
    check_eq "exit status with http_proxy set ($(tail -n 1 "$S/proxy.out"))" "$rc" 0
}

t_peer_checks_the_digest() {
    ready || return
    command -v curl >/dev/null || { es_skip "no curl command"; return; }
    local good bad
    good=$(sha256sum <"$S/root/sub/b.jpg" | cut -d' ' -f1)
    bad=$(printf '%s' "$good" | tr '0-9a-f' 'a-f0-9')
    check_eq "a matching digest: 200 and the byte count" \
        "$(curl -s -w ' %{http_code}' -X PUT -H "x-amz-content-sha256: $good" --data-binary "@$S/root/sub/b.jpg" "$ROOT_URL/out/x" | tr -d '\n')" \
        "70000 sha256-verified 200"
    check_eq "a wrong digest: 400" \
        "$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "x-amz-content-sha256: $bad" --data-binary "@$S/root/sub/b.jpg" "$ROOT_URL/out/x")" \
        400
    check_eq "no digest: 200 and the byte count, not verified" \
        "$(curl -s -w ' %{http_code}' -X PUT --data-binary "@$S/root/sub/b.jpg" "$ROOT_URL/out/x" | tr -d '\n')" \
        "70000 200"
}

es_run t_per_image_moves_every_byte
es_run t_https_peer_with_its_certificate
es_run t_https_peer_with_a_wrong_ca_fails
es_run t_crc64nvme_checked_both_ways
es_run t_sha256_and_crc64nvme_both_checked
es_run t_put_size_above_the_photo_refused
es_run t_stream_goes_out_in_parts
es_run t_unserved_get_fails
es_run t_client_requires_a_verified_digest
es_run t_stalled_peer_fails_the_run
es_run t_environment_proxy_is_not_used
es_run t_peer_checks_the_digest
es_finish
