"""worker_bench.py - the daemon half of `make bench`: `exifstrip worker
--drain` and the boto3 + piexif baseline (baseline_worker.py) against a
private instance of the project's emulator (tests/emulator), on the same
photos. The S3 events are the emulator's own notifications, captured once and
replayed into a fresh queue (full before the worker starts) and a fresh
destination bucket for every run. Per run: CPU ms per image (the worker
process's user+sys, wait4; user and sys apart too), minor page faults per
image (the worker's own, as /usr/bin/time counts them), images/s up to the
last upload, the tail until a --drain run exits, peak RSS, ReceiveMessage
calls per message and HTTP connections per 100 images (the emulator's
/_emulator/stats), and the emulator's own CPU. Also: idle RSS, a large and a ~1 GB photo (RSS, CPU per
MB, CPU and page faults per MB, byte-identical to `exifstrip strip`), a
phone photo turned and not (CPU per photo), the start-up's CPU and faults,
and exifstrip's images/s at several concurrencies."""
import hashlib
import importlib
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import cli_bench
import floor_bench
from bench_emulator import Emulator, aws_env, self_signed
from bench_lib import BenchError, median, per_unit, proc_status, read_time_file, rss_wrapped, usage_of, wait_child

PY = "/usr/bin/python3"
SRC = "bench-src"
# A pool idle this long after its last job gives back what the jobs left
# (src/worker/memory.h ES_WORKER_IDLE_RELEASE_MS, 10 s), plus a second.
IDLE_RELEASE_S = 11


def import_boto3():
    """boto3 (Debian python3-boto3); piexif (python3-piexif) must be there for the baseline."""
    try:
        importlib.import_module("piexif")
        return importlib.import_module("boto3")
    except ImportError as err:
        raise BenchError(f"the worker benchmark needs python3-boto3 and python3-piexif ({err}); "
                         "run mk/deps.sh as root") from err


class WorkerBench:
    def __init__(self, root, exifstrip, emu, work):
        boto3 = import_boto3()
        from botocore.config import Config
        self.root, self.exifstrip, self.emu, self.work = root, exifstrip, emu, work
        kw = dict(endpoint_url=emu.url, region_name="us-east-1", aws_access_key_id="test",
                  aws_secret_access_key="test", config=Config(max_pool_connections=16, s3={"addressing_style": "path"}))
        if emu.ca:
            kw["verify"] = emu.ca
        self.s3 = boto3.client("s3", **kw)
        self.sqs = boto3.client("sqs", **kw)
        self.events = {}
        self.seq = 0
        self.floor = None   # floor_bench.Floor: run beside exifstrip on the big photos

    # -- set-up: the photos in bucket A and their real notification messages
    def upload(self, items):
        """items: [(key, path)]; uploads them to the source bucket and returns
        {key: event message body} as the emulator notified them."""
        if not self.events:
            self.s3.create_bucket(Bucket=SRC)
            self.seed = self.sqs.create_queue(QueueName="bench-seed")["QueueUrl"]
            arn = self.sqs.get_queue_attributes(QueueUrl=self.seed, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            self.s3.put_bucket_notification_configuration(Bucket=SRC, NotificationConfiguration={
                "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda kp: self.s3.upload_file(kp[1], SRC, kp[0]), items))
        wanted = {k for k, _ in items}
        got = {}
        deadline = time.time() + 60
        while wanted - set(got) and time.time() < deadline:
            msgs = self.sqs.receive_message(QueueUrl=self.seed, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
            for m in msgs:
                body = json.loads(m["Body"])
                for rec in body.get("Records", []):
                    got[urllib.parse.unquote_plus(rec["s3"]["object"]["key"])] = m["Body"]
            if msgs:
                self.sqs.delete_message_batch(QueueUrl=self.seed, Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)])
        if wanted - set(got):
            raise BenchError(f"the emulator sent no event for {len(wanted - set(got))} uploaded photo(s)")
        self.events.update(got)
        return got

    def delete_source(self, keys):
        for i in range(0, len(keys), 1000):
            self.s3.delete_objects(Bucket=SRC, Delete={"Objects": [{"Key": k} for k in keys[i:i + 1000]]})

    # -- one run
    def fresh(self):
        self.seq += 1
        q = self.sqs.create_queue(QueueName=f"bench-q{self.seq}", Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
        b = f"bench-out{self.seq}"
        self.s3.create_bucket(Bucket=b)
        return q, b

    def drop(self, q, b):
        keys = [o["Key"] for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=b)
                for o in page.get("Contents", [])]
        for i in range(0, len(keys), 1000):
            self.s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": k} for k in keys[i:i + 1000]]})
        self.s3.delete_bucket(Bucket=b)
        self.sqs.delete_queue(QueueUrl=q)

    def command(self, kind, conc, drain=True):
        if kind == "exifstrip":
            return [self.exifstrip, "worker"] + (["--drain"] if drain else [])
        return [PY, os.path.join(self.root, "tests/bench/baseline_worker.py"), "--concurrency", str(conc)] + \
            (["--drain"] if drain else [])

    def env(self, q, b, conc, extra=None):
        return aws_env(self.emu.url, dict({
            "EXIFSTRIP_QUEUE_URL": q, "EXIFSTRIP_DEST_BUCKET": b, "EXIFSTRIP_SOURCE_BUCKETS": SRC,
            "EXIFSTRIP_CONCURRENCY": str(conc), "EXIFSTRIP_HEARTBEAT_FILE": os.path.join(self.work, "heartbeat"),
            **({"AWS_CA_BUNDLE": self.emu.ca} if self.emu.ca else {}),
        }, **(extra or {})))

    def run(self, kind, conc, keys, extra_env=None, keep=False):
        """One --drain run over keys; returns its measurements (and, with
        keep, leaves the destination bucket for the caller: result['bucket'])."""
        q, b = self.fresh()
        self.enqueue(q, keys)
        self.emu.control("DELETE", "stats")
        self.emu.control("DELETE", "requests")
        log = os.path.join(self.work, f"worker-{kind}-{self.seq}.log")
        emu0 = self.emu.cpu()
        t0 = time.time()
        with open(log, "w") as logf:
            rss_file = log + ".rss"
            p = subprocess.Popen(rss_wrapped(self.command(kind, conc), rss_file), env=self.env(q, b, conc, extra_env),
                                 stdin=subprocess.DEVNULL, stdout=logf, stderr=logf, start_new_session=True)
            try:
                rc, use = wait_for(p, 600)
                maxrss, use["minflt"] = read_time_file(rss_file)   # the worker's faults, not time's too
            except BenchError:
                raise BenchError(f"{kind} worker did not finish within 600 s (log: {log})")
        t_exit = time.time()
        emu_cpu = self.emu.cpu() - emu0
        stats = self.emu.control("GET", "stats")
        puts = [r for r in self.emu.control("GET", "requests?service=s3")["requests"]
                if r.get("bucket") == b and r["action"] in ("PutObject", "CompleteMultipartUpload") and r["status"] == 200]
        written = self.written(b)
        if rc != 0 or written != len(keys):
            with open(log, errors="replace") as f:
                tail = f.read()[-800:]
            raise BenchError(f"{kind} worker (concurrency {conc}) exited {rc} and wrote {written} of {len(keys)} "
                             f"photos; log {log}: ...{tail}")
        last = max(iso_seconds(r["time"]) + r.get("duration_ms", 0) / 1000 for r in puts) if puts else t_exit
        busy = max(last - t0, 1e-6)
        n = len(keys)
        res = {
            "kind": kind, "concurrency": conc, "images": n, "busy_s": busy, "images_s": n / busy,
            "drain_tail_s": t_exit - last, **use, **per_unit(use, n, "image"),
            "peak_rss_kib": maxrss, "emu_cpu_ms_per_image": 1000 * emu_cpu / n,
            "emu_busy": emu_cpu / busy,
            "receives_per_msg": stats["requests"].get("sqs:ReceiveMessage", 0) / n,
            "conns_per_100": 100 * stats["connections"] / n,
        }
        if keep:
            res["bucket"], res["queue"] = b, q
        else:
            self.drop(q, b)
        return res

    def enqueue(self, q, keys):
        """The photos' notifications into queue q, ten a batch."""
        bodies = [self.events[k] for k in keys]
        for i in range(0, len(bodies), 10):
            self.sqs.send_message_batch(QueueUrl=q, Entries=[
                {"Id": str(j), "MessageBody": body} for j, body in enumerate(bodies[i:i + 10])])

    def written(self, b):
        return sum(1 for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=b)
                   for _ in page.get("Contents", []))

    def start_daemon(self, kind, conc, q, b):
        """A worker (not --drain) on queue q writing to bucket b, its output discarded."""
        return subprocess.Popen(self.command(kind, conc, drain=False), env=self.env(q, b, conc),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)

    def stop_daemon(self, p, q, b):
        """SIGTERM to that worker if it still runs, its exit awaited (40 s at most), q and b dropped."""
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
        try:
            wait_for(p, 40)
        except BenchError:
            pass
        self.drop(q, b)

    def idle_after_work(self, keys, conc, seconds):
        """RSS of an exifstrip worker (not --drain) once it has done keys and
        then waited seconds on the empty queue: {rss_done_kib (1 s after the
        last photo), rss_kib, threads}."""
        q, b = self.fresh()
        self.enqueue(q, keys)
        p = self.start_daemon("exifstrip", conc, q, b)
        try:
            deadline = time.time() + 300
            while self.written(b) < len(keys) and p.poll() is None and time.time() < deadline:
                time.sleep(0.2)
            done = self.written(b) == len(keys)
            time.sleep(1)
            rss_done, _ = proc_status(p.pid)
            time.sleep(max(seconds - 1, 0))
            rss, threads = proc_status(p.pid)
            alive = p.poll() is None
        finally:
            self.stop_daemon(p, q, b)
        if not done or not alive or rss is None or rss_done is None:
            raise BenchError(f"exifstrip worker did not do {len(keys)} photos and stay up (status {p.returncode})")
        return {"rss_done_kib": rss_done, "rss_kib": rss, "threads": threads}

    def idle(self, kind, seconds):
        """RSS and threads of a worker waiting on an empty queue."""
        q, b = self.fresh()
        p = self.start_daemon(kind, 4, q, b)
        time.sleep(seconds)
        rss, threads = proc_status(p.pid)
        alive = p.poll() is None
        self.stop_daemon(p, q, b)
        if not alive or rss is None:
            raise BenchError(f"{kind} worker exited while idle (status {p.returncode})")
        return {"rss_kib": rss, "threads": threads}

    def startup(self, extra_env, runs):
        """CPU ms (user + sys, and each) and minor page faults of `exifstrip
        worker --drain` on an empty queue (process start-up, library loading,
        the polls that find the queue empty): what every big-photo run pays
        besides its bytes. Medians of runs: {cpu_ms, user_ms, sys_ms, faults}."""
        uses = []
        for _ in range(runs):
            q, b = self.fresh()
            p = subprocess.Popen(self.command("exifstrip", 4), env=self.env(q, b, 4, extra_env),
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 start_new_session=True)
            rc, use = wait_for(p, 120)
            self.drop(q, b)
            if rc != 0:
                raise BenchError(f"exifstrip worker --drain on an empty queue exited {rc}")
            uses.append(per_unit(use, 1, "run"))
        return {k: median([u[f"{k}_per_run"] for u in uses]) for k in ("cpu_ms", "user_ms", "sys_ms", "faults")}

    def fetch_outputs(self, bucket, keys, outdir):
        """Downloads the worker's outputs (named by the keys' last part) for the residue check."""
        os.makedirs(outdir)
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda k: self.s3.download_file(bucket, k, os.path.join(outdir, os.path.basename(k))), keys))

    def object_sha256(self, bucket, key):
        h = hashlib.sha256()
        for chunk in self.s3.get_object(Bucket=bucket, Key=key)["Body"].iter_chunks(1 << 20):
            h.update(chunk)
        return h.hexdigest()


def wait_for(p, seconds):
    """wait4 with a deadline: (rc, bench_lib.usage_of its rusage); kills and raises when late."""
    deadline = time.time() + seconds
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid == p.pid:
            p.returncode = os.waitstatus_to_exitcode(status)
            return p.returncode, usage_of(ru)
        if time.time() > deadline:
            os.killpg(p.pid, signal.SIGKILL)   # its own session: /usr/bin/time and the worker
            wait_child(p)
            raise BenchError("timed out")
        time.sleep(0.02)


def iso_seconds(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def worker_suite(root, exifstrip, mkfixture, photos, large, large_clean, work, opts, say):
    """Runs every worker measurement; returns a dict for the report."""
    emu = Emulator(root, os.path.join(work, "emulator"))
    floor = opts.get("floor")
    try:
        wb = WorkerBench(root, exifstrip, emu, work)
        out = {"photos": len(photos), "photo_bytes": sum(os.path.getsize(p) for p in photos)}
        if floor:
            why = floor.start()
            if why:
                say(f"worker: the libcurl floor is skipped: {why}")
                out["curl_floor"] = {"skipped": why}
                floor = None
            wb.floor = floor
        if floor:
            say("worker: the photos' stripped sizes (what the floor PUTs, as the worker does)")
            stripped = floor_bench.stripped_sizes(exifstrip, photos, work)
        keys = [f"in/p{i:04d}-{os.path.basename(p)}" for i, p in enumerate(photos)]
        keys = [k if k.lower().endswith((".jpg", ".jpeg")) else k + ".jpg" for k in keys]
        say(f"worker: uploading {len(keys)} photos to the emulator")
        wb.upload(list(zip(keys, photos)))
        conc = opts["concurrency"]
        say(f"worker: idle RSS ({opts['idle_seconds']} s each)")
        out["idle"] = {k: wb.idle(k, opts["idle_seconds"]) for k in ("exifstrip", "baseline")}
        settle = IDLE_RELEASE_S + opts["idle_seconds"]
        say(f"worker: RSS after the photos, then {settle} s idle (exifstrip)")
        out["idle_after_work"] = dict(wb.idle_after_work(keys, opts["concurrency"], settle), settle_s=settle)
        runs = {"exifstrip": [], "baseline": [], "exifstrip_keep": []}
        source = cli_bench.inspect_json(exifstrip, sorted(set(photos)))
        inputs_by_name = {os.path.basename(k): source[os.path.basename(p)] for k, p in zip(keys, photos)}
        residues = {}
        for r in range(opts["runs"]):
            last = r == opts["runs"] - 1
            for kind in (("exifstrip", "baseline") if r % 2 == 0 else ("baseline", "exifstrip")):
                say(f"worker: {kind}, concurrency {conc}, run {r + 1}/{opts['runs']}")
                res = wb.run(kind, conc, keys, keep=last)
                if last:   # what the last run wrote: the residue check
                    outdir = os.path.join(work, f"worker-out-{kind}")
                    wb.fetch_outputs(res["bucket"], keys, outdir)
                    wb.drop(res.pop("queue"), res.pop("bucket"))
                    residues[kind] = cli_bench.residue(exifstrip, outdir, inputs_by_name)
                    shutil.rmtree(outdir)
                runs[kind].append(res)
            # the same run with no photo turned: the job the floor and the baseline do
            say(f"worker: exifstrip with EXIFSTRIP_ORIENTATION=keep, run {r + 1}/{opts['runs']}")
            runs["exifstrip_keep"].append(wb.run("exifstrip", conc, keys, extra_env=KEEP))
            if floor:
                say(f"worker: libcurl floor, {len(keys)} photos on {conc} connections, run {r + 1}/{opts['runs']}")
                floor.image_round(photos, stripped, conc, r)
        out["compare_keep"] = med_run(runs.pop("exifstrip_keep"))
        out["compare"] = {k: med_run(v) for k, v in runs.items()}
        if floor:
            out["curl_floor"] = {"images": floor.image_result()}
        for kind, res in residues.items():
            out["compare"][kind]["residue"] = res
        sweep = {conc: out["compare"]["exifstrip"]}
        for c in opts["sweep"]:
            if c not in sweep:
                say(f"worker: exifstrip, concurrency {c}")
                sweep[c] = wb.run("exifstrip", c, keys)
        out["sweep"] = [sweep[c] for c in sorted(sweep)]
        wb.delete_source(keys)
        say("worker: exifstrip --drain on an empty queue (start-up CPU and page faults)")
        out["startup"] = wb.startup(UNSIGNED, 1 if opts["runs"] == 1 else 5)
        out["large"] = big_photo(wb, "large", large, large_clean, ("exifstrip", "baseline"), conc, {}, say,
                                 runs=opts["runs"], floor_runs=opts["runs"])
        out["large"]["exifstrip_https"], https_floor = https_big_photo(root, exifstrip, work, large, large_clean,
                                                                       conc, say, floor, opts["runs"])
        if https_floor:
            out["large"]["curl_floor_https"] = https_floor
        if opts.get("portrait"):
            out["portrait"] = portrait_photo(wb, exifstrip, opts["portrait"], conc, opts["runs"], work, say,
                                             opts.get("portrait_copies", PORTRAIT_COPIES))
        huge = opts.get("huge_mb", 0)
        if huge > 0:
            path = os.path.join(work, "huge.jpg")
            side = int((huge * 1e6 / 1.2) ** 0.5)
            say(f"worker: generating a ~{huge} MB photo ({side}x{side})")
            r = subprocess.run([mkfixture, "--size", f"{side}x{side}", "--quality", "100", "--seed", "5", "--gps",
                                "--exif", "--xmp", path], capture_output=True, text=True)
            if r.returncode != 0:
                raise BenchError(f"mkfixture could not make the huge photo: {r.stderr.strip()}")
            clean = os.path.join(work, "huge-clean.jpg")
            r = subprocess.run([exifstrip, "strip", "-q", path, clean], capture_output=True, text=True)
            if r.returncode != 0:
                raise BenchError(f"exifstrip strip refused the huge photo: {r.stderr.strip()}")
            out["huge"] = big_photo(wb, "huge", path, clean, ("exifstrip",), conc,
                                    {"EXIFSTRIP_MAX_OBJECT_BYTES": "4GiB"}, say, runs=opts["runs"],
                                    floor_runs=opts["runs"])
            os.unlink(path)
            os.unlink(clean)
        return out
    finally:
        if floor:
            floor.close()
        emu.close()


# The main emulator is plain http, where exifstrip signs upload bodies
# (SHA-256); over https (what users run) the default is UNSIGNED-PAYLOAD +
# CRC64NVME. exifstrip's big-photo runs are repeated with that setting over
# http, and the large photo is also run against an https emulator.
UNSIGNED = {"EXIFSTRIP_PAYLOAD_SIGNING": "unsigned"}
# No photo turned (the default turns those with an EXIF Orientation other than 1).
KEEP = {"EXIFSTRIP_ORIENTATION": "keep"}


def https_big_photo(root, exifstrip, work, path, clean, conc, say, floor=None, floor_runs=1):
    """exifstrip on the large photo against a second, https emulator whose
    self-signed certificate it trusts through AWS_CA_BUNDLE, with
    EXIFSTRIP_PAYLOAD_SIGNING at its default (auto: UNSIGNED-PAYLOAD +
    CRC64NVME over https). The bundle is the system's CA bundle plus that
    certificate, so the worker parses what a deployment trusts (Debian's
    ~145 CAs), not a single certificate. With floor (the http libcurl floor),
    the same floor over TLS: its own https peer with the same certificate,
    which the floor trusts alone, streaming the photo floor_runs times
    unsigned with CRC-64/NVME, as the worker over https (floor_bench.TLS_HASHES).
    Then the start-up over https: `worker --drain` on an empty queue (one
    receive, its TLS connection, the CA store), in the run's "startup_https".
    Returns (that run's measurements, the https floor's medians or why it did
    not run, or None without a floor)."""
    cert, key = self_signed(work)
    emu = Emulator(root, os.path.join(work, "emulator-https"), tls=(cert, key))
    tls_floor = floor.over_tls(cert, key) if floor else None
    try:
        emu.ca = with_system_cas(work, emu.ca)
        wb = WorkerBench(root, exifstrip, emu, work)
        why = tls_floor.start() if tls_floor else None
        if why:
            say(f"worker: the libcurl floor over https is skipped: {why}")
            tls_floor = None
        wb.floor = tls_floor
        res = big_photo(wb, "large-https", path, clean, ("exifstrip",), conc, {}, say, unsigned_too=False,
                        runs=floor_runs, floor_runs=floor_runs, floor_hashes=floor_bench.TLS_HASHES)
        say("worker: exifstrip --drain on an empty queue over https (start-up with the CA store and TLS)")
        res["exifstrip"]["startup_https"] = wb.startup({}, 1 if floor_runs == 1 else 5)
        return res["exifstrip"], res.get("curl_floor") or ({"skipped": why} if why else None)
    finally:
        if tls_floor:
            tls_floor.close()
        emu.close()


SYSTEM_CAS = "/etc/ssl/certs/ca-certificates.crt"


def with_system_cas(work, cert):
    """A bundle in work: the system's CAs (when there) followed by cert."""
    bundle = os.path.join(work, "tls-bundle.pem")
    with open(bundle, "w") as out:
        for path in (SYSTEM_CAS, cert):
            if os.path.exists(path):
                with open(path) as f:
                    out.write(f.read().rstrip("\n") + "\n")
    return bundle


def big_photo(wb, name, path, clean, kinds, conc, extra_env, say, unsigned_too=True, runs=1, floor_runs=1,
              floor_hashes=floor_bench.HASHES):
    """kinds (and exifstrip unsigned, with unsigned_too) on one big photo,
    runs times each, their order flipping every run; each exifstrip output
    byte-identical to `exifstrip strip`'s. Per kind: the medians of its runs
    (med_run), its lowest and highest CPU per MB (cpu_ms_per_mb_range) and its
    highest peak RSS. Then the libcurl floor (wb.floor), floor_runs per mode."""
    key = f"big/{name}.jpg"
    say(f"worker: uploading {name} photo ({os.path.getsize(path) / 1e6:.0f} MB)")
    wb.upload([(key, path)])
    want = file_sha256(clean)
    res = {"bytes": os.path.getsize(path)}
    plan = [(k, k, extra_env) for k in kinds]
    if "exifstrip" in kinds and unsigned_too:
        plan.append(("exifstrip_unsigned", "exifstrip", dict(extra_env, **UNSIGNED)))
    got = {label: [] for label, _, _ in plan}
    for i in range(runs):
        for label, kind, env in (plan if i % 2 == 0 else plan[::-1]):
            say(f"worker: {label} on the {name} photo" + (f", run {i + 1}/{runs}" if runs > 1 else ""))
            r = checked_run(wb, kind, conc, [key], env, want if kind == "exifstrip" else None,
                            f"the {name} photo ({label})")
            r.update(per_unit(r, res["bytes"] / 1e6, "mb"))
            got[label].append(r)
    for label, rs in got.items():
        res[label] = med_run(rs, ranges=("cpu_ms_per_mb",))
        res[label]["peak_rss_kib"] = max(r["peak_rss_kib"] for r in rs)   # the RSS target holds for every run
    if wb.floor:
        say(f"worker: libcurl floor on the {name} photo (streamed over {wb.floor.scheme}, {floor_runs} run(s) "
            f"per mode: {', '.join(floor_hashes)})")
        res["curl_floor"] = wb.floor.stream(path, os.path.getsize(clean), floor_runs, floor_hashes)
    wb.delete_source([key])
    return res


def checked_run(wb, kind, conc, keys, env, want, what):
    """One --drain run on the objects keys (all copies of one photo); with
    want (a SHA-256), each output must be that (r["identical"]; BenchError
    otherwise)."""
    r = wb.run(kind, conc, keys, extra_env=env, keep=True)
    r["identical"] = all(wb.object_sha256(r["bucket"], k) == want for k in keys) if want else None
    wb.drop(r.pop("queue"), r.pop("bucket"))
    if want and not r["identical"]:
        raise BenchError(f"the worker's output of {what} differs from `exifstrip strip`'s")
    return r


# (mode, the worker's environment, `exifstrip strip`'s flags for the same output)
PORTRAIT_MODES = (("apply", {}, []), ("keep", KEEP, ["--orientation", "keep"]))


# Copies of the phone photo in each worker run: a queue of phone photos, as a
# website gets them, so a turn after the first reuses the large blocks the
# earlier turns gave back (src/common/block_cache.h), as in production.
PORTRAIT_COPIES = 12


def portrait_photo(wb, exifstrip, path, conc, runs, work, say, copies=PORTRAIT_COPIES):
    """The CLI's phone photo (EXIF Orientation 6) through `worker --drain`,
    turned (the default) and with EXIFSTRIP_ORIENTATION=keep, the modes
    alternating, runs each; each run is one process over copies of the
    photo (under as many keys): what such a photo costs the worker in a
    run of them, 1/copies of the start-up included. Each output is
    byte-identical to `exifstrip strip`'s with the same orientation mode.
    The baseline is not run: piexif turns no pixels.
    {bytes, runs, copies, apply: run, keep: run}."""
    keys = [f"portrait/phone-{i:02d}.jpg" for i in range(copies)]
    say(f"worker: uploading {copies} copies of the phone photo ({os.path.getsize(path) / 1e6:.1f} MB each)")
    wb.upload([(k, path) for k in keys])
    want = {}
    for mode, _, flags in PORTRAIT_MODES:
        clean = os.path.join(work, f"portrait-worker-{mode}.jpg")
        r = subprocess.run([exifstrip, "strip", "-q", *flags, path, clean], capture_output=True, text=True)
        if r.returncode != 0:
            raise BenchError(f"exifstrip strip {' '.join(flags)} refused the phone photo: {r.stderr.strip()}")
        want[mode] = file_sha256(clean)
        os.unlink(clean)
    got = {mode: [] for mode, _, _ in PORTRAIT_MODES}
    for i in range(runs):
        for mode, env, _ in (PORTRAIT_MODES if i % 2 == 0 else PORTRAIT_MODES[::-1]):
            say(f"worker: the phone photo, orientation {mode}, run {i + 1}/{runs}")
            got[mode].append(checked_run(wb, "exifstrip", conc, keys, env, want[mode], f"the phone photo ({mode})"))
    wb.delete_source(keys)
    return {"bytes": os.path.getsize(path), "runs": runs, "copies": copies, **{m: med_run(v) for m, v in got.items()}}


def med_run(runs, ranges=()):
    """Medians of every numeric field over runs of one configuration, and
    for each field named in ranges its lowest and highest run (k + "_range")."""
    out = dict(runs[0])
    for k, v in runs[0].items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            out[k] = median([r[k] for r in runs])
    out.update({k + "_range": [min(r[k] for r in runs), max(r[k] for r in runs)] for k in ranges})
    out["runs"] = len(runs)
    return out
