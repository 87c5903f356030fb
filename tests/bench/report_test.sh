#!/usr/bin/env bash
# report_test.sh - the sentence tests/bench/report.py writes about where an
# issue-11 target lies against the libcurl floor (floor_place): exact values
# are compared (a target just below a floor that rounds to the same digits is
# "below", printed with enough digits to differ), a target between a floor's
# lowest and highest run, or equal to a single run, is "within noise of" it,
# and the lowest-highest runs are printed beside each median. And the page
# faults and user / sys CPU of the worker runs (bench_lib.per_unit, the
# /usr/bin/time file) and the machine's fault cost (fault_cost_bench): their
# rows, columns and summary sentence, with exact values from made-up
# measurements, and older measurements without them still rendering. And the
# phone photo turned (CLI and worker): its rows, the turn's cost, the summary
# line, a tool whose output is not upright shown as such, a peer that failed
# on it shown as failed with its error and none of its times, and no target.
# And the worker's idle RSS after work: its target row and table row.
source "$(dirname "$0")/../harness/lib.sh"

# place TARGET "LO_MEDIAN LO_MIN LO_MAX" "HI_MEDIAN HI_MIN HI_MAX": the sentence.
place() {
    /usr/bin/python3 - "$@" <<'PY'
import sys
sys.path.insert(0, "tests/bench")
import report
t = float(sys.argv[1])
lo, hi = (tuple(float(x) for x in a.split()) for a in sys.argv[2:4])
print(report.floor_place(t, lo, hi))
PY
}
cd "$ES_ROOT" || exit 1

# check_cases: each line "name | target | lo median min max | hi median min max | sentence".
check_cases() {
    local name target lo hi want
    while IFS='|' read -r name target lo hi want; do
        check_eq "${name% }" "$(place "$target" "$lo" "$hi")" "${want# }"
    done
}

t_exact_values_decide_the_direction() {
    check_cases <<'CASES'
0.5 against 0.5004 (both 0.500 in 3 digits) | 0.5 | 0.2 0.2 0.2 | 0.5004 0.5004 0.5004 | above the unsigned floor with CRC-64/NVME (0.2000) but below the signed floor with SHA-256 + CRC-64/NVME (0.5004)
0.403 against 0.405 and 0.290 | 0.403 | 0.290 0.290 0.290 | 0.405 0.405 0.405 | above the unsigned floor with CRC-64/NVME (0.29) but below the signed floor with SHA-256 + CRC-64/NVME (0.41)
just above a floor that rounds alike | 0.4044 | 0.1 0.1 0.1 | 0.4041 0.4041 0.4041 | above the floor in both modes (0.1000 unsigned with CRC-64/NVME, 0.4041 signed with SHA-256 + CRC-64/NVME)
below both | 0.5 | 0.71 0.71 0.71 | 1.3 1.3 1.3 | below the floor in both modes (0.71 unsigned with CRC-64/NVME, 1.30 signed with SHA-256 + CRC-64/NVME): less than these GET and PUT requests and their checksums cost in libcurl alone
CASES
}

t_equal_or_inside_the_runs_is_noise() {
    check_cases <<'CASES'
equal to a single run | 0.5 | 0.2 0.2 0.2 | 0.5 0.5 0.5 | above the unsigned floor with CRC-64/NVME (0.20) but within noise of the signed floor with SHA-256 + CRC-64/NVME (0.50)
between the lowest and highest run | 0.403 | 0.29 0.28 0.30 | 0.405 0.399 0.41 | above the unsigned floor with CRC-64/NVME (0.290 (0.280–0.300)) but within noise of the signed floor with SHA-256 + CRC-64/NVME (0.405 (0.399–0.410))
within noise of both | 1 | 0.9 0.8 1.1 | 1.2 0.95 1.3 | within noise of the floor in both modes (0.90 (0.80–1.10) unsigned with CRC-64/NVME, 1.20 (0.95–1.30) signed with SHA-256 + CRC-64/NVME)
just outside the runs is not noise | 0.398 | 0.29 0.28 0.30 | 0.405 0.399 0.41 | above the unsigned floor with CRC-64/NVME (0.290 (0.280–0.300)) but below the signed floor with SHA-256 + CRC-64/NVME (0.405 (0.399–0.410))
CASES
}

# made_up_report [old|old-floor|no-populate|wrong-pixels|failed-peer|no-tls-floor|tls-floor-skipped|big-runs]:
# RESULTS.md rendered from made-up measurements, each worker run's figures
# made by bench_lib.per_unit from a usage as wait4 and /usr/bin/time give it,
# with the libcurl floor per image, per MB over http and over https;
# "no-tls-floor": results from before the floor spoke https;
# "tls-floor-skipped": its https peer did not start; "old-floor": the http
# floor measured without the worker's CRC (modes none, sha256); "old": without the
# page-fault fields, the phone photo nor the floor (older results), "no-populate": a
# kernel without MADV_POPULATE_WRITE, "wrong-pixels": jhead's phone photo
# does not display upright, "failed-peer": jhead failed on the phone photo,
# its times still in the measurements (as older results had them), "big-runs":
# the large photo's runs repeated, with their lowest and highest CPU per MB.
made_up_report() {
    /usr/bin/python3 - "${1:-}" <<'PY'
import sys
sys.path.insert(0, "tests/bench")
import report
from bench_lib import per_unit
old = sys.argv[1] == "old"

def run(cpu_s, user_s, sys_s, minflt, units, unit, **more):
    use = {"cpu_s": cpu_s, "user_s": user_s, "sys_s": sys_s, "minflt": minflt}
    r = dict(use, **per_unit(use, units, unit)) if not old else {f"cpu_ms_per_{unit}": 1000 * cpu_s / units}
    return dict(dict(r, peak_rss_kib=10240), **more)

common = dict(images_s=100, drain_tail_s=0.5, receives_per_msg=0.1, conns_per_100=2, emu_cpu_ms_per_image=1,
              emu_busy=0.5, concurrency=4)
ex = run(0.3, 0.2, 0.1, 6000, 300, "image", **common)
bl = run(2.7, 1.8, 0.9, 30000, 300, "image", **common)
big = dict(peak_rss_kib=10240, busy_s=1.0, identical=True)
w = {"photos": 300, "photo_bytes": 3e7, "max_photo_bytes": 1e6, "compare": {"exifstrip": ex, "baseline": bl},
     "idle": {k: {"rss_kib": 6000, "threads": 3} for k in ("exifstrip", "baseline")}, "sweep": [ex],
     "large": {"bytes": 5e7, "exifstrip": run(0.05, 0.02, 0.03, 1500, 50, "mb", **big),
               "exifstrip_unsigned": run(0.04, 0.02, 0.02, 1400, 50, "mb", **big),
               "baseline": run(0.3, 0.2, 0.1, 10000, 50, "mb", **big)}}
if old:
    w["startup_cpu_ms"] = 8.0
else:
    w["startup"] = {"cpu_ms": 8.0, "user_ms": 3.0, "sys_ms": 5.0, "faults": 885}
    w["idle_after_work"] = {"rss_done_kib": 9216, "rss_kib": 8704, "threads": 12, "settle_s": 14}
data = {"date": "2026-12-04 00:00 UTC", "machine": [("CPU", "test")], "machine_short": "test", "versions": [],
        "settings": "made up", "worker": w}
if not old:
    def tool(wall, cpu, upright=True, as_jpegtran=False, **left):
        res = dict({k: 0 for k in ("gps", "exif", "xmp", "iptc", "comment", "thumbnail", "trailer", "lost_colour",
                                   "unreadable")}, checked=1, **left)
        return {"walls": [wall] * 5, "wall": wall, "cpu": cpu, "peak_kib": 32768, "mp_s": 12.0 / wall,
                "upright": upright, "as_jpegtran": as_jpegtran, "residue": res, "version": "1.0", "note": "how",
                "failed": []}
    data["portrait"] = {"size": "4000x3000", "megapixels": 12.0, "mb": 6.0, "runs": 5, "desc": "generated 4000x3000",
                        "tools": {"exifstrip": tool(0.2, 0.19, as_jpegtran=True),
                                  "exifstrip --orientation keep": tool(0.01, 0.009),
                                  "jpegtran": tool(0.4, 0.39, as_jpegtran=True),
                                  "jhead": tool(0.5, 0.45, upright=sys.argv[1] != "wrong-pixels", gps=1, exif=1)}}
    if sys.argv[1] == "failed-peer":
        data["portrait"]["tools"]["jhead"].update(upright=None, as_jpegtran=None, failed=["phone.jpg"], failed_passes=6,
                                                  error="exit 1: jhead: simulated\n failure in /tmp/es-bench/x.jpg")
    w["compare_keep"] = run(0.24, 0.15, 0.09, 4500, 300, "image", **common)
    w["portrait"] = {"bytes": 6e6, "runs": 3,
                     "apply": run(0.25, 0.2, 0.05, 8000, 1, "image", identical=True, **common),
                     "keep": run(0.05, 0.03, 0.02, 2000, 1, "image", identical=True, **common)}
    data["fault_cost"] = {"fault_us_per_page": 10.0, "fault_minflt_per_page": 1.0, "fault_traps_per_page": 1.0,
                          "populated_us_per_page": 5.0, "populated_call_us_per_page": 0.5,
                          "populated_minflt_per_page": 1.0, "populated_traps_per_page": 0.0,
                          "populate_supported": 1.0, "pages_per_round": 1024.0, "rounds": 9.0}
    def floor_mode(ms, lo, hi, requests, connections, objects=1, threads=1):
        return {"cpu_ms": 0.0, "ms_per_image": ms, "ms_per_mb": ms, "ms_per_image_range": [lo, hi],
                "ms_per_mb_range": [lo, hi], "objects": objects, "bytes": 5e7, "put_bytes": 5e7, "threads": threads,
                "part_bytes": 8 << 20, "connections": connections, "requests": requests, "runs": 3}
    # before the floor computed the worker's CRC over http: "none" and "sha256"
    unsigned, signed = ("none", "sha256") if sys.argv[1] == "old-floor" else ("crc64nvme", "sha256+crc64nvme")
    w["curl_floor"] = {"images": {unsigned: floor_mode(0.5, 0.45, 0.55, 600, 4, 300, 4),
                                  signed: floor_mode(0.6, 0.55, 0.65, 600, 4, 300, 4)}}
    w["large"]["curl_floor"] = {unsigned: floor_mode(0.4, 0.35, 0.45, 14, 2), signed: floor_mode(0.9, 0.85, 0.95, 14, 2)}
    w["large"]["exifstrip_https"] = run(0.15, 0.09, 0.06, 1600, 50, "mb", **big)
    w["large"]["exifstrip_https"]["startup_https"] = {"cpu_ms": 12.5, "user_ms": 5.0, "sys_ms": 7.5, "faults": 912}
    if sys.argv[1] == "tls-floor-skipped":
        w["large"]["curl_floor_https"] = {"skipped": "the floor's https peer (node floor_peer.mjs) did not start"}
    elif sys.argv[1] != "no-tls-floor":
        w["large"]["curl_floor_https"] = {"crc64nvme": floor_mode(2.5, 2.45, 2.8, 14, 2)}
    if sys.argv[1] == "big-runs":
        w["large"]["exifstrip"].update(cpu_ms_per_mb_range=[0.95, 1.2], runs=3)
        w["large"]["exifstrip_unsigned"].update(cpu_ms_per_mb_range=[0.798, 0.8032], runs=3)   # 0.80 both
    if sys.argv[1] == "no-populate":
        data["fault_cost"] = {"fault_us_per_page": 10.0, "fault_minflt_per_page": 1.0, "populate_supported": 0.0,
                              "pages_per_round": 1024.0, "rounds": 9.0}
print(report.render(data))
PY
}

# has_line TEXT DESCRIPTION LINE: LINE is one of TEXT's lines, exactly.
has_line() { check "$2" grep -qxF -- "$3" <<<"$1"; }

t_per_unit_and_the_time_file() {
    local got
    got=$(/usr/bin/python3 - "$S" <<'PY'
import os, sys
sys.path.insert(0, "tests/bench")
from bench_lib import per_unit, read_time_file
r = per_unit({"cpu_s": 0.3, "user_s": 0.2, "sys_s": 0.1, "minflt": 6000}, 300, "image")
print(" ".join(f"{k}={r[k]:.4f}" for k in sorted(r)))
print(per_unit({"cpu_s": 0.3, "user_s": 0.2, "sys_s": 0.1, "minflt": None}, 300, "image")["faults_per_image"])
for i, text in enumerate(("968 71\n", "Command exited with non-zero status 1\n968 71\n", "", "968\n")):
    path = os.path.join(sys.argv[1], f"time{i}")
    with open(path, "w") as fh:
        fh.write(text)
    print(read_time_file(path))
print(read_time_file(os.path.join(sys.argv[1], "absent")))
PY
)
    check_eq "per image, the time file's peak RSS and faults (none when it lacks them)" "$got" \
        "cpu_ms_per_image=1.0000 faults_per_image=20.0000 sys_ms_per_image=0.3333 user_ms_per_image=0.6667
None
(968, 71)
(968, 71)
(0, None)
(0, None)
(0, None)"
}

t_fault_rows_and_sentence() {
    local out
    out=$(made_up_report)
    has_line "$out" "Machine: a fault's CPU" \
        "| page fault: CPU for the first write to a fresh page (fault_cost_bench, median of 9 rounds of 1024 pages) | 10.00 µs |"
    has_line "$out" "Machine: a populated page's, and the call's" \
        "| page populated with MADV_POPULATE_WRITE, then written (the call alone) | 5.00 µs (0.50 µs) |"
    has_line "$out" "Machine: how getrusage and the CPU count each" \
        "| minor faults getrusage counts per page: faulted / populated | 1.00 / 1.00 (faults the CPU took: 1.00 / 0.00) |"
    has_line "$out" "worker: faults per image (6000 / 300, 30000 / 300)" \
        "| minor page faults per image (start-up included) | 20.0 | 100.0 | 5.0× |"
    has_line "$out" "worker: user / sys per image" "| user / sys CPU ms per image | 0.67 / 0.33 | 6.00 / 3.00 | – |"
    has_line "$out" "worker: no photo turned (0.24 s / 300; 4500 faults / 300; baseline 9.00 / 0.80)" \
        "| CPU ms per image with no photo turned (exifstrip: EXIFSTRIP_ORIENTATION=keep; the baseline turns none); faults per image | 0.80; 15.0 | 9.00 | 11.2× |"
    has_line "$out" "worker: the faults at the machine's cost (20 × 10 us)" \
        "| those faults at 10.00 µs each (the Machine table's fault; CPU ms per image, an estimate) | 0.20 | 1.00 | – |"
    has_line "$out" "big photo, signed: per MB, beside the baseline" \
        "| 50 MB photo: user / sys CPU ms per MB; minor page faults per MB (http: signed payload) | 0.40 / 0.60; 30.0 | 4.00 / 2.00; 200.0 | – |"
    has_line "$out" "big photo, unsigned" \
        "| 50 MB photo: user / sys CPU ms per MB; minor page faults per MB (http, UNSIGNED-PAYLOAD as over https) | 0.40 / 0.40; 28.0 | – | – |"
    has_line "$out" "start-up" "| start-up: user / sys CPU ms; minor page faults | 3.0 / 5.0; 885 | – | – |"
    has_line "$out" "start-up over https" \
        "| CPU ms of \`worker --drain\` on an empty queue over https (start-up with the CA store and a TLS connection; in the https figure); minor page faults | 12.5; 912 | – | – |"
    has_line "$out" "sweep: user / sys and faults columns" \
        "| 4 | 100 | 1.00 | 0.67 / 0.33 | 20.0 | 0.10 | 2.0 | 10.0 MiB | 0.50 | 0.5 |"
    has_line "$out" "summary: faults per image and the fault cost" \
        "Page faults: exifstrip's worker takes 20.0 minor page faults per image (start-up included; populated pages count too); here a page fault costs 10.00 µs of CPU, a populated page 5.00 µs (0.50 µs of it the MADV_POPULATE_WRITE call)."
    out=$(made_up_report no-populate)
    has_line "$out" "no MADV_POPULATE_WRITE: said so" \
        "| page populated with MADV_POPULATE_WRITE | not supported by this kernel (Linux < 5.14) |"
    has_line "$out" "no MADV_POPULATE_WRITE: the fault alone in the summary" \
        "Page faults: exifstrip's worker takes 20.0 minor page faults per image (start-up included; populated pages count too); here a page fault costs 10.00 µs of CPU."
}

# The summary says where the full tables are from the file it is in: a link
# from README.md, "below" in RESULTS.md itself (a link there would resolve to
# tests/bench/tests/bench/RESULTS.md).
t_summary_points_at_the_tables() {
    local out
    out=$(made_up_report)
    check "RESULTS.md: below" grep -q "; full tables below\.$" <<<"$out"
    check "RESULTS.md: no link to itself" bash -c '! grep -qF "](tests/bench/RESULTS.md)" <<<"$1"' _ "$out"
    out=$(/usr/bin/python3 - <<'PY'
import sys
sys.path.insert(0, "tests/bench")
import report
print(report.summary_block({"machine_short": "m", "date": "d"}))
PY
)
    check "README's block: a link" grep -qF "full tables in [tests/bench/RESULTS.md](tests/bench/RESULTS.md)." <<<"$out"
}

t_phone_photo_rows_and_sentence() {
    local out
    out=$(made_up_report)
    has_line "$out" "phone photo: exifstrip's row" \
        "| exifstrip | 1.0 | 5 | 200 | 190 | 32.0 MiB | 60.0 | 1.00× | yes | yes | clean | how |"
    has_line "$out" "phone photo: keep's row" \
        "| exifstrip --orientation keep | 1.0 | 5 | 10 | 9 | 32.0 MiB | 1200.0 | 0.05× | yes | NO | clean | how |"
    has_line "$out" "phone photo: a peer's row, ratio to exifstrip" \
        "| jpegtran | 1.0 | 5 | 400 | 390 | 32.0 MiB | 30.0 | 2.00× | yes | yes | clean | how |"
    has_line "$out" "phone photo: a peer's residue" \
        "| jhead | 1.0 | 5 | 500 | 450 | 32.0 MiB | 24.0 | 2.50× | yes | NO | not a peer: gps 1, exif 1 | how |"
    has_line "$out" "phone photo: what the turn costs on top of stripping" \
        "The turn costs exifstrip 190 ms of wall time and 181 CPU ms on top of stripping (its default minus \`--orientation keep\`)."
    has_line "$out" "phone photo, worker: turned" \
        "| EXIFSTRIP_ORIENTATION=apply (default) | 250.0 | 200.00 / 50.00 | 8000 | 10.0 MiB | yes |"
    has_line "$out" "phone photo, worker: kept" \
        "| EXIFSTRIP_ORIENTATION=keep | 50.0 | 30.00 / 20.00 | 2000 | 10.0 MiB | yes |"
    check "phone photo, worker: the turn's cost, the start-up, no baseline" grep -qF \
        "includes the start-up (8.0 ms on an empty queue). The turn costs the worker 200.0 CPU ms per such photo. No baseline: the boto3 + piexif worker turns no pixels." <<<"$out"
    has_line "$out" "summary: the phone photo's line" \
        "A phone photo taken in portrait (4000x3000, 6.0 MB, EXIF Orientation 6), turned losslessly: exifstrip 200 ms (190 CPU ms), jpegtran 400 ms = 2.00×, jhead 500 ms = 2.50×; \`--orientation keep\` (no turn) 10 ms; every output displays upright. Through the worker: 250 CPU ms per such photo turned, 50 with EXIFSTRIP_ORIENTATION=keep (start-up included)."
    check "no target for it" bash -c "! awk 't && /^## /{exit} /^## Targets/{t = 1} t' <<<\"\$1\" | grep -qiE 'phone|turn'" \
        _ "$out"
    out=$(made_up_report wrong-pixels)
    has_line "$out" "wrong pixels: the row says NO" \
        "| jhead | 1.0 | 5 | 500 | 450 | 32.0 MiB | 24.0 | 2.50× | NO | NO | not a peer: gps 1, exif 1 | how |"
    check "wrong pixels: the summary names the tool" grep -qF "; NOT upright: jhead. Through the worker:" <<<"$out"
}

# A peer that failed on the phone photo: "failed" and its error where its
# times would be, in the row and the summary; none of its times anywhere.
t_phone_photo_failed_peer() {
    local out
    out=$(made_up_report failed-peer)
    has_line "$out" "failed peer: the row says failed, no times" \
        "| jhead | 1.0 | – | failed | failed | – | failed | failed | – | – | not a peer: gps 1, exif 1, failed 1 | how |"
    has_line "$out" "failed peer: its error under the table" \
        "- jhead failed on phone.jpg (in 6 of its passes): exit 1: jhead: simulated failure in x.jpg"
    has_line "$out" "failed peer: the summary says failed and why" \
        "A phone photo taken in portrait (4000x3000, 6.0 MB, EXIF Orientation 6), turned losslessly: exifstrip 200 ms (190 CPU ms), jpegtran 400 ms = 2.00×, jhead failed (exit 1: jhead: simulated failure in x.jpg); \`--orientation keep\` (no turn) 10 ms; every other output displays upright. Through the worker: 250 CPU ms per such photo turned, 50 with EXIFSTRIP_ORIENTATION=keep (start-up included)."
    check_eq "failed peer: none of its times (500 ms, 450 CPU ms, 2.50×, 24.0 MP/s, 32.0 MiB) beside its name" \
        "$(grep jhead <<<"$out" | grep -E '500|450|2\.50|24\.0|32\.0 MiB')" ""
}

# The large photo's floor over https: a row in the summary's floor table with
# exifstrip's https figure against its TLS + CRC-64/NVME floor, one in the
# floor section, and the section says how it was measured; results without it
# say so.
t_https_floor_row() {
    local out
    out=$(made_up_report)
    has_line "$out" "summary: the https floor's row (3.00 / 2.50 = 1.2×)" \
        "| libcurl floor per MB over https (TLS), 50 MB photo (CPU ms/MB; streamed through 8 MiB parts; median (lowest–highest run)) | 2.50 (2.45–2.80) | – | 3.00 (https: UNSIGNED-PAYLOAD + CRC64NVME) = 1.2× its floor (TLS + CRC-64/NVME) | ≤ 0.50 |"
    check "summary: the per-MB ratios count the https one (1.2×; http 0.80 / 0.40 = 2.0×, 1.00 / 0.90 = 1.1×)" \
        grep -qF "per MB it spends 1.1–2.0× the floor of the same mode" <<<"$out"
    has_line "$out" "floor section: the https row" \
        "| per MB over https (TLS): the 50 MB photo streamed | CPU ms/MB | 2.50 (2.45–2.80) | – | 3 | 14 | 2 |"
    check "floor section: how the https floor was measured" \
        grep -qF "The https run (TLS, UNSIGNED-PAYLOAD + CRC64NVME) has its floor over TLS: the same program against the peer serving https" <<<"$out"
    check "floor section: no longer 'no floor here'" bash -c "! grep -q 'has no floor' <<<\"\$1\"" _ "$out"
    out=$(made_up_report no-tls-floor)
    check "older results: no https floor row" bash -c "! grep -q 'over https (TLS)' <<<\"\$1\"" _ "$out"
    check "older results: said so" grep -qF \
        "The https run (TLS, CRC64NVME) has no floor in these results (measured before the floor spoke https)." <<<"$out"
    out=$(made_up_report tls-floor-skipped)
    check "skipped: no https floor row" bash -c "! grep -q 'over https (TLS)' <<<\"\$1\"" _ "$out"
    check "skipped: the reason" grep -qF \
        "The https run (TLS, CRC64NVME) has no floor here: the floor's https peer (node floor_peer.mjs) did not start." <<<"$out"
}

# The floor's columns are the worker's two modes, each with the CRC-64/NVME
# the worker always computes; each worker run is set beside the floor of its
# mode, and the sentence places the target against those figures.
t_floor_modes_are_the_workers() {
    local out
    out=$(made_up_report)
    has_line "$out" "summary: the columns say what each floor computes" \
        "| informational, not a target | floor: unsigned: CRC-64/NVME of each GET and PUT body | floor: signed: SHA-256 of each PUT body + CRC-64/NVME of each GET and PUT body | exifstrip worker (CPU; × the floor of its mode) | issue 11 target |"
    has_line "$out" "summary: per MB, unsigned against the CRC floor (0.80 / 0.40), signed against SHA-256 + CRC (1.00 / 0.90)" \
        "| libcurl floor per MB, 50 MB photo (CPU ms/MB; streamed through 8 MiB parts; median (lowest–highest run)) | 0.40 (0.35–0.45) | 0.90 (0.85–0.95) | 0.80 (unsigned) = 2.0×; 1.00 (signed) = 1.1× | ≤ 0.50 |"
    check "summary: the per-MB target against the new figures" grep -qF \
        "the per-MB target (0.50 ms/MB) is above the unsigned floor with CRC-64/NVME (0.40 (0.35–0.45)) but below the signed floor with SHA-256 + CRC-64/NVME (0.90 (0.85–0.95))" <<<"$out"
    check "summary: per image against the signed floor (1.00 / 0.60)" grep -qF \
        "per image exifstrip's worker spends 1.7× the libcurl floor of its payload mode (signed)" <<<"$out"
    has_line "$out" "floor section: the per-MB row in both modes" \
        "| per MB: the 50 MB photo streamed | CPU ms/MB | 0.40 (0.35–0.45) | 0.90 (0.85–0.95) | 3 | 14 | 2 |"
    check "floor section: says the floor checks the CRCs" grep -qF \
        "each GET asks for the object's checksum (\`x-amz-checksum-mode: ENABLED\`)" <<<"$out"
    check "no floor without a payload hash any more" bash -c "! grep -qi 'no payload hash' <<<\"\$1\"" _ "$out"
    out=$(made_up_report old-floor)
    check_eq "older floor results (none, sha256): the render works" "$?" 0
    check "older floor results: no http floor row (they lack the worker's CRC)" \
        bash -c "! grep -q 'libcurl floor per \(image\|MB,\)' <<<\"\$1\"" _ "$out"
    check "older floor results: no empty sentence" bash -c "! grep -qF 'On this machine .' <<<\"\$1\"" _ "$out"
}

# Big photos run several times: each CPU-per-MB figure of the worker shows
# its lowest and highest run beside the median (a single run, or runs that
# agree, show the median alone), in the worker table, the floor table and the
# targets, and the notes say how the runs were taken.
t_big_photo_runs_show_their_spread() {
    local out
    out=$(made_up_report big-runs)
    has_line "$out" "worker table: signed, median (lowest–highest), beside the baseline" \
        "| 50 MB photo: CPU ms per MB (http: signed payload) | 1.00 (0.95–1.20) | 6.00 | 6.0× |"
    has_line "$out" "worker table: runs that agree in two decimals show the median alone" \
        "| 50 MB photo: CPU ms per MB (http, UNSIGNED-PAYLOAD as over https) | 0.80 | – | – |"
    has_line "$out" "floor table: the worker's spread beside its floor" \
        "| libcurl floor per MB, 50 MB photo (CPU ms/MB; streamed through 8 MiB parts; median (lowest–highest run)) | 0.40 (0.35–0.45) | 0.90 (0.85–0.95) | 0.80 (unsigned) = 2.0×; 1.00 (0.95–1.20) (signed) = 1.1× | ≤ 0.50 |"
    has_line "$out" "targets: the runs beside the median that decides" \
        "| worker CPU per MB, 50 MB photo (http: signed payload) | 1.00 ms/MB, runs 0.95–1.20 | MISS | <= 0.50 |"
    check "notes: how the big photos ran" grep -qF \
        "On the big photos each configuration runs 3 times, the configurations taking turns (their order flips every run)" <<<"$out"
    out=$(made_up_report)
    check "single runs: no spread and no such note" bash -c "! grep -qE 'runs [0-9.]+–|configuration runs' <<<\"\$1\"" _ "$out"
}

# The large photo's pair read back from disk: its ratio beside the target's
# (which stays the photo as written), the page cache's share mapped with
# 2 MiB entries in both states, and older results without either.
t_large_photo_read_back() {
    local out
    out=$(/usr/bin/python3 - <<'PY'
import sys
sys.path.insert(0, "tests/bench")
import report

def pair(es, cp, share, **more):
    side = lambda w: {"wall": w, "cpu": w - 0.002, "slowest": w + 0.004, "rounds": 12, "slow": 0, "slow_factor": 1.5}
    return dict({"exifstrip": side(es), "cp": side(cp), "huge_share": share}, **more)

tool = {"walls": [0.02] * 5, "wall": 0.02, "cpu": 0.02, "mb_s": 3400, "peak_kib": 70000, "residue": {}, "failed": []}
lg = {"mb": 68.3, "desc": "generated", "tools": {"cp": tool, "exifstrip": tool},
      "pair": pair(0.020, 0.019, 0.98), "pair_read_back": pair(0.050, 0.020, 0.5, dropped=True)}
clean = {k: 0 for k in ("gps", "exif", "xmp", "iptc", "comment", "thumbnail", "trailer")}
data = {"cli": {"tools": {"cp": {"ms_per_file": 1.0}, "exifstrip": {"ms_per_file": 0.9, "residue": clean}}},
        "large": lg}
print("\n".join(report.large_section(lg)))
print([row for row in report.targets(data) if row[0].startswith("CLI large")][0])
lg["pair_read_back"]["dropped"] = False
print("\n".join(report.large_section(lg)))
del lg["pair_read_back"]
del lg["pair"]["huge_share"]
print("--- older results")
print("\n".join(report.large_section(lg)))
print([row for row in report.targets(data) if row[0].startswith("CLI large")][0])
PY
)
    check "the target's row: its ratio, and the read-back one beside it" grep -qxF \
        "('CLI large photo (68 MB) vs cp', '1.053× cp (read back from disk: 2.50×, informational)', 'MET', '<= 1.15')" <<<"$out"
    check "the pair as written: its page cache" grep -qF \
        "do not move these medians). Page cache of the photo as written: 98% of it maps with 2 MiB entries." <<<"$out"
    check "read back: the pair's figures" grep -qF \
        "read once as cat reads, then 12 rounds more: exifstrip 0.050 s vs cp 0.020 s = 2.50× cp (CPU 0.048 s vs 0.018 s; slowest: exifstrip 0.054 s, cp 0.024 s). Page cache of the photo read back: 50% of it maps with 2 MiB entries." <<<"$out"
    check "read back: a kernel that kept pages is said so" grep -qF \
        "read once as cat reads (the kernel kept some of its pages: not all were read back), then" <<<"$out"
    check_eq "older results: one target row without the read-back figure, no page-cache sentence" \
        "$(sed -n '/^--- older results$/,$p' <<<"$out" | grep -c 'Page cache of\|^Read back') $(tail -n 1 <<<"$out")" \
        "0 ('CLI large photo (68 MB) vs cp', '1.053× cp', 'MET', '<= 1.15')"
}

# The worker's RSS after the photos: a target row (8.5 MiB: missed) and a row
# beside the idle one with both moments; none for results without it.
t_idle_after_work_rows() {
    local out
    out=$(made_up_report)
    has_line "$out" "the target row" "| idle RSS after work (14 s after the last photo) | 8.5 MiB | MISS | <= 8 |"
    has_line "$out" "the worker table's row" \
        "| idle RSS after the photos: 1 s / 14 s after the last (the pool gives back what its jobs left 10 s after the last one; src/worker/memory.h) | 9.0 MiB / 8.5 MiB | – | – |"
    out=$(made_up_report old)
    check "older results: no such row" bash -c "! grep -q 'idle RSS after' <<<\"\$1\"" _ "$out"
}

t_older_results_still_render() {
    local out
    out=$(made_up_report old)
    check_eq "exit status of the render" "$?" 0
    has_line "$out" "no faults: a dash" "| minor page faults per image (start-up included) | – | – | – |"
    has_line "$out" "no split: dashes" "| user / sys CPU ms per image | – / – | – / – | – |"
    has_line "$out" "start-up: the CPU alone" "| start-up: user / sys CPU ms; minor page faults | – / –; – | – | – |"
    check "no fault-cost rows" bash -c "! grep -q 'page fault: CPU' <<<\"\$1\"" _ "$out"
    check "no page-fault sentence" bash -c "! grep -q '^Page faults:' <<<\"\$1\"" _ "$out"
    check "no phone-photo section" bash -c "! grep -q '^## A phone photo' <<<\"\$1\"" _ "$out"
    check "no keep row" bash -c "! grep -q 'with no photo turned' <<<\"\$1\"" _ "$out"
}

S=$(mktemp -d "${TMPDIR:-/tmp}/es-report-test.XXXXXX")
trap 'rm -rf "$S"' EXIT

es_run t_exact_values_decide_the_direction
es_run t_equal_or_inside_the_runs_is_noise
es_run t_per_unit_and_the_time_file
es_run t_fault_rows_and_sentence
es_run t_summary_points_at_the_tables
es_run t_phone_photo_rows_and_sentence
es_run t_phone_photo_failed_peer
es_run t_https_floor_row
es_run t_floor_modes_are_the_workers
es_run t_big_photo_runs_show_their_spread
es_run t_large_photo_read_back
es_run t_idle_after_work_rows
es_run t_older_results_still_render
es_finish
