"""floor_bench.py - the libcurl floor of `make bench`'s worker section: what
the mandated HTTP stack alone costs here. curl_floor_bench (C, the libcurl
and libcrypto the worker loads) GETs and PUTs the worker's photos against
floor_peer.mjs (a minimal keep-alive HTTP/1.1 peer in Node.js) in the
worker's two modes, each checking integrity as the worker always does (the
CRC-64/NVME of each GET body, checked against the one the peer states, and
of each PUT body, sent for the peer to verify): unsigned (--hash crc64nvme)
and signed (--hash sha256+crc64nvme: SHA-256 of each PUT body too);
worker_bench.py runs it between exifstrip's runs on the same photos. Over
https (the peer serving TLS with the https emulator's self-signed
certificate, the floor trusting that certificate alone) the large photo is
streamed unsigned, as the worker sends it over https. Like the
worker, each run GETs the photo and PUTs as many bytes as the photo has
stripped (the worker uploads the stripped output), and its CPU is the
whole process's (wait4: start-up and library loading included, as in the
worker's figures). Medians plus the runs' min and max (the noise). Without Node.js the floor is skipped with its
reason (the report says so); a floor program that fails is a broken step."""
import os
import subprocess
import threading

from bench_lib import BenchError, median, spawn_timed

HASHES = ("crc64nvme", "sha256+crc64nvme")   # over http: the worker unsigned, signed (SHA-256)
TLS_HASHES = ("crc64nvme",)   # over https: UNSIGNED-PAYLOAD + CRC64NVME
HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.path.join(HERE, "floor_peer.mjs")
RUN_TIMEOUT_S = 600   # one floor run; a stalled peer fails the bench instead of hanging it


def find_node():
    """The Node.js of the bench's peers (find_node.sh: the emulator's, else `node` on PATH), or None."""
    r = subprocess.run([os.path.join(HERE, "find_node.sh")], capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 and r.stdout.strip() else None


class Floor:
    """The peer (serving files under serve_root; with tls=(cert, key) PEM
    paths over https, the floor trusting cert alone) and the floor program;
    start() returns None, or why the floor cannot run."""

    def __init__(self, root, binary, serve_root, work, part_bytes=None, tls=None):
        self.root, self.binary, self.serve_root, self.work = root, binary, serve_root, work
        self.part_bytes, self.tls = part_bytes, tls
        self.scheme = "https" if tls else "http"
        self.proc = self.url = None
        self.images = {h: [] for h in HASHES}   # per-image runs: {hash: [result]}

    def over_tls(self, cert, key):
        """The same floor against its own https peer (not started)."""
        return Floor(self.root, self.binary, self.serve_root, self.work, self.part_bytes, tls=(cert, key))

    def start(self):
        node = find_node()
        if not node:
            return "Node.js not found (run mk/deps.sh, or install nodejs), so there is no HTTP peer"
        log = open(os.path.join(self.work, f"floor-peer-{self.scheme}.log"), "w")
        tls = ["--tls-cert", self.tls[0], "--tls-key", self.tls[1]] if self.tls else []
        with log:
            self.proc = subprocess.Popen([node, PEER, *tls, self.serve_root], stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True)
        line = [None]
        reader = threading.Thread(target=lambda: line.__setitem__(0, self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(20)
        if not line[0] or not line[0].startswith(f"{self.scheme}://"):
            self.close()
            return f"the floor's {self.scheme} peer ({node} {PEER}) did not start"
        self.url = line[0].strip()
        return None

    def close(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def run(self, args):
        """One run of the floor program; its "# key value" lines as a dict."""
        err = os.path.join(self.work, "floor.err")
        out = os.path.join(self.work, "floor.out")
        ca = ["--cacert", self.tls[0]] if self.tls else []
        p = spawn_timed([self.binary, "--url", self.url, *ca, "--root", self.serve_root, *args], stdout=out,
                        errfile=err, timeout=RUN_TIMEOUT_S)
        with open(out) as f:
            vals = {}
            for line in f:
                parts = line.split()
                if len(parts) == 3 and parts[0] == "#":
                    vals[parts[1]] = parts[2]
        if p.rc != 0 or "floor_cpu_ms" not in vals:
            raise BenchError(f"curl_floor_bench {' '.join(args)} failed (exit {p.rc}): {p.err.strip()[-500:]}")
        cpu_ms = 1000 * p.cpu   # the whole process, as for the worker
        objects, nbytes = int(vals["floor_objects"]), int(vals["floor_bytes"])
        return {"cpu_ms": cpu_ms, "ms_per_image": cpu_ms / objects, "ms_per_mb": cpu_ms / (nbytes / 1e6),
                "put_bytes": int(vals.get("floor_put_bytes", nbytes)), "objects": objects,
                "bytes": int(vals["floor_bytes"]), "requests": int(vals["floor_requests"]),
                "connections": int(vals["floor_connections"]), "threads": int(vals["floor_threads"]),
                "part_bytes": int(vals.get("floor_part_bytes", 0))}

    def image_round(self, photos, stripped_size, threads, round_no):
        """One per-image run in each mode (the order alternates by round) over
        photos (paths under serve_root), each PUT with stripped_size[path]
        bytes (what the worker uploads), threads connections."""
        listing = os.path.join(self.work, "floor-photos.txt")
        with open(listing, "w") as f:
            f.writelines(f"{os.path.relpath(p, self.serve_root)}\t{stripped_size[p]}\n" for p in photos)
        for h in (HASHES if round_no % 2 == 0 else HASHES[::-1]):
            self.images[h].append(self.run(["--list", listing, "--threads", str(threads), "--hash", h]))

    def image_result(self):
        """Medians of the per-image runs: {hash: {...}} plus the run count."""
        return {h: med(runs) for h, runs in self.images.items() if runs}

    def stream(self, path, put_bytes, runs, hashes=HASHES):
        """path (under serve_root) streamed GET -> parts -> PUT of its first
        put_bytes (the stripped size), runs times in each of hashes' modes
        alternating; medians."""
        args = ["--stream", os.path.relpath(path, self.serve_root), "--put-bytes", str(put_bytes)]
        if self.part_bytes:
            args += ["--part", str(self.part_bytes)]
        got = {h: [] for h in hashes}
        for r in range(runs):
            for h in (hashes if r % 2 == 0 else hashes[::-1]):
                got[h].append(self.run(args + ["--hash", h]))
        return {h: med(v) for h, v in got.items()}


def stripped_sizes(exifstrip, photos, work):
    """{path: size of `exifstrip strip`'s output} for each distinct photo: what
    the worker PUTs for it (its output is byte-identical to strip's)."""
    out = os.path.join(work, "floor-stripped.jpg")
    sizes = {}
    for p in sorted(set(photos)):
        r = subprocess.run([exifstrip, "strip", "-q", p, out], capture_output=True, text=True)
        if r.returncode != 0:
            raise BenchError(f"exifstrip strip refused {p} (the floor needs its stripped size): {r.stderr.strip()}")
        sizes[p] = os.path.getsize(out)
    if os.path.exists(out):
        os.unlink(out)
    return sizes


def med(runs):
    """Medians over runs, with each figure's lowest and highest run (the noise)."""
    out = {k: median([r[k] for r in runs]) for k in ("cpu_ms", "ms_per_image", "ms_per_mb")}
    out.update({k + "_range": [min(r[k] for r in runs), max(r[k] for r in runs)] for k in ("ms_per_image", "ms_per_mb")})
    out.update({k: runs[0][k] for k in ("objects", "bytes", "put_bytes", "threads", "part_bytes")})
    out["connections"] = max(r["connections"] for r in runs)
    out["requests"] = runs[0]["requests"]
    out["runs"] = len(runs)
    return out
