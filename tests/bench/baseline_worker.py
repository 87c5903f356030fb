#!/usr/bin/python3
"""baseline_worker.py - the comparison point of `make bench`'s worker section:
the job `exifstrip worker` does, written the way a Python team would with
boto3 and piexif (Debian: python3-boto3, python3-piexif). It long-polls the
SQS queue (up to 10 messages per ReceiveMessage), and for each S3
ObjectCreated record GETs the object from its bucket, removes the EXIF segment
with piexif.remove, uploads the result to the destination bucket under the
same key (boto3's upload_fileobj: one PUT, multipart above 8 MiB) and deletes
the message once every record of it is done. Not a product: no retries beyond
boto3's own, no refusal reports (a failed record leaves its message for
redelivery, and the failure is counted on stderr).

Configuration: EXIFSTRIP_QUEUE_URL, EXIFSTRIP_DEST_BUCKET, AWS_ENDPOINT_URL,
AWS_REGION and the usual AWS credential variables.
  --concurrency N   records handled in parallel (threads; default 1)
  --wait-seconds S  long-poll wait (default 20)
  --drain           exit 0 once a receive comes back empty and the queue
                    holds no message (visible, in flight or delayed); receives
                    wait at most 1 s meanwhile
Prints one JSON line on stdout at exit: {"done": N, "failed": N}.
"""
import argparse
import io
import json
import os
import signal
import sys
import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import boto3
import piexif
from botocore.config import Config


def parse_args():
    p = argparse.ArgumentParser(description="boto3 + piexif baseline worker (benchmark only)")
    p.add_argument("--concurrency", type=int, default=1)
    p.add_argument("--wait-seconds", type=int, default=20)
    p.add_argument("--drain", action="store_true")
    return p.parse_args()


class Baseline:
    def __init__(self, args):
        endpoint = os.environ.get("AWS_ENDPOINT_URL") or None
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        pool = max(10, args.concurrency)
        self.sqs = boto3.client("sqs", endpoint_url=endpoint, region_name=region,
                                config=Config(max_pool_connections=pool))
        self.s3 = boto3.client("s3", endpoint_url=endpoint, region_name=region,
                               config=Config(max_pool_connections=pool, s3={"addressing_style": "path"}))
        self.queue = os.environ["EXIFSTRIP_QUEUE_URL"]
        self.dest = os.environ["EXIFSTRIP_DEST_BUCKET"]
        self.args = args
        self.done = 0
        self.failed = 0
        self.lock = threading.Lock()
        self.stopping = False

    def strip_record(self, record):
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        data = self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        out = io.BytesIO()
        piexif.remove(data, out)
        out.seek(0)
        self.s3.upload_fileobj(out, self.dest, key, ExtraArgs={"ContentType": "image/jpeg"})

    def handle(self, message):
        """True when the message may be deleted."""
        try:
            body = json.loads(message["Body"])
            for record in body.get("Records", []):
                if str(record.get("eventName", "")).startswith("ObjectCreated:"):
                    self.strip_record(record)
                    with self.lock:
                        self.done += 1
            return True
        except Exception as err:  # counted and left for redelivery
            with self.lock:
                self.failed += 1
            print(f"baseline: {message.get('MessageId')}: {err}", file=sys.stderr)
            return False

    def queue_empty(self):
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                 "ApproximateNumberOfMessagesDelayed"]
        attrs = self.sqs.get_queue_attributes(QueueUrl=self.queue, AttributeNames=names)["Attributes"]
        return all(int(attrs.get(n, "0")) == 0 for n in names)

    def run(self):
        with ThreadPoolExecutor(max_workers=self.args.concurrency) as pool:
            while not self.stopping:
                # Draining, a long poll would only add its wait to the end of the run.
                wait = 1 if self.args.drain else self.args.wait_seconds
                messages = self.sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10,
                                                    WaitTimeSeconds=wait).get("Messages", [])
                if not messages:
                    if self.args.drain and self.queue_empty():
                        break
                    continue
                settled = [m for m, ok in zip(messages, pool.map(self.handle, messages)) if ok]
                if settled:
                    self.sqs.delete_message_batch(QueueUrl=self.queue, Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(settled)])
        print(json.dumps({"done": self.done, "failed": self.failed}), flush=True)


def main():
    worker = Baseline(parse_args())

    def stop(_sig, _frame):
        worker.stopping = True
        # An idle long poll would hold the exit for up to --wait-seconds.
        print(json.dumps({"done": worker.done, "failed": worker.failed}), flush=True)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    worker.run()


if __name__ == "__main__":
    main()
