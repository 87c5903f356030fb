#!/usr/bin/python3
"""bench.py - `make bench`: every benchmark of issue 11 in one run, written to
tests/bench/RESULTS.md (machine, tables, targets with MET / MISS) and the
summary block README.md quotes. Informational: a missed target never fails;
a broken tool or step does (exit 1 with the reason).
  1. strip_bench: in-process stripper throughput on one core; and
     fault_cost_bench: what a page fault and a populated page cost here.
  2. CLI (cli_bench.py): cp, exifstrip and the installed peers, one process
     per file, on the shared corpus (or generated photos) and one generated
     large photo; residue left by each tool. And a phone photo taken in
     portrait (EXIF Orientation 6) turned by exifstrip, jpegtran and jhead.
  3. Worker (worker_bench.py): exifstrip worker vs the boto3 + piexif
     baseline against a private emulator, beside the libcurl floor
     (floor_bench.py: what GET + PUT alone cost with the same libcurl);
     and the phone photo through the worker, turned and not.
Usage: bench.py BUILD_DIR [--out FILE] [--readme FILE] [--quick] [--data JSON]
       bench.py BUILD_DIR --render JSON [--out FILE] [--readme FILE]
  --quick: the smoke-test size (few small photos, one run, no ~1 GB photo).
  --data saves the measurements; --render writes the report from them again
  (after a change to report.py) without measuring.
Knobs: ES_BENCH_PHOTOS (worker photos, default 300; also caps the CLI
photos), ES_BENCH_RUNS (CLI rounds, default 5), ES_BENCH_WORKER_RUNS
(default 3), ES_BENCH_MAT2_FILES (default 10), ES_BENCH_HUGE_MB (the big
worker photo, default 1024; 0 skips it), ES_BENCH_SKIP_WORKER=1."""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_lib import BenchError, machine, tool_version  # noqa: E402
import cli_bench  # noqa: E402
import floor_bench  # noqa: E402
import report  # noqa: E402

T0 = time.time()
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def say(msg):
    print(f"bench: [{time.time() - T0:5.0f} s] {msg}", file=sys.stderr, flush=True)


def knob(name, default):
    v = os.environ.get(name, "")
    if not v:
        return default
    if not re.fullmatch(r"\d+", v):
        raise BenchError(f"{name} must be a whole number, not {v!r}")
    return int(v)


def result_lines(text):
    """The "# key value" lines a bench program prints, as {key: float}."""
    vals = {}
    for line in text.splitlines():
        m = re.match(r"# (\S+) (\S+)$", line)
        if m:
            vals[m.group(1)] = float(m.group(2))
    return vals


def strip_bench(binary, emit_dir, quick):
    cmd = [binary, "--emit-dir", emit_dir] + (["--seconds", "0.2"] if quick else [])
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise BenchError(f"strip_bench failed (exit {r.returncode}): {r.stderr.strip()[-500:]}")
    vals = result_lines(r.stdout)
    return {"stream_mb_s": vals.get("stream_mb_s"), "buffer_mb_s": vals.get("buffer_mb_s"),
            "peak_rss_kib": vals.get("peak_rss_kib"), "files": int(vals.get("inputs_files", 0)),
            "bytes": vals.get("inputs_bytes", 0)}


def relay_bench(binary, quick):
    """The loopback floor under the worker's CPU per MB (relay_bench.c)."""
    r = subprocess.run([binary, "--mb", "64" if quick else "512", "--runs", "1" if quick else "5"],
                       capture_output=True, text=True)
    vals = result_lines(r.stdout)
    if r.returncode != 0 or "relay_ms_per_mb" not in vals:
        raise BenchError(f"relay_bench failed (exit {r.returncode}): {r.stderr.strip()[-500:]}")
    return {"ms_per_mb": vals["relay_ms_per_mb"], "mb": vals["relay_mb"], "part_bytes": vals["relay_part_bytes"],
            "runs": int(vals["relay_runs"])}


def fault_cost(binary, quick):
    """What a first-touch page costs here (fault_cost_bench.c): its "# "
    lines ({fault_us_per_page, populated_us_per_page, ...})."""
    r = subprocess.run([binary, "--rounds", "3" if quick else "9"], capture_output=True, text=True)
    vals = result_lines(r.stdout)
    if r.returncode != 0 or "fault_us_per_page" not in vals:
        raise BenchError(f"fault_cost_bench failed (exit {r.returncode}): {r.stderr.strip()[-500:]}")
    return vals


def small_photos(mkfixture, outdir, n):
    """n small generated photos with every kind of metadata (quick mode
    without the corpus: strip_bench's generated inputs are 4000x3000)."""
    os.makedirs(outdir)
    paths = []
    for i in range(n):
        p = os.path.join(outdir, f"small-{i}.jpg")
        r = subprocess.run([mkfixture, "--size", "800x600", "--seed", str(i + 1), "--gps", "--exif", "--thumb", "--xmp",
                            "--iptc", "--comment", "--icc", "1", p], capture_output=True, text=True)
        if r.returncode != 0:
            raise BenchError(f"mkfixture failed: {r.stderr.strip()}")
        paths.append(p)
    return paths


def portrait_photo(mkfixture, work, quick):
    """The phone photo of the "turned" sections: a portrait shot as a phone
    stores it (EXIF Orientation 6, ~12 MP, ~6 MB; a small one with --quick).
    (path, {size, megapixels, mb, desc})."""
    size = "640x480" if quick else "4032x3024"
    path = os.path.join(work, "phone.jpg")
    r = subprocess.run([mkfixture, "--size", size, "--quality", "92", "--seed", "21", "--orientation",
                        str(cli_bench.PORTRAIT_ORIENTATION), "--exif", "--gps", "--thumb", "--xmp", path],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise BenchError(f"mkfixture could not make the phone photo: {r.stderr.strip()}")
    w, h = (int(x) for x in size.split("x"))
    return path, {"size": size, "megapixels": w * h / 1e6, "mb": os.path.getsize(path) / 1e6,
                  "desc": f"generated {size}, quality 92, EXIF Orientation {cli_bench.PORTRAIT_ORIENTATION}, "
                          "GPS, EXIF, thumbnail, XMP"}


def update_readme(path, block):
    with open(path) as fh:
        text = fh.read()
    i, j = text.find(report.BEGIN), text.find(report.END)
    if i < 0 or j < i:
        raise BenchError(f"{path} has no {report.BEGIN} ... {report.END} block to update")
    with open(path, "w") as fh:
        fh.write(text[:i] + block + text[j + len(report.END):])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--out", default=os.path.join(ROOT, "tests/bench/RESULTS.md"))
    ap.add_argument("--readme")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--data", help="also save the measurements as JSON here")
    ap.add_argument("--render", metavar="JSON", help="measure nothing: write the report from saved measurements")
    args = ap.parse_args()
    if args.render:
        with open(args.render) as fh:
            finish(json.load(fh), args)
        return 0
    build = os.path.abspath(args.build)
    exifstrip = os.path.join(build, "exifstrip")
    mkfixture = os.path.join(build, "tests/tools/mkfixture")
    sbench = os.path.join(build, "bench/strip_bench")
    rbench = os.path.join(build, "bench/relay_bench")
    fbench = os.path.join(build, "bench/curl_floor_bench")
    pbench = os.path.join(build, "bench/fault_cost_bench")
    jpegcmp = os.path.join(build, "tests/tools/jpegcmp")
    for b in (exifstrip, mkfixture, sbench, rbench, fbench, pbench, jpegcmp):
        if not os.access(b, os.X_OK):
            raise BenchError(f"missing {b} (run `make bench`)")
    quick = args.quick
    photos_n = knob("ES_BENCH_PHOTOS", 6 if quick else 300)
    runs = max(1, knob("ES_BENCH_RUNS", 1 if quick else 5))
    wruns = max(1, knob("ES_BENCH_WORKER_RUNS", 1 if quick else 3))
    mat2_files = max(1, knob("ES_BENCH_MAT2_FILES", 2 if quick else 10))
    huge_mb = 0 if quick else knob("ES_BENCH_HUGE_MB", 1024)
    started = time.time()
    work = tempfile.mkdtemp(prefix="es-bench.")
    try:
        data = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": machine()}
        cpu = data["machine"][0][1]
        data["machine_short"] = f"{cpu}, {os.cpu_count()} cores, Linux {os.uname().release}"
        missing = []
        tool_list = cli_bench.available_tools(exifstrip, missing)
        cli_bench.probe(tool_list, mkfixture, work)
        say("in-process throughput (strip_bench)")
        indir = os.path.join(work, "in")
        os.makedirs(indir)
        data["inprocess"] = strip_bench(sbench, indir, quick)
        say("the cost of a page fault and of a populated page (fault_cost_bench)")
        data["fault_cost"] = fault_cost(pbench, quick)
        files = sorted(os.path.join(indir, n) for n in os.listdir(indir))
        if not files:
            raise BenchError("strip_bench wrote no input photos")
        shared = not all(os.path.basename(p).startswith("generated-") for p in files)
        if quick and not shared:
            files = small_photos(mkfixture, os.path.join(work, "small"), min(photos_n, 6))
        cli_files = files[:photos_n]
        data["not_installed"] = missing
        data["versions"] = [(t.name, t.version) for t in tool_list] + [
            ("python3", tool_version(["/usr/bin/python3", "--version"])),
            ("boto3", tool_version(["/usr/bin/python3", "-c", "import boto3; print(boto3.__version__)"])),
            ("piexif", tool_version(["/usr/bin/python3", "-c", "import piexif; print(piexif.VERSION)"])),
            ("node (emulator)", tool_version([floor_bench.find_node() or "node", "--version"]))]
        say(f"CLI: {len(cli_files)} photos x {len(tool_list)} tools x {runs} rounds "
            f"({', '.join(t.name for t in tool_list)})")
        results, data["input_residue"] = cli_bench.corpus_bench(exifstrip, tool_list, cli_files, work, runs, mat2_files)
        for t in tool_list:
            results[t.name].update(version=t.version, note=t.note)
        data["cli"] = {"tools": results, "files": len(cli_files), "bytes": sum(os.path.getsize(p) for p in cli_files),
                       "runs": runs, "mat2_files": min(mat2_files, len(cli_files)),
                       "source": "the shared corpus files the stripper accepts" if shared else "generated photos"}
        say("CLI: cp and exifstrip on the photos exifstrip does not turn")
        data["cli"]["unturned"] = cli_bench.unturned_bench(exifstrip, tool_list, cli_files, work, runs)
        say("CLI: batch form")
        data["cli"]["batch"] = cli_bench.batch_bench(exifstrip, cli_files, work, runs)
        size = "1200x900" if quick else "10000x7500"
        large = os.path.join(work, "large.jpg")
        desc = f"generated {size}, quality 98, GPS, EXIF, thumbnail, XMP, MP4 trailer"
        r = subprocess.run([mkfixture, "--size", size, "--quality", "98", "--seed", "11", "--gps", "--exif", "--thumb",
                            "--xmp", "--mp4", large], capture_output=True, text=True)
        if r.returncode != 0:
            raise BenchError(f"mkfixture could not make the large photo: {r.stderr.strip()}")
        say(f"CLI: large photo ({os.path.getsize(large) / 1e6:.0f} MB)")
        lres, ltools = cli_bench.large_bench(exifstrip, tool_list, large, work, runs)
        for t in ltools:
            lres[t.name].update(version=t.version, note=t.note)
        data["large"] = {"tools": lres, "mb": os.path.getsize(large) / 1e6, "desc": desc}
        pair_rounds = 4 if quick else max(12, 2 * runs + 2)   # even: each tool goes first equally often
        say(f"CLI: cp and exifstrip alone on the large photo ({pair_rounds} rounds)")
        data["large"]["pair"] = cli_bench.large_pair_bench(tool_list, large, work, pair_rounds)
        say(f"CLI: cp and exifstrip alone on the large photo read back from disk ({pair_rounds} rounds)")
        data["large"]["pair_read_back"] = cli_bench.large_pair_read_back(tool_list, large, work, pair_rounds)
        portrait, data["portrait"] = portrait_photo(mkfixture, work, quick)
        say(f"CLI: a phone photo turned ({data['portrait']['size']}, {data['portrait']['mb']:.1f} MB, {runs} rounds)")
        data["portrait"]["tools"] = cli_bench.portrait_bench(exifstrip, jpegcmp, tool_list, portrait,
                                                             data["portrait"]["megapixels"], work, runs)
        data["portrait"]["runs"] = runs
        if os.environ.get("ES_BENCH_SKIP_WORKER") != "1":
            import worker_bench
            wphotos = [cli_files[i % len(cli_files)] for i in range(photos_n)]
            opts = {"concurrency": 4, "runs": wruns, "idle_seconds": 1 if quick else 3, "portrait": portrait,
                    "portrait_copies": 3 if quick else worker_bench.PORTRAIT_COPIES, "sweep": [1, 2] if quick else [1, 2, 4, 8, 16], "huge_mb": huge_mb,
                    "floor": floor_bench.Floor(ROOT, fbench, work, work)}
            data["worker"] = worker_bench.worker_suite(ROOT, exifstrip, mkfixture, wphotos, large,
                                                       os.path.join(work, "large-exifstrip", "large.jpg"), work, opts, say)
            data["worker"]["max_photo_bytes"] = max(os.path.getsize(p) for p in wphotos)
            say("worker: the loopback floor (relay_bench)")
            data["worker"]["floor"] = relay_bench(rbench, quick)
        data["settings"] = (f"ES_BENCH_PHOTOS={photos_n} ES_BENCH_RUNS={runs} ES_BENCH_WORKER_RUNS={wruns} "
                            f"ES_BENCH_MAT2_FILES={mat2_files} ES_BENCH_HUGE_MB={huge_mb}{' (quick)' if quick else ''}; "
                            f"the whole run took {time.time() - started:.0f} s")
        finish(data, args)
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def finish(data, args):
    """Writes the measurements (--data), the report, the README block, and prints the verdicts."""
    if args.data:
        with open(args.data, "w") as fh:
            json.dump(data, fh, indent=1)
    with open(args.out, "w") as fh:
        fh.write(report.render(data))
    block = report.summary_block(data)
    if args.readme:
        update_readme(args.readme, block)
    print("\n== targets (informational: a MISS does not fail the build)")
    for name, measured, verdict, limit in report.targets(data):
        print(f"  {verdict:5} {name}: {measured} (target {limit})")
    print(f"\n== summary block for README.md (written to {args.out}"
          f"{' and ' + args.readme if args.readme else ''}):\n{block}")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as err:
        print(f"bench: FAILED: {err}", file=sys.stderr)
        sys.exit(1)
