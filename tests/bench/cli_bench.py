"""cli_bench.py - the command-line half of `make bench`: one process per file
for `cp`, `exifstrip strip` and each installed peer (jhead, exiftool,
jpegtran, exiv2, mat2) over the same photos, tools alternating within every
round, medians over rounds; the same for one large generated photo; the
batch form (`strip -o DIR files...` next to `cp files... DIR`); and the
residue: `exifstrip inspect --json` on every tool's outputs, counting files
that still carry GPS, EXIF, XMP, IPTC, comments, thumbnails or trailers (a
tool that leaves any is not a peer), and files that lost an ICC profile or
Adobe segment (colour information a lossless tool keeps)."""
import json
import os
import shutil
import subprocess

import page_cache
from bench_lib import BenchError, median, spawn_timed, tool_version

RESIDUE = ["gps", "exif", "xmp", "iptc", "comment", "thumbnail", "trailer"]


class Tool:
    """name, how to call it (IN, OUT), whether it edits OUT in place (then
    OUT is a fresh copy made before the timed run), its version command."""

    def __init__(self, name, argv, version, inplace=False, package=None, note="", max_runs=None):
        self.name, self.argv, self.version_cmd, self.inplace = name, argv, version, inplace
        self.package, self.note, self.max_runs = package, note, max_runs
        self.version = "?"

    def command(self, src, dst):
        return [a.replace("{in}", src).replace("{out}", dst) for a in self.argv]


def tools(exifstrip):
    return [
        Tool("cp", ["cp", "{in}", "{out}"], ["cp", "--version"], note="baseline: copies, removes nothing"),
        Tool("exifstrip", [exifstrip, "strip", "-q", "{in}", "{out}"], [exifstrip, "--version"]),
        Tool("jhead", ["jhead", "-purejpg", "{out}"], ["jhead", "-V"], inplace=True, package="jhead",
             note="`-purejpg`, in place"),
        Tool("exiftool", ["exiftool", "-q", "-q", "-all=", "-o", "{out}", "{in}"], ["exiftool", "-ver"],
             package="libimage-exiftool-perl", note="`-all= -o OUT`; slow, so at most 3 rounds", max_runs=3),
        Tool("jpegtran", ["jpegtran", "-copy", "none", "-outfile", "{out}", "{in}"], ["jpegtran", "-version"],
             package="libjpeg-turbo-progs", note="`-copy none` (re-encodes the entropy data losslessly)"),
        Tool("exiv2", ["exiv2", "-q", "rm", "{out}"], ["exiv2", "--version"], inplace=True, package="exiv2",
             note="`rm`, in place"),
        Tool("mat2", ["mat2", "--inplace", "{out}"], ["mat2", "--version"], inplace=True, package="mat2",
             note="`--inplace`; re-encodes the picture; slow, so one round", max_runs=1),
    ]


def available_tools(exifstrip, want_missing):
    """Tools found on PATH (cp and exifstrip always); want_missing gets the
    names of peers that are not installed."""
    found = []
    for t in tools(exifstrip):
        if t.package and shutil.which(t.argv[0]) is None:
            want_missing.append(f"{t.name} ({t.package})")
            continue
        t.version = tool_version(t.version_cmd)
        found.append(t)
    return found


def probe(tool_list, mkfixture, work):
    """Runs every tool once on a small ordinary photo, so a broken install
    fails the run at once and clearly, before minutes of measuring."""
    photo = os.path.join(work, "probe.jpg")
    r = subprocess.run([mkfixture, "--size", "64x48", "--exif", "--gps", photo], capture_output=True, text=True)
    if r.returncode != 0:
        raise BenchError(f"mkfixture failed: {r.stderr.strip()}")
    for t in tool_list:
        _, _, _, failed, err = run_tool_once(t, [photo], os.path.join(work, "probe-out"), work)
        if failed:
            raise BenchError(f"{t.name} is broken: it fails on an ordinary photo ({err}); "
                             "reinstall it or remove it from PATH")


def run_tool_once(tool, files, outdir, work, rss=False):
    """One pass of tool over files (one process each) into outdir. Returns
    (wall seconds, cpu seconds, peak RSS KiB (with rss only), failed file
    names, first error)."""
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    # Dirty pages left by the previous pass would be written back (and the
    # writer throttled) during this one: flush them before the clock starts.
    os.sync()
    wall = cpu = 0.0
    peak = 0
    failed, first_err = [], ""
    errfile = os.path.join(work, "tool.err")
    for src in files:
        dst = os.path.join(outdir, os.path.basename(src))
        if tool.inplace:
            shutil.copyfile(src, dst)
        p = spawn_timed(tool.command(src, dst), errfile=errfile, rss_file=os.path.join(work, "tool.rss") if rss else None)
        wall += p.wall
        cpu += p.cpu
        peak = max(peak, p.maxrss_kib)
        if p.rc != 0:
            failed.append(os.path.basename(src))
            first_err = first_err or f"exit {p.rc}: {p.err.strip()[:300]}"
            if os.path.exists(dst):
                os.unlink(dst)
    return wall, cpu, peak, failed, first_err


def alternate(tool_list, files_of, runs_of, work, label):
    """Runs every tool runs_of(tool) times (plus one warm-up pass), rotating
    the order each round. Returns {name: result dict}; "failed" names every
    file a tool failed on in any pass (warm-up included), "failed_passes"
    counts the passes with a failure."""
    results = {t.name: {"walls": [], "cpus": [], "peak_kib": 0, "failed": [], "failed_passes": 0, "error": ""}
               for t in tool_list}
    rounds = max(runs_of(t) for t in tool_list) + 1
    for r in range(rounds):
        order = tool_list[r % len(tool_list):] + tool_list[:r % len(tool_list)]
        for t in order:
            warm_up = r == 0
            if (warm_up and runs_of(t) == 1) or r > runs_of(t):   # a single run gets no warm-up
                continue
            outdir = os.path.join(work, f"{label}-{t.name}")
            # The warm-up round measures peak RSS (under /usr/bin/time); timed
            # rounds run the command directly.
            # (A single run measures both: /usr/bin/time's start-up is small next to a slow tool.)
            res = results[t.name]
            rss = warm_up or runs_of(t) == 1
            wall, cpu, peak, failed, err = run_tool_once(t, files_of(t), outdir, work, rss=rss)
            res["failed"] += [n for n in failed if n not in res["failed"]]
            res["failed_passes"] += 1 if failed else 0
            res["error"] = res["error"] or err
            if rss:
                res["peak_kib"] = max(res["peak_kib"], peak)
            if warm_up:
                continue
            res["walls"].append(wall)
            res["cpus"].append(cpu)
    return results


def inspect_json(exifstrip, files):
    """{basename: inspect record} for files (records with ok false included)."""
    out = {}
    for i in range(0, len(files), 200):
        chunk = files[i:i + 200]
        r = subprocess.run([exifstrip, "inspect", "--json"] + chunk, capture_output=True, text=True)
        if r.returncode not in (0, 2):
            raise BenchError(f"exifstrip inspect --json failed (exit {r.returncode}): {r.stderr.strip()[:300]}")
        for line in r.stdout.splitlines():
            if line.strip():
                rec = json.loads(line)
                out[os.path.basename(rec["file"])] = rec
    return out


# IFD0 tags that are no residue: the orientation (exifstrip keeps a one-tag
# EXIF when it cannot turn a photo) and the pointers to the other IFDs.
HARMLESS_IFD0 = {0x0112, 0x8769, 0x8825}


def exif_beyond_orientation(path):
    """True when the file's EXIF holds any tag but the orientation (piexif
    reads it; without piexif every EXIF segment counts)."""
    try:
        import piexif
    except ImportError:
        return True
    try:
        d = piexif.load(path)
    except Exception:  # unreadable EXIF still is EXIF
        return True
    if set(d.get("0th", {})) - HARMLESS_IFD0 or d.get("thumbnail"):
        return True
    return any(d.get(ifd) for ifd in ("Exif", "GPS", "Interop", "1st"))


def residue_of(rec):
    """The residue categories a file still carries (inspect --json record)."""
    kinds = {s.get("kind") for s in rec.get("segments", [])}
    exif = rec.get("exif") or {}
    found = set()
    if exif.get("gps"):
        found.add("gps")
    if "exif" in kinds and exif_beyond_orientation(rec["file"]):
        found.add("exif")
    if kinds & {"xmp", "xmp-ext"}:
        found.add("xmp")
    if "photoshop" in kinds:
        found.add("iptc")
    if "comment" in kinds:
        found.add("comment")
    if (exif.get("thumbnail_bytes") or 0) > 0 or "jfxx" in kinds or any(
            s.get("kind") == "jfif" and s.get("action") == "trim" for s in rec.get("segments", [])):
        found.add("thumbnail")
    if (rec.get("trailer_bytes") or 0) > 0 or "trailer" in kinds:
        found.add("trailer")
    return found


def residue(exifstrip, outdir, inputs_by_name):
    """Counts per residue category over the files in outdir, plus files that
    lost an ICC profile or Adobe segment their input had, and unreadable ones."""
    names = sorted(os.listdir(outdir)) if os.path.isdir(outdir) else []
    recs = inspect_json(exifstrip, [os.path.join(outdir, n) for n in names]) if names else {}
    counts = {k: 0 for k in RESIDUE}
    counts["lost_colour"] = counts["unreadable"] = 0
    counts["checked"] = len(names)
    for n in names:
        rec = recs.get(n)
        if rec is None or not rec.get("ok", False):
            counts["unreadable"] += 1
            continue
        for k in residue_of(rec):
            counts[k] += 1
        before = {s.get("kind") for s in inputs_by_name.get(n, {}).get("segments", [])}
        after = {s.get("kind") for s in rec.get("segments", [])}
        if (before & {"icc", "adobe"}) - after:
            counts["lost_colour"] += 1
    return counts


def summarise(results, nbytes_of, nfiles_of):
    """Adds medians, ms/file and MB/s to every tool's result."""
    for name, r in results.items():
        if not r["walls"]:
            continue
        r["wall"] = median(r["walls"])
        r["cpu"] = median(r["cpus"])
        n = nfiles_of(name)
        r["files"] = n
        r["ms_per_file"] = 1000 * r["wall"] / n if n else float("nan")
        r["cpu_ms_per_file"] = 1000 * r["cpu"] / n if n else float("nan")
        r["mb_s"] = nbytes_of(name) / 1e6 / r["wall"] if r["wall"] > 0 else float("nan")


def check_not_broken(results, files_of, tool_list, must_succeed):
    """A tool that failed on every file is broken; cp and exifstrip must never fail."""
    for t in tool_list:
        r = results[t.name]
        if t.name in must_succeed and r["failed"]:
            raise BenchError(f"{t.name} failed on {len(r['failed'])} file(s), e.g. {r['failed'][0]}: {r['error']}")
        if r["failed"] and len(r["failed"]) == len(files_of(t)):
            raise BenchError(f"{t.name} is broken: it failed on every file ({r['error']}); "
                             f"reinstall it or remove it from PATH")


def corpus_bench(exifstrip, tool_list, files, work, runs, mat2_files):
    """Per-file run of every tool over files; returns results with residue."""
    files_of = lambda t: files[:mat2_files] if t.name == "mat2" else files
    runs_of = lambda t: min(runs, t.max_runs or runs)
    results = alternate(tool_list, files_of, runs_of, work, "corpus")
    check_not_broken(results, files_of, tool_list, ("cp", "exifstrip"))
    sizes = {f: os.path.getsize(f) for f in files}
    by_name = {t.name: t for t in tool_list}
    summarise(results, lambda n: sum(sizes[f] for f in files_of(by_name[n])), lambda n: len(files_of(by_name[n])))
    inputs = inspect_json(exifstrip, files)
    for t in tool_list:
        results[t.name]["residue"] = residue(exifstrip, os.path.join(work, f"corpus-{t.name}"), inputs)
    input_residue = {k: 0 for k in RESIDUE}
    for rec in inputs.values():
        for k in residue_of(rec):
            input_residue[k] += 1
    return results, input_residue


def even(rounds):
    """rounds, or one more: two tools taking turns then each go first equally often."""
    return rounds + rounds % 2


def turned_by_default(rec):
    """Whether exifstrip strip turns the photo inspect --json described in
    rec: its Orientation action is an operation, not none, keep_tag (smaller
    than one MCU, over the pixel limit) or drop_tag."""
    o = (rec or {}).get("orientation") or {}
    return o.get("action") not in (None, "none", "keep_tag", "drop_tag")


def unturned_bench(exifstrip, tool_list, files, work, runs):
    """cp and exifstrip again, alternating, on the photos exifstrip does not
    turn: a photo whose EXIF Orientation is not 1 is turned losslessly by
    default (a decode of its coefficients, work cp and the peers never do), so
    the whole-corpus ratio mixes two different jobs. Informational. A photo
    that keeps its tag instead (smaller than one MCU, over the pixel limit)
    or would only lose it is not turned: inspect's action says which."""
    inputs = inspect_json(exifstrip, files)
    turned = lambda f: turned_by_default(inputs.get(os.path.basename(f)))
    plain = [f for f in files if not turned(f)]
    out = {"files": len(plain), "turned": sorted(os.path.basename(f) for f in files if turned(f))}
    pair = [t for t in tool_list if t.name in ("cp", "exifstrip")]
    if not plain or len(pair) != 2:
        return out
    results = alternate(pair, lambda t: plain, lambda t: even(runs), work, "unturned")
    summarise(results, lambda n: sum(os.path.getsize(f) for f in plain), lambda n: len(plain))
    for name in ("cp", "exifstrip"):
        out[name] = results[name]["ms_per_file"]
    return out


def large_bench(exifstrip, tool_list, large, work, runs):
    """Every tool (and the pipe form of exifstrip) on one large photo."""
    pipe = Tool("exifstrip (pipe)", ["sh", "-c", 'cat "$1" | "$0" strip -q - - >"$2"', exifstrip, "{in}", "{out}"],
                [exifstrip, "--version"], note="`cat | strip - -`: the streaming path")
    pipe.version = next((t.version for t in tool_list if t.name == "exifstrip"), "?")
    lst = list(tool_list) + [pipe]
    runs_of = lambda t: min(runs, t.max_runs or runs)
    results = alternate(lst, lambda t: [large], runs_of, work, "large")
    check_not_broken(results, lambda t: [large], lst, ("cp", "exifstrip", "exifstrip (pipe)"))
    size = os.path.getsize(large)
    summarise(results, lambda n: size, lambda n: 1)
    inputs = inspect_json(exifstrip, [large])
    for t in lst:
        results[t.name]["residue"] = residue(exifstrip, os.path.join(work, f"large-{t.name}"), inputs)
    return results, lst


SLOW_FACTOR = 1.5   # a run slower than this × its tool's median counts as slow


def large_pair_bench(tool_list, large, work, rounds):
    """cp and exifstrip alone on the large photo, alternating (the order flips
    every round; rounds is even, so each goes first equally often), for the
    target's ratio: median wall of each over rounds after a warm-up. On this
    VM some exifstrip runs on the 68 MB photo take 0.1-0.2 s more system time
    (cp's runs were not hit when that was seen), sometimes several in a row:
    two or three of the five rounds of the all-tools table can move its
    median, a few of these rounds cannot. Every run of both counts (none is
    dropped); the slowest of each and how many runs were slow (over
    SLOW_FACTOR × the median) are reported next to the medians. A failed run
    of either (in any round) fails the bench."""
    if rounds % 2:
        raise BenchError(f"the large-photo pair needs an even number of rounds, not {rounds}")
    huge_share = page_cache.huge_mapped_share(large)
    pair = [t for t in tool_list if t.name in ("cp", "exifstrip")]
    results = alternate(pair, lambda t: [large], lambda t: rounds, work, "large-pair")
    check_not_broken(results, lambda t: [large], pair, ("cp", "exifstrip"))
    out = summarise_rounds(results)
    out["huge_share"] = huge_share   # of the photo's page cache mapped with 2 MiB entries (page_cache.py)
    return out


def summarise_rounds(results):
    """{name: wall and CPU medians, slowest wall, rounds, and how many walls
    took over SLOW_FACTOR × the median} for alternate()'s results."""
    out = {}
    for name, r in results.items():
        mid = median(r["walls"])
        out[name] = {"wall": mid, "cpu": median(r["cpus"]), "slowest": max(r["walls"]), "rounds": len(r["walls"]),
                     "slow": sum(1 for w in r["walls"] if w > SLOW_FACTOR * mid), "slow_factor": SLOW_FACTOR}
    return out


def large_pair_read_back(tool_list, large, work, rounds):
    """large_pair_bench again once the photo's cached pages are dropped and
    it is read once from disk (page_cache.read_back_from_disk): the page
    cache a photo that was not just written has, which weighs on exifstrip
    (it maps its input) and not on cp. Informational; "dropped" says whether
    the kernel gave the pages up."""
    dropped = page_cache.read_back_from_disk(large)
    out = large_pair_bench(tool_list, large, work, rounds)
    out["dropped"] = dropped
    return out


def batch_bench(exifstrip, files, work, runs):
    """`cp files... DIR` versus `exifstrip strip -q -o DIR files...`, by
    default and with `--orientation keep` (no photo turned: the stripping
    alone), an even number of rounds (at least runs) after a warm-up, taking
    turns (the order reversed every other round)."""
    out = os.path.join(work, "batch")
    cmds = {"cp": ["cp", "--"] + files + [out + "/"], "exifstrip": [exifstrip, "strip", "-q", "-o", out] + files,
            "exifstrip_keep": [exifstrip, "strip", "-q", "--orientation", "keep", "-o", out] + files}
    walls = {name: [] for name in cmds}
    cpus = {name: [] for name in cmds}
    for r in range(even(runs) + 1):
        for name in (list(cmds) if r % 2 == 0 else list(cmds)[::-1]):
            shutil.rmtree(out, ignore_errors=True)
            os.makedirs(out)
            os.sync()
            p = spawn_timed(cmds[name], errfile=os.path.join(work, "batch.err"))
            if p.rc != 0:
                raise BenchError(f"batch {name} failed: exit {p.rc}: {p.err.strip()[:300]}")
            if r > 0:
                walls[name].append(p.wall)
                cpus[name].append(p.cpu)
    return {n: {"wall": median(walls[n]), "cpu": median(cpus[n])} for n in walls}


# The phone photo of the "turned" section: what most photos a website gets
# are (a ~12 MP portrait shot, EXIF Orientation 6), generated by mkfixture.
PORTRAIT_ORIENTATION = 6
PORTRAIT_KEEP = "exifstrip --orientation keep"


def portrait_tools(exifstrip, tool_list):
    """exifstrip (its default turns the pixels), exifstrip keeping the tag
    (what the turn costs on top of stripping), and the installed peers that
    turn a JPEG losslessly (jpegtran as told which turn; jhead reads the tag)."""
    version = {t.name: t.version for t in tool_list}
    found = [
        Tool("exifstrip", [exifstrip, "strip", "-q", "{in}", "{out}"], [], note="default (`--orientation apply`): "
             "turns the pixels, drops the tag"),
        Tool(PORTRAIT_KEEP, [exifstrip, "strip", "-q", "--orientation", "keep", "{in}", "{out}"], [],
             note="writes back the tag, turns nothing: stripping alone"),
    ]
    if "jpegtran" in version:
        found.append(Tool("jpegtran", ["jpegtran", "-rotate", "90", "-trim", "-copy", "none", "-outfile", "{out}",
                                       "{in}"], [], note="`-rotate 90 -trim -copy none`: keeps no metadata at all "
                          "(the tag neither: the caller must know the turn)"))
    if "jhead" in version:
        found.append(Tool("jhead", ["jhead", "-autorot", "{out}"], [], inplace=True,
                          note="`-autorot`, in place on a fresh copy (not timed); runs jpegtran, keeps the metadata"))
    for t in found:
        t.version = version.get(t.name.split()[0], "?")
    return found


def displays_upright(jpegcmp, photo, out):
    """(upright, why): upright is True when out displays as photo does
    upright: `jpegcmp pixels` decodes both after applying each one's EXIF
    Orientation with libjpeg-turbo's tjTransform and trimming (what `jpegtran
    -rotate 90 -trim` runs) and compares every sample; None when there is no
    output. When jpegcmp cannot compare them (exit 2: an orientation it
    cannot read or apply), upright is False and why is its reason (stderr),
    else why is None."""
    if not os.path.exists(out):
        return None, None
    p = subprocess.run([jpegcmp, "pixels", photo, out], capture_output=True, text=True)
    if p.returncode == 2:
        return False, " ".join(p.stderr.split()) or "jpegcmp pixels cannot compare them (exit 2, no reason given)"
    return p.returncode == 0, None


def same_bytes(a, b):
    if not (os.path.exists(a) and os.path.exists(b)):
        return None
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


def portrait_bench(exifstrip, jpegcmp, tool_list, photo, megapixels, work, runs):
    """The phone photo turned by each tool, alternating, medians of runs
    after a warm-up (that measures peak RSS); per tool: wall, CPU, peak RSS,
    MP/s, whether its output displays upright (displays_upright), whether it
    is byte-identical to jpegtran's, and its residue. A peer's wrong output
    is reported; exifstrip's (either mode) fails the bench. A peer that
    failed on the photo in any pass is reported as failed, with its error,
    and gets no times: its runs timed a failure, not the turn."""
    lst = portrait_tools(exifstrip, tool_list)
    results = alternate(lst, lambda t: [photo], lambda t: runs, work, "portrait")
    ours = ("exifstrip", PORTRAIT_KEEP)
    check_not_broken(results, lambda t: [photo], [t for t in lst if t.name in ours], ours)
    for r in results.values():
        if r["failed"]:
            r["walls"], r["cpus"], r["peak_kib"] = [], [], 0
    summarise(results, lambda n: os.path.getsize(photo), lambda n: 1)
    inputs = inspect_json(exifstrip, [photo])
    out_of = lambda name: os.path.join(work, f"portrait-{name}", os.path.basename(photo))
    for t in lst:
        r = results[t.name]
        upright, upright_why = displays_upright(jpegcmp, photo, out_of(t.name))
        r.update(version=t.version, note=t.note, mp_s=megapixels / r["wall"] if r.get("wall") else None,
                 upright=upright, upright_why=upright_why,
                 as_jpegtran=same_bytes(out_of(t.name), out_of("jpegtran")) if "jpegtran" in results else None,
                 residue=residue(exifstrip, os.path.dirname(out_of(t.name)), inputs))
    wrong = [n for n in ours if not results[n]["upright"]]
    if wrong:
        why = "; ".join(results[n]["upright_why"] or "not the input turned" for n in wrong)
        raise BenchError(f"the phone photo does not display upright after {' and '.join(wrong)} "
                         f"(jpegcmp pixels: {why})")
    return results
