#!/usr/bin/env python3
"""emf_check.py - validates the CloudWatch Embedded Metric Format records in a
worker's JSON log against the EMF specification's structure, and checks that
they add up to the log's job lines.

Usage: emf_check.py LOG [--namespace NS] [--queue NAME] [--expect OUTCOME=N ...]
                        [--require METRIC ...] [--none]

Per record (a JSON line with an "_aws" member):
  - _aws is an object with an integer Timestamp (epoch ms, within the last
    two weeks and at most two hours ahead: CloudWatch's window) and a
    CloudWatchMetrics array of directives; no members the spec does not define;
  - a directive has a Namespace (1..255 of the allowed characters, not AWS/),
    Dimensions (an array of dimension sets, each an array of at most 30 keys,
    every key a top-level member holding a non-empty string of at most 1024
    characters) and Metrics (1..100 definitions: Name, optional Unit from
    CloudWatch's list, optional StorageResolution 1 or 60, nothing else);
  - every defined metric is a top-level member holding a number or an array
    of at most 100 numbers (booleans are not numbers).
Across the log:
  - one record per job line (job.done/skipped/gone/refused/retry/deleted): exactly
    one Jobs* count is 1, the one of its Outcome, and the records' (Outcome,
    BytesIn, BytesOut, JobDuration) are the job lines' (outcome, bytes_in,
    bytes_out, duration_ms), matched as multisets (concurrent jobs interleave);
  - --expect stripped=3 ...: the number of jobs with that outcome;
  - --require METRIC: present in every record;
  - --none: the log holds no "_aws" at all (metrics off, text logs).
Prints what it found; exits 0 when valid, 1 with one line per problem.
"""
import argparse
import json
import re
import sys
import time

UNITS = {
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
    "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
    "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second",
    "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second",
    "Terabits/Second", "Count/Second", "None",
}
NAMESPACE_RE = re.compile(r"^[A-Za-z0-9 ._/#:-]{1,255}$")
OUTCOME_COUNTS = {"stripped": "JobsDone", "skipped": "JobsSkipped", "gone": "JobsGone",
                  "refused": "JobsRefused", "retry": "JobsRetried", "deleted": "JobsDeleted"}
JOB_EVENTS = {"job.done": "stripped", "job.skipped": "skipped", "job.gone": "gone",
              "job.refused": "refused", "job.retry": "retry", "job.deleted": "deleted"}


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def check_metric_value(name, v, where, problems):
    if is_number(v):
        return
    if isinstance(v, list) and 0 < len(v) <= 100 and all(is_number(x) for x in v):
        return
    problems.append(f"{where}: metric {name!r} is {v!r}, not a number or an array of 1..100 numbers")


def check_directive(d, rec, where, problems):
    if not isinstance(d, dict):
        problems.append(f"{where}: directive is not an object")
        return []
    extra = set(d) - {"Namespace", "Dimensions", "Metrics"}
    if extra:
        problems.append(f"{where}: directive has members the spec does not define: {sorted(extra)}")
    ns = d.get("Namespace")
    if not isinstance(ns, str) or not NAMESPACE_RE.match(ns) or ns.startswith("AWS/") or not ns.strip():
        problems.append(f"{where}: invalid Namespace {ns!r}")
    sets = d.get("Dimensions")
    if not isinstance(sets, list):
        problems.append(f"{where}: Dimensions is not an array")
        sets = []
    for s in sets:
        if not isinstance(s, list) or len(s) > 30:
            problems.append(f"{where}: dimension set {s!r} is not an array of at most 30 keys")
            continue
        for key in s:
            val = rec.get(key) if isinstance(key, str) else None
            if not isinstance(val, str) or not 0 < len(val) <= 1024:
                problems.append(f"{where}: dimension {key!r} is {val!r}, not a string of 1..1024 characters")
    metrics = d.get("Metrics")
    if not isinstance(metrics, list) or not 0 < len(metrics) <= 100:
        problems.append(f"{where}: Metrics is not an array of 1..100 definitions")
        return []
    names = []
    for m in metrics:
        if not isinstance(m, dict) or not isinstance(m.get("Name"), str) or not m["Name"]:
            problems.append(f"{where}: metric definition {m!r} has no Name")
            continue
        extra = set(m) - {"Name", "Unit", "StorageResolution"}
        if extra:
            problems.append(f"{where}: metric {m['Name']!r} has members the spec does not define: {sorted(extra)}")
        if "Unit" in m and m["Unit"] not in UNITS:
            problems.append(f"{where}: metric {m['Name']!r} has an invalid Unit {m['Unit']!r}")
        if "StorageResolution" in m and m["StorageResolution"] not in (1, 60):
            problems.append(f"{where}: metric {m['Name']!r} has StorageResolution {m['StorageResolution']!r}")
        if m["Name"] in names:
            problems.append(f"{where}: metric {m['Name']!r} defined twice in one directive")
        names.append(m["Name"])
        if m["Name"] not in rec:
            problems.append(f"{where}: metric {m['Name']!r} has no value member")
        else:
            check_metric_value(m["Name"], rec[m["Name"]], where, problems)
    return names


def check_record(rec, where, now_ms, problems):
    """Returns the metric names the record defines."""
    aws = rec.get("_aws")
    if not isinstance(aws, dict):
        problems.append(f"{where}: _aws is not an object")
        return set()
    extra = set(aws) - {"Timestamp", "CloudWatchMetrics", "LogGroupName", "LogStreamName"}
    if extra:
        problems.append(f"{where}: _aws has members the spec does not define: {sorted(extra)}")
    ts = aws.get("Timestamp")
    if not isinstance(ts, int) or isinstance(ts, bool):
        problems.append(f"{where}: _aws.Timestamp {ts!r} is not an integer (epoch milliseconds)")
    elif not now_ms - 14 * 86400 * 1000 <= ts <= now_ms + 2 * 3600 * 1000:
        problems.append(f"{where}: _aws.Timestamp {ts} is outside CloudWatch's window (not epoch ms?)")
    dirs = aws.get("CloudWatchMetrics")
    if not isinstance(dirs, list) or not dirs:
        problems.append(f"{where}: _aws.CloudWatchMetrics is not a non-empty array")
        return set()
    names = set()
    for i, d in enumerate(dirs):
        names.update(check_directive(d, rec, f"{where} directive {i}", problems))
    return names


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("--namespace")
    ap.add_argument("--queue")
    ap.add_argument("--expect", action="append", default=[], metavar="OUTCOME=N")
    ap.add_argument("--require", action="append", default=[], metavar="METRIC")
    ap.add_argument("--none", action="store_true")
    args = ap.parse_args()
    problems, records, jobs = [], [], []
    now_ms = int(time.time() * 1000)
    with open(args.log, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            where = f"{args.log}:{n}"
            if "_aws" in line and args.none:
                problems.append(f"{where}: \"_aws\" in a log that must have no metrics")
            try:
                rec = json.loads(line)
            except ValueError:
                if "_aws" in line:
                    problems.append(f"{where}: a line with _aws is not one JSON object")
                continue
            if not isinstance(rec, dict):
                continue
            if rec.get("event") in JOB_EVENTS:
                jobs.append((where, rec))
            if "_aws" not in rec:
                continue
            names = check_record(rec, where, now_ms, problems)
            for d in rec["_aws"].get("CloudWatchMetrics", []) if isinstance(rec["_aws"], dict) else []:
                if args.namespace is not None and isinstance(d, dict) and d.get("Namespace") != args.namespace:
                    problems.append(f"{where}: Namespace {d.get('Namespace')!r}, expected {args.namespace!r}")
            if args.queue is not None and rec.get("Queue") != args.queue:
                problems.append(f"{where}: Queue {rec.get('Queue')!r}, expected {args.queue!r}")
            for m in args.require:
                if m not in names:
                    problems.append(f"{where}: metric {m!r} missing")
            records.append((where, rec))
    if not args.none:
        if len(records) != len(jobs):
            problems.append(f"{len(records)} metrics records for {len(jobs)} job lines")
        for rw, rec in records:
            outcome = rec.get("Outcome")
            if outcome not in OUTCOME_COUNTS:
                problems.append(f"{rw}: Outcome {outcome!r} is not a job outcome")
            for o, metric in OUTCOME_COUNTS.items():
                if rec.get(metric) != (1 if o == outcome else 0):
                    problems.append(f"{rw}: {metric} is {rec.get(metric)!r} for a {outcome} job")
        # Lines of concurrent jobs interleave: records and job lines are matched as multisets.
        def job_key(j):
            return (JOB_EVENTS[j["event"]], j.get("bytes_in"), j.get("bytes_out"), j.get("duration_ms"))

        def rec_key(r):
            return (r.get("Outcome"), r.get("BytesIn"), r.get("BytesOut"), r.get("JobDuration"))
        unmatched = sorted(map(str, set(map(job_key, (j for _, j in jobs))) ^ set(map(rec_key, (r for _, r in records)))))
        if sorted(map(job_key, (j for _, j in jobs))) != sorted(map(rec_key, (r for _, r in records))):
            problems.append("(outcome, BytesIn, BytesOut, JobDuration) of the records differ from "
                            f"(event, bytes_in, bytes_out, duration_ms) of the job lines: {unmatched[:6]}")
        totals = {o: sum(r.get(m, 0) for _, r in records if is_number(r.get(m, 0))) for o, m in OUTCOME_COUNTS.items()}
        for e in args.expect:
            o, _, n = e.partition("=")
            if totals.get(o) != int(n):
                problems.append(f"{totals.get(o)} {o} jobs counted by the metrics, expected {n}")
        print(f"emf_check: {len(records)} records, {len(jobs)} job lines, outcomes {totals}")
    for p in problems:
        print(f"emf_check: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
