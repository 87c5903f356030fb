#!/usr/bin/env bash
# bench_smoke_test.sh - keeps `make bench` from rotting: runs the benchmark
# harness (tests/bench/run-bench.sh --quick: a few photos, one run, no ~1 GB
# photo, its own emulator) against this build tree, writing to a temporary
# file, and checks the RESULTS.md format: machine description, the targets
# table with MET/MISS verdicts (the worker's idle RSS after work among them), the CLI table, the residue table (exifstrip's
# outputs clean, cp's carrying what the inputs carry), the worker tables (the
# worker's outputs clean too), the libcurl floor's rows beside exifstrip's
# (never a target; the large photo's over https too, with the worker's start-up over https) and the README summary block; the committed RESULTS.md and
# README.md stay untouched. A report without the floor (no Node.js) says why.
# The page faults: the machine's fault cost (fault_cost_bench, whose counts
# say each way did what it claims) and the worker's faults and user / sys
# CPU per image, per MB and at start-up, consistent with the raw counts.
# The phone photo turned (CLI and worker): every output upright, a peer's
# sideways output (or turned 270 for 90) reported as such, exifstrip's
# failing the run, jpegcmp's reason quoted when it cannot compare an output
# (not a JPEG); a peer failing on it reported as failed with its error,
# none of its times shown.
# Also: a peer tool that fails on every file fails the run with a
# clear message. Times are not checked (benchmarks are informational).
source "$(dirname "$0")/../harness/lib.sh"

S=$(mktemp -d "${TMPDIR:-/tmp}/es-bench-smoke.XXXXXX")
trap 'rm -rf "$S"' EXIT
RUN_BENCH=$ES_ROOT/tests/bench/run-bench.sh
export ES_BENCH_NO_INSTALL=1

for f in "$ES_BUILD/bench/strip_bench" "$ES_BUILD/bench/relay_bench" "$ES_BUILD/bench/curl_floor_bench" \
    "$ES_BUILD/bench/fault_cost_bench" \
    "$ES_BUILD/tests/tools/mkfixture" "$EXIFSTRIP"; do
    [ -x "$f" ] || { echo "missing $f (make BUILD=... test-build)"; echo "# summary: 0 passed, 1 failed, 0 skipped"; exit 1; }
done

# table_row FILE SECTION-HEADING FIRST-CELL: the cells of that row of the first
# table after the heading, one per line.
hash_of() { [ -e "$1" ] && sha256sum <"$1"; }

table_row() {
    awk -v h="$2" -v c="$3" '
        index($0, h) == 1 { in_s = 1; next }
        in_s && /^## / { exit }
        in_s && /^\|/ { n = split($0, a, "|"); v = a[2]; gsub(/^ +| +$/, "", v)
                        if (v == c) { for (i = 2; i < n; i++) { x = a[i]; gsub(/^ +| +$/, "", x); print x }; exit } }' "$1"
}

t_quick_run_writes_results() {
    local readme_before results_before out=$S/RESULTS.md rc
    readme_before=$(hash_of "$ES_ROOT/README.md")
    results_before=$(hash_of "$ES_ROOT/tests/bench/RESULTS.md")
    ES_BENCH_PHOTOS=4 "$RUN_BENCH" "$ES_BUILD" --quick --out "$out" --data "$S/quick.json" >"$S/quick.log" 2>&1
    rc=$?
    check_eq "exit status of the quick run (log: $(tail -n 5 "$S/quick.log"))" "$rc" 0
    [ -s "$out" ] || { es_fail "no $out written"; return; }
    check "machine description: CPU" grep -qE '^\| CPU \| .+ \|$' "$out"
    check "machine description: kernel" grep -qE '^\| kernel \| Linux ' "$out"
    check "tool versions listed" grep -qE '^Tools: cp [0-9]' "$out"
    local verdicts bad
    verdicts=$(awk '/^## Targets/ { t = 1; next } t && /^## / { exit } t && /^\| / && !/^\| target/ { n = split($0, a, "|"); v = a[4]; gsub(/ /, "", v); print v }' "$out")
    check "at least 8 targets listed" [ "$(echo "$verdicts" | grep -c .)" -ge 8 ]
    bad=$(echo "$verdicts" | grep -vxE 'MET|MISS|n/a' | head -n 1)
    check_eq "every target has a MET/MISS verdict" "$bad" ""
    check "the worker's idle RSS after the photos is a target" \
        grep -qE '^\| idle RSS after work \([0-9]+ s after the last photo\) \| [0-9.]+ MiB \| (MET|MISS) \| <= 8 \|$' "$out"
    check "CLI table has cp" [ -n "$(table_row "$out" "## CLI: one process per file" cp)" ]
    check "CLI table has exifstrip" [ -n "$(table_row "$out" "## CLI: one process per file" exifstrip)" ]
    check "the large photo's target comes from cp and exifstrip alone (an even number of rounds), with both slowest runs and how many were slow" \
        grep -qE '^The target compares cp and exifstrip alone: 4 rounds .* = [0-9.]+× cp .* the slowest: exifstrip [0-9.]+ s, cp [0-9.]+ s; slower than 1.5× its median: exifstrip [0-4] of 4 runs, cp [0-4] of 4 runs ' "$out"
    check_eq "the large photo's target is that pair's ratio" \
        "$(awk -F'|' '/^\| CLI large photo \(/ { sub(/ \(read back.*/, "", $3); gsub(/ /, "", $3); print $3 }' "$out")" \
        "$(sed -nE 's/^The target compares cp and exifstrip alone: .* = ([0-9.]+× cp) .*/\1/p' "$out" | tr -d ' ')"
    check "the large photo read back from disk: the pair again, informational, beside the target" \
        grep -qE '^Read back from disk \(informational\): .* then 4 rounds more: exifstrip [0-9.]+ s vs cp [0-9.]+ s = [0-9.]+× cp ' "$out"
    check "the large photo's target row gives the read-back ratio too" \
        grep -qE '^\| CLI large photo \([0-9]+ MB\) vs cp \| [0-9.]+× cp \(read back from disk: [0-9.]+×, informational\) \|' "$out"
    check "the photos exifstrip does not turn are timed against cp" \
        grep -qE '^[0-9]+ of the 4 photos are turned losslessly by default: their EXIF Orientation is not 1 .* On the other [0-9]+, .* = [0-9.]+× cp' "$out"
    check "the batch form: exifstrip by default and keeping the tag, each against cp" \
        grep -qE '^\| `exifstrip strip --orientation keep -o DIR files...` \(no photo turned\) \| [0-9.]+ s \| [0-9.]+ s \| [0-9.]+× \|$' "$out"
    # Residue table columns: tool, outputs, GPS, EXIF, XMP, IPTC, comment, thumbnail, trailer, lost, unreadable, verdict
    local ex cp inp
    mapfile -t ex < <(table_row "$out" "### Residue" exifstrip)
    mapfile -t cp < <(table_row "$out" "### Residue" cp)
    mapfile -t inp < <(table_row "$out" "### Residue" "(inputs)")
    check_eq "exifstrip's outputs were all checked" "${ex[1]:-}" 4
    check_eq "exifstrip leaves no residue (GPS..trailer columns)" "${ex[*]:2:7}" "0 0 0 0 0 0 0"
    check_eq "exifstrip's verdict" "${ex[11]:-}" clean
    check_eq "cp's outputs carry what the inputs carry" "${cp[*]:2:7}" "${inp[*]:2:7}"
    check "the inputs carry some metadata (so the residue check is exercised)" \
        [ "$(( ${inp[3]:-0} + ${inp[2]:-0} + ${inp[4]:-0} ))" -gt 0 ]
    check "worker table: CPU ms per image for both" grep -qE '^\| CPU ms per image .*\| [0-9.]+ \| [0-9.]+ \|' "$out"
    check "worker table: ReceiveMessage calls per message" grep -qE '^\| ReceiveMessage calls per message \| [0-9.]+ \| [0-9.]+ \|' "$out"
    check "worker table: the large photo is byte-identical to strip's" grep -qE 'byte-identical to `strip` \| [0-9.]+ s / yes' "$out"
    check "worker table: the large photo's CPU/MB with unsigned payloads too" \
        grep -qE 'MB photo: CPU ms per MB \(http, UNSIGNED-PAYLOAD as over https\) \| [0-9.]+ \|' "$out"
    check "worker table: the large photo's CPU/MB over https" \
        grep -qE 'MB photo: CPU ms per MB \(https: auto = UNSIGNED-PAYLOAD \+ CRC64NVME\) \| [0-9.]+ \|' "$out"
    local wex
    check "worker table: the start-up CPU every big-photo run pays" \
        grep -qE '^\| CPU ms of `worker --drain` on an empty queue \(start-up; in every big-photo figure\) \| [0-9.]+ \|' "$out"
    check "worker table: the loopback floor under the CPU per MB" \
        grep -qE '^\| loopback floor: CPU ms per MB received and sent on, no HTTP \(relay_bench\) \| [0-9.]+ \|' "$out"
    mapfile -t wex < <(table_row "$out" "### Residue in the workers" exifstrip)
    check_eq "the worker's outputs were all checked" "${wex[1]:-}" 4
    check_eq "the worker's outputs carry no residue" "${wex[*]:2:7}" "0 0 0 0 0 0 0"
    check "concurrency table has concurrency 1" [ -n "$(table_row "$out" "### exifstrip worker at several" 1)" ]
    local floor_rows
    floor_rows=$(awk '/bench-summary:begin/ { s = 1 } /bench-summary:end/ { s = 0 } s' "$out" |
        grep -cE '^\| libcurl floor per (image \(CPU ms; 4 photos, GET \+ PUT, 4 connections; median \(lowest–highest run\)\)|MB, [0-9]+ MB photo .*\)) \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \(')
    check_eq "summary: the libcurl floor per image and per MB beside exifstrip's" "$floor_rows" 2
    check "summary: where the targets lie against the floor" \
        grep -qE "^On this machine per image exifstrip's worker spends [0-9.]+× the libcurl floor .* per-image target \([0-9.]+ ms\) is (above|below|within noise of) .*; per MB .* target \(0.50 ms/MB\) is (above|below|within noise of) " "$out"
    check "worker section: how the floor was measured" grep -qE '^\| per image: 4 photos, 4 threads \| CPU ms/image \| [0-9.]+ \| [0-9.]+ \| 1 \| 8 \| [1-4] \|$' "$out"
    check "summary: the large photo's floor over https, exifstrip's https run against its TLS + CRC-64/NVME floor" \
        grep -qE '^\| libcurl floor per MB over https \(TLS\), [0-9]+ MB photo \(CPU ms/MB; .*\)\) \| [0-9.]+ \| – \| [0-9.]+ \(https: UNSIGNED-PAYLOAD \+ CRC64NVME\) = [0-9.]+× its floor \(TLS \+ CRC-64/NVME\) \| ≤ 0\.50 \|$' "$out"
    check "worker section: the https floor's run, one GET and the PUTs on two connections" \
        grep -qE '^\| per MB over https \(TLS\): the [0-9]+ MB photo streamed \| CPU ms/MB \| [0-9.]+ \| – \| 1 \| [2-9][0-9]* \| 2 \|$' "$out"
    check "worker section: the https run has a floor now" grep -qF 'The https run (TLS, UNSIGNED-PAYLOAD + CRC64NVME) has its floor over TLS' "$out"
    check "worker section: the start-up over https, measured" \
        grep -qE '^\| CPU ms of `worker --drain` on an empty queue over https \(start-up with the CA store and a TLS connection; in the https figure\); minor page faults \| [0-9.]*[1-9][0-9.]*; [1-9][0-9]* \| – \| – \|$' "$out"
    check "summary: the floor's columns are the worker's two modes, each with its CRC-64/NVME" grep -qF \
        "| informational, not a target | floor: unsigned: CRC-64/NVME of each GET and PUT body | floor: signed: SHA-256 of each PUT body + CRC-64/NVME of each GET and PUT body |" "$out"
    check_eq "the floor ran in the worker's modes: per image, per MB, over https" "$(/usr/bin/python3 -c '
import json, sys
w = json.load(open(sys.argv[1]))["worker"]
print(sorted(w["curl_floor"]["images"]), sorted(w["large"]["curl_floor"]), sorted(w["large"]["curl_floor_https"]))' \
        "$S/quick.json")" "['crc64nvme', 'sha256+crc64nvme'] ['crc64nvme', 'sha256+crc64nvme'] ['crc64nvme']"
    check "the floor is never a target" bash -c "! awk '/^## Targets/,/^## In-process/' '$out' | grep -qi 'floor'"
    check "summary block for the README" grep -qF '<!-- bench-summary:begin' "$out"
    check "the summary block is printed" grep -qF '<!-- bench-summary:end -->' "$S/quick.log"
    check_eq "README.md untouched" "$(hash_of "$ES_ROOT/README.md")" "$readme_before"
    check_eq "committed RESULTS.md untouched" "$(hash_of "$ES_ROOT/tests/bench/RESULTS.md")" "$results_before"
}

# The page-fault figures of the quick run: rows in RESULTS.md, and the JSON's
# per-image and per-MB figures computed from its raw counts (one run each, so
# user + sys is the CPU exactly). The probe's counts are deterministic: a
# fault per page written, none trapped after MADV_POPULATE_WRITE, which
# getrusage counts as a fault too (not under ASan: its shadow memory faults).
t_quick_run_counts_faults() {
    local out=$S/RESULTS.md
    if [ ! -s "$S/quick.json" ] || [ ! -s "$out" ]; then
        es_fail "the quick run saved no measurements"
        return
    fi
    check "Machine: a page fault's CPU" \
        grep -qE '^\| page fault: CPU for the first write to a fresh page \(fault_cost_bench, median of 3 rounds of 1024 pages\) \| [0-9.]+ µs \|$' "$out"
    check "Machine: a populated page's CPU, and the call's" \
        grep -qE '^\| page populated with MADV_POPULATE_WRITE, then written \(the call alone\) \| [0-9.]+ µs \([0-9.]+ µs\) \|$' "$out"
    check "worker: faults per image for both" \
        grep -qE '^\| minor page faults per image \(start-up included\) \| [0-9.]+ \| [0-9.]+ \| [0-9.]+× \|$' "$out"
    check "worker: user / sys per image for both" \
        grep -qE '^\| user / sys CPU ms per image \| [0-9.]+ / [0-9.]+ \| [0-9.]+ / [0-9.]+ \| – \|$' "$out"
    check "worker: the faults at the machine's cost" grep -qE '^\| those faults at [0-9.]+ µs each .* \| [0-9.]+ \| [0-9.]+ \| – \|$' "$out"
    check_eq "large photo: user / sys and faults per MB for each of its 3 runs" \
        "$(grep -cE '^\| [0-9]+ MB photo: user / sys CPU ms per MB; minor page faults per MB \(.*\) \| [0-9.]+ / [0-9.]+; [0-9.]+ \|' "$out")" 3
    check "start-up: user / sys and faults" \
        grep -qE '^\| start-up: user / sys CPU ms; minor page faults \| [0-9.]+ / [0-9.]+; [0-9]+ \| – \| – \|$' "$out"
    check "worker: the run with no photo turned, beside the baseline" \
        grep -qE '^\| CPU ms per image with no photo turned \(.*\); faults per image \| [0-9.]+; [0-9.]+ \| [0-9.]+ \| [0-9.]+× \|$' "$out"
    check "sweep: user / sys and faults columns" \
        grep -qE '^\| 1 \| [0-9]+ \| [0-9.]+ \| [0-9.]+ / [0-9.]+ \| [0-9.]+ \| ' "$out"
    check "summary: the page-fault sentence" \
        grep -qE "^Page faults: exifstrip's worker takes [0-9.]+ minor page faults per image .*; here a page fault costs [0-9.]+ µs of CPU, a populated page [0-9.]+ µs " "$out"
    local bad
    bad=$(/usr/bin/python3 - "$S/quick.json" "$out" <<'PY'
import json, math, sys
d = json.load(open(sys.argv[1])); w = d["worker"]; text = open(sys.argv[2]).read()
bad = []
def same(what, got, want):
    if got is None or want is None or not math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9):
        bad.append(f"{what}: {got} != {want}")
runs = [("compare " + k, r, r["images"], "image") for k, r in w["compare"].items()]
runs += [("compare exifstrip keep", w["compare_keep"], w["compare_keep"]["images"], "image")]
runs += [(f"sweep {s['concurrency']}", s, s["images"], "image") for s in w["sweep"]]
runs += [(f"large {k}", w["large"][k], w["large"]["bytes"] / 1e6, "mb")
         for k in ("exifstrip", "exifstrip_unsigned", "exifstrip_https", "baseline") if k in w["large"]]
for name, r, units, unit in runs:
    if not r.get("minflt"):
        bad.append(f"{name}: no page faults counted ({r.get('minflt')})")
        continue
    same(f"{name} faults per {unit}", r[f"faults_per_{unit}"], r["minflt"] / units)
    same(f"{name} user + sys per {unit}", r[f"user_ms_per_{unit}"] + r[f"sys_ms_per_{unit}"], r[f"cpu_ms_per_{unit}"])
    same(f"{name} user per {unit}", r[f"user_ms_per_{unit}"], 1000 * r["user_s"] / units)
st = w["startup"]
same("start-up user + sys", st["user_ms"] + st["sys_ms"], st["cpu_ms"])
sth = w["large"]["exifstrip_https"]["startup_https"]
same("start-up over https user + sys", sth["user_ms"] + sth["sys_ms"], sth["cpu_ms"])
if not st["faults"] > 0:
    bad.append(f"start-up faults {st['faults']}")
ex = w["compare"]["exifstrip"]
if f"| minor page faults per image (start-up included) | {ex['faults_per_image']:.1f} |" not in text:
    bad.append("RESULTS.md's faults per image differ from the measurements")
print("\n".join(bad))
PY
)
    check_eq "the figures agree with the raw counts" "$bad" ""
    if nm "$ES_BUILD/bench/fault_cost_bench" 2>/dev/null | grep -q __asan_init; then
        return
    fi
    check_eq "fault_cost_bench: a fault per page written; after populating, none trapped but one counted" \
        "$(/usr/bin/python3 - "$S/quick.json" <<'PY'
import json, sys
fc = json.load(open(sys.argv[1]))["fault_cost"]
want = {"fault_minflt_per_page": 1, "fault_traps_per_page": 1}
if fc.get("populate_supported"):
    want.update(populated_minflt_per_page=1, populated_traps_per_page=0)
if "fault_traps_per_page" not in fc:   # perf_event_open refused here: no trap counts
    want = {k: v for k, v in want.items() if "traps" not in k}
got = {k: round(fc[k], 2) if k in fc else "missing" for k in want}
print("as claimed" if got == want else f"{got} (want {want})")
PY
)" "as claimed"
}

# Without Node.js the floor is skipped: the report says why instead of its rows.
t_floor_skipped_is_reported() {
    [ -s "$S/quick.json" ] || { es_fail "the quick run saved no measurements"; return; }
    /usr/bin/python3 -c 'import json, sys
d = json.load(open(sys.argv[1])); w = d["worker"]
w["curl_floor"] = {"skipped": "Node.js not found"}
for k in ("large", "huge"):
    (w.get(k) or {}).pop("curl_floor", None)
json.dump(d, open(sys.argv[2], "w"))' "$S/quick.json" "$S/skipped.json" || { es_fail "cannot edit the measurements"; return; }
    "$RUN_BENCH" "$ES_BUILD" --render "$S/skipped.json" --out "$S/skipped.md" >"$S/skipped.log" 2>&1
    check_eq "exit status of --render" "$?" 0
    check "the summary says the floor was not run, and why" \
        grep -qxF 'libcurl floor (what GET + PUT alone cost in libcurl): not run: Node.js not found.' "$S/skipped.md"
    check "no floor rows" bash -c "! grep -q '^| libcurl floor' '$S/skipped.md'"
    check "the worker section says so too" grep -qxF 'Not run: Node.js not found.' "$S/skipped.md"
}

# The phone photo turned (a small one in quick mode): every tool's output
# displays upright, exifstrip's is jpegtran's bytes and clean, keep's is
# clean too; the worker's outputs, turned and kept, are strip's bytes.
t_quick_run_turns_the_phone_photo() {
    local out=$S/RESULTS.md head="## A phone photo turned" row name
    [ -s "$out" ] || { es_fail "the quick run wrote no results"; return; }
    check "the section, with the small photo" grep -qE '^## A phone photo turned \(generated 640x480, .*EXIF Orientation 6' "$out"
    # columns: tool version rounds wall CPU RSS MP/s vs upright =jpegtran residue how
    for name in exifstrip "exifstrip --orientation keep" jpegtran jhead; do
        if [ "$name" = jpegtran ] || [ "$name" = jhead ]; then
            command -v "$name" >/dev/null || continue
        fi
        mapfile -t row < <(table_row "$out" "$head" "$name")
        check_eq "$name: a row with its times" "$(printf '%s\n' "${row[3]:-}" "${row[4]:-}" "${row[6]:-}" | grep -cE '^[0-9.]+$')" 3
        check_eq "$name: its output displays upright" "${row[8]:-}" yes
    done
    mapfile -t row < <(table_row "$out" "$head" exifstrip)
    check_eq "exifstrip leaves no residue" "${row[10]:-}" clean
    command -v jpegtran >/dev/null && check_eq "exifstrip's output is jpegtran's bytes" "${row[9]:-}" yes
    mapfile -t row < <(table_row "$out" "$head" "exifstrip --orientation keep")
    check_eq "keep leaves no residue but the tag" "${row[10]:-}" clean
    check "what the turn costs on top of stripping" grep -qE '^The turn costs exifstrip -?[0-9]+ ms of wall time and -?[0-9]+ CPU ms on top' "$out"
    check "the worker's runs are queues of the photo, not one photo" \
        grep -qE 'each run is one worker process over 3 copies of the photo under as many keys' "$out"
    for mode in "apply (default)" keep; do
        mapfile -t row < <(table_row "$out" "$head" "EXIFSTRIP_ORIENTATION=$mode")
        check_eq "worker, $mode: CPU per photo" "$(grep -cE '^[0-9.]+$' <<<"${row[1]:-}")" 1
        check_eq "worker, $mode: byte-identical to strip's" "${row[5]:-}" yes
    done
    check "summary: the phone photo's line, every output upright" \
        grep -qE '^A phone photo taken in portrait \(640x480, .*; every output displays upright\. Through the worker: [0-9]+ CPU ms per such photo turned, [0-9]+ with EXIFSTRIP_ORIENTATION=keep' "$out"
}

# portrait_run EXIFSTRIP [PATH-PREFIX]: cli_bench.portrait_bench on a small
# phone photo with that exifstrip and the tools PATH finds; prints each
# tool's "name upright" and "name timed True|False" (whether its result has
# times), the report's summary line and section, or the BenchError.
portrait_run() {
    PATH=${2:+$2:}$PATH /usr/bin/python3 - "$1" "$ES_BUILD" "$S/portrait" "$ES_ROOT" <<'PY'
import os, shutil, sys
sys.path.insert(0, os.path.join(sys.argv[4], "tests/bench"))
import bench, cli_bench, report
from bench_lib import BenchError
exifstrip, build, work = sys.argv[1:4]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
try:
    tools = cli_bench.available_tools(exifstrip, [])
    path, pt = bench.portrait_photo(os.path.join(build, "tests/tools/mkfixture"), work, True)
    pt["tools"] = cli_bench.portrait_bench(exifstrip, os.path.join(build, "tests/tools/jpegcmp"), tools, path,
                                           pt["megapixels"], work, 1)
except BenchError as err:
    print(f"BenchError: {err}")
    sys.exit(0)
pt["runs"] = 1
for name, r in pt["tools"].items():
    print(name, r["upright"])
    print(name, "timed", bool(r["walls"] or r["cpus"] or "wall" in r or "cpu" in r or r.get("mp_s")))
print(report.portrait_sentence({"portrait": pt}))
print("\n".join(report.portrait_section(pt, None)))
PY
}

# fake_jpegtran DIR [TURN]: DIR/jpegtran runs the real one with its -rotate
# replaced by -rotate TURN (without TURN: no -rotate, the photo stays sideways).
fake_jpegtran() {
    local real
    real=$(command -v jpegtran) || return 1
    mkdir -p "$1"
    printf '#!/bin/bash\n# jpegtran with -rotate N replaced by: %s\nturn=%q\na=()\nwhile [ $# -gt 0 ]; do\n    if [ "$1" = -rotate ]; then\n        shift 2\n        [ -n "$turn" ] && a+=(-rotate "$turn")\n        continue\n    fi\n    a+=("$1"); shift\ndone\nexec %q "${a[@]}"\n' \
        "${2:-nothing}" "${2:-}" "$real" >"$1/jpegtran"
    chmod +x "$1/jpegtran"
}

# reported_not_upright DIR [TURN]: portrait_run with fake_jpegtran DIR TURN;
# checks that jpegtran's output is reported NOT upright (its result, its row,
# the summary; jhead's too, as it runs jpegtran) and exifstrip's upright.
# Returns 1 when jpegtran is not installed.
reported_not_upright() {
    local got
    fake_jpegtran "$1" "${2:-}" || return 1
    got=$(portrait_run "$EXIFSTRIP" "$1")
    check "jpegtran ${2:+turning $2 }is not upright" grep -qxF "jpegtran False" <<<"$got"
    check "exifstrip still is" grep -qxF "exifstrip True" <<<"$got"
    check "the summary names it" grep -qF "; NOT upright: jpegtran" <<<"$got"
    check "its row says NO in the upright column" grep -qE '^\| jpegtran \|([^|]*\|){7} NO \|' <<<"$got"
}

# A peer whose output displays sideways is shown as such; an exifstrip whose
# output does (here: told --orientation drop, the tag gone, nothing turned)
# fails the bench.
t_wrong_pixels_are_detected() {
    local got
    reported_not_upright "$S/sideways" || { es_skip "jpegtran is not installed"; return; }
    printf '#!/bin/sh\n# strip --orientation drop: the tag gone, the photo sideways\n[ "$1" = strip ] && { shift; set -- strip --orientation drop "$@"; }\nexec %q "$@"\n' \
        "$EXIFSTRIP" >"$S/sideways/exifstrip"
    chmod +x "$S/sideways/exifstrip"
    got=$(portrait_run "$S/sideways/exifstrip")
    check_eq "an exifstrip that leaves it sideways fails the bench" "$got" \
        "BenchError: the phone photo does not display upright after exifstrip (jpegcmp pixels: not the input turned)"
}

# A jpegtran turning the other way (270 for 90): the same dimensions as the
# photo turned upright, other pixels.
t_wrong_turn_is_detected() {
    reported_not_upright "$S/wrong-turn" 270 || es_skip "jpegtran is not installed"
}

# An output `jpegcmp pixels` cannot compare (exit 2: its orientation cannot
# be read, here: not a JPEG) is not upright, and jpegcmp's reason is quoted:
# a peer's in its row and the summary, exifstrip's in the bench's error.
t_uncomparable_output_says_why() {
    local got
    command -v jpegtran >/dev/null || { es_skip "jpegtran is not installed"; return; }
    mkdir -p "$S/garbled"
    # jpegtran writing a text file to its -outfile
    printf '#!/bin/bash\nwhile [ $# -gt 0 ]; do [ "$1" = -outfile ] && { echo "not a photo" >"$2"; exit 0; }; shift; done\nexit 1\n' \
        >"$S/garbled/jpegtran"
    chmod +x "$S/garbled/jpegtran"
    got=$(portrait_run "$EXIFSTRIP" "$S/garbled")
    check "jpegtran is not upright" grep -qxF "jpegtran False" <<<"$got"
    check "exifstrip still is" grep -qxF "exifstrip True" <<<"$got"
    check "the summary quotes jpegcmp's reason" \
        grep -qE '; NOT upright: jpegtran \(jpegcmp: phone\.jpg: cannot read its EXIF Orientation: [^|]*not a JPEG' <<<"$got"
    check "its row too, in the upright column" \
        grep -qE '^\| jpegtran \|([^|]*\|){7} NO \(jpegcmp: phone\.jpg: cannot read its EXIF Orientation: [^|]*not a JPEG[^|]*\) \|' <<<"$got"
    printf '#!/bin/bash\n# strip writing a text file to its output\n[ "$1" = strip ] && { echo "not a photo" >"${@: -1}"; exit 0; }\nexec %q "$@"\n' \
        "$EXIFSTRIP" >"$S/garbled/exifstrip"
    chmod +x "$S/garbled/exifstrip"
    got=$(portrait_run "$S/garbled/exifstrip")
    check "exifstrip's failure quotes it" grep -qE \
        '^BenchError: the phone photo does not display upright after exifstrip and exifstrip --orientation keep \(jpegcmp pixels: jpegcmp: [^ ]*/phone\.jpg: cannot read its EXIF Orientation: .*not a JPEG.*\)$' <<<"$got"
}

# A peer that fails on the phone photo is reported, not fatal, and none of
# its times is shown as a result: "failed" and its error instead.
t_failing_peer_on_the_phone_photo_is_reported() {
    command -v jhead >/dev/null || { es_skip "jhead is not installed"; return; }
    mkdir -p "$S/failing"
    printf '#!/bin/sh\necho "jhead: simulated failure" >&2\nexit 1\n' >"$S/failing/jhead"
    chmod +x "$S/failing/jhead"
    local got
    got=$(portrait_run "$EXIFSTRIP" "$S/failing")
    check "jhead has no output to check" grep -qxF "jhead None" <<<"$got"
    check "jhead's result has no times" grep -qxF "jhead timed False" <<<"$got"
    check "exifstrip's has" grep -qxF "exifstrip timed True" <<<"$got"
    check "the summary says it failed, and why" \
        grep -qF ", jhead failed (exit 1: jhead: simulated failure); " <<<"$got"
    check "the summary shows no time for it" bash -c '! grep -qE "jhead [0-9.]+ ms" <<<"$1"' _ "$got"
    check "its row says failed where the times are" \
        grep -qE '^\| jhead \| [^|]+ \| – \| failed \| failed \| – \| failed \| failed \|' <<<"$got"
    check "its error under the table" \
        grep -qxF -- "- jhead failed on phone.jpg (in 1 of its passes): exit 1: jhead: simulated failure" <<<"$got"
}

t_broken_peer_fails_clearly() {
    local rc
    mkdir -p "$S/bin"
    printf '#!/bin/sh\necho "jhead: simulated breakage" >&2\nexit 3\n' >"$S/bin/jhead"
    chmod +x "$S/bin/jhead"
    PATH=$S/bin:$PATH ES_BENCH_PHOTOS=2 ES_BENCH_SKIP_WORKER=1 "$RUN_BENCH" "$ES_BUILD" --quick \
        --out "$S/broken.md" >"$S/broken.log" 2>&1
    rc=$?
    check_eq "exit status with a broken jhead" "$rc" 1
    check "the message names the tool and its error" grep -qE "FAILED: jhead is broken: .*simulated breakage" "$S/broken.log"
    check "no results file written" [ ! -e "$S/broken.md" ]
}

# A photo with an Orientation tag that exifstrip does not turn (smaller than
# one MCU: it keeps the tag) is not counted as turned beside cp; one it turns is.
t_only_photos_turned_count_as_turned() {
    "$ES_BUILD/tests/tools/mkfixture" --size 8x8 --orientation 6 "$S/tiny6.jpg" || es_fail "mkfixture tiny"
    "$ES_BUILD/tests/tools/mkfixture" --size 64x48 --orientation 6 "$S/small6.jpg" || es_fail "mkfixture small"
    "$ES_BUILD/tests/tools/mkfixture" --size 64x48 "$S/plain.jpg" || es_fail "mkfixture plain"
    local got
    got=$(/usr/bin/python3 - "$EXIFSTRIP" "$ES_ROOT" "$S" <<'PY'
import os, sys
sys.path.insert(0, os.path.join(sys.argv[2], "tests/bench"))
import cli_bench
recs = cli_bench.inspect_json(sys.argv[1], [os.path.join(sys.argv[3], n) for n in ("tiny6.jpg", "small6.jpg", "plain.jpg")])
print(" ".join(f"{n}={cli_bench.turned_by_default(recs.get(n))}" for n in ("tiny6.jpg", "small6.jpg", "plain.jpg")))
PY
)
    check_eq "turned by default" "$got" "tiny6.jpg=False small6.jpg=True plain.jpg=False"
}

es_run t_quick_run_writes_results
es_run t_only_photos_turned_count_as_turned
es_run t_quick_run_counts_faults
es_run t_floor_skipped_is_reported
es_run t_quick_run_turns_the_phone_photo
es_run t_wrong_pixels_are_detected
es_run t_wrong_turn_is_detected
es_run t_uncomparable_output_says_why
es_run t_failing_peer_on_the_phone_photo_is_reported
es_run t_broken_peer_fails_clearly
es_finish
