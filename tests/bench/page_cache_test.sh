#!/usr/bin/env bash
# page_cache_test.sh - tests/bench/page_cache.py, which the large-photo rounds
# of `make bench` use: a file written in one large write maps mostly with
# 2 MiB entries when the kernel caches it in such folios, one written 4 KiB at
# a time maps with none (or the kernel does not say: None); read_back_from_disk
# drops a file's cached pages (all of them, mincore) and reads it back whole,
# its bytes unchanged; an empty file has no share.
source "$(dirname "$0")/../harness/lib.sh"
cd "$ES_ROOT" || exit 1

S=$(mktemp -d "${TMPDIR:-/tmp}/es-page-cache-test.XXXXXX")
trap 'rm -rf "$S"' EXIT

py() {
    /usr/bin/python3 - "$S" <<PY
import os, sys
sys.path.insert(0, "tests/bench")
import page_cache
work = sys.argv[1]
$1
PY
}

t_small_writes_map_with_no_huge_entries() {
    check_eq "a file written 4 KiB at a time" "$(py '
path = os.path.join(work, "small")
with open(path, "wb", buffering=0) as fh:
    for i in range(2048):
        fh.write(bytes([i % 251]) * 4096)
share = page_cache.huge_mapped_share(path)
print("none" if share is None or share == 0 else share)')" "none"
    check_eq "an empty file" "$(py '
open(os.path.join(work, "empty"), "wb").close()
print(page_cache.huge_mapped_share(os.path.join(work, "empty")))')" "None"
}

t_share_is_a_fraction() {
    local got
    got=$(py '
path = os.path.join(work, "big")
with open(path, "wb", buffering=0) as fh:
    fh.write(os.urandom(16 << 20))
share = page_cache.huge_mapped_share(path)
print("none" if share is None else ("ok" if 0 <= share <= 1 else share))')
    check "a file written in one 16 MiB write: a share in [0, 1] or none ($got)" grep -qxE 'ok|none' <<<"$got"
}

t_read_back_drops_and_rereads() {
    case "$(stat -f -c %T "$S")" in tmpfs|ramfs)
        es_skip "$S is in memory (tmpfs): its pages cannot be dropped"; return ;;
    esac
    check_eq "dropped, every page cached again, bytes unchanged" "$(py '
import hashlib
path = os.path.join(work, "back")
data = os.urandom((8 << 20) + 123)
with open(path, "wb") as fh:
    fh.write(data)
dropped = page_cache.read_back_from_disk(path)
fd = os.open(path, os.O_RDONLY)
cached = page_cache.cached_pages(fd)
os.close(fd)
same = open(path, "rb").read() == data
print(dropped, cached == ((8 << 20) + 123 + 4095) // 4096, same)')" "True True True"
}

es_run t_small_writes_map_with_no_huge_entries
es_run t_share_is_a_fraction
es_run t_read_back_drops_and_rereads
es_finish
