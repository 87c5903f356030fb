#!/usr/bin/env python3
"""server.py - a scripted, deliberately hostile S3+SQS endpoint on 127.0.0.1
for tests/hostile/hostile_test.sh. It speaks just enough of both APIs for
`exifstrip worker` (SQS JSON protocol on POST /, S3 path-style GET/PUT) and
misbehaves as the chosen scenario says. No signature is checked.

Usage: server.py SCENARIO JPEG_FILE PORT_FILE LOG_FILE
  Writes the port to PORT_FILE once listening and one JSON line per request
  to LOG_FILE ({"op": "ReceiveMessage"|..|"GET"|"PUT", ...}).

Queue model: N messages (events for src/k0.jpg ... ), each delivered once
unless released with visibility 0, then it is available again. Scenarios:
  plain         one message, everything compliant
  surplus       12 messages; the first receive returns all 12 whatever
                MaxNumberOfMessages says (more than asked, more than SQS's
                maximum of 10)
  many_headers  the GET answer carries 140 x-amz-meta-* headers
  giant_header  the GET answer carries one 100 KB header
  huge_header   the GET answer carries one 200 KB header line (over libcurl's limit)
  big_503       the GET answers 503 with an 80 KB HTML body
  endless_500   the GET answers 500 with a body that never ends
  endless_200   the GET answers 200 with a JPEG whose scan data never ends
  bad_xml       the GET answers 500 with a malformed XML body
  bad_json      the first receives answer 200 with malformed JSON
  drip          the GET body trickles at 2 bytes/s
  echo_secret   the GET answers 403 whose <Message> echoes the session token
  hung_delete   DeleteMessageBatch never answers (200 s)
  hung_abort    the GET stalls after 6 MiB (a multipart upload has begun) and
                AbortMultipartUpload never answers
  empty         no messages at all; receives return at once (ignore the wait)
  bad_checksum  the GET answers 200 with the JPEG and a full-object
                x-amz-checksum-crc64nvme that is not the body's
PUT requests are logged with their x-amz-content-sha256 and
x-amz-checksum-crc64nvme headers ("sha", "crc").
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import hashlib
import itertools

SCENARIO, JPEG_FILE, PORT_FILE, LOG_FILE = sys.argv[1:5]
JPEG = open(JPEG_FILE, "rb").read()
ETAG = hashlib.md5(JPEG).hexdigest()
NMSG = 12 if SCENARIO == "surplus" else (0 if SCENARIO == "empty" else 1)

lock = threading.Lock()
log_fh = open(LOG_FILE, "a", buffering=1)
# message index -> "ready" | "inflight" | "deleted"
state = {i: "ready" for i in range(NMSG)}
receives = [0]
deliveries = {i: 0 for i in range(NMSG)}
# A dripping object would be redelivered for ever: one delivery, as if the
# redrive policy had moved it to a dead-letter queue after that.
MAX_DELIVERIES = 1 if SCENARIO == "drip" else 1000


def log(**kw):
    with lock:
        log_fh.write(json.dumps(kw) + "\n")


# The scenarios whose GET answers more than the photo stand for a larger
# object: their events name no size (a sized answer of another length would
# not be the object, and is retried before the stripper judges it).
UNSIZED = ("endless_200", "hung_abort")


def event(i):
    obj = {"key": "k%d.jpg" % i, "size": len(JPEG), "eTag": ETAG, "sequencer": "0A1B%02d" % i}
    if SCENARIO in UNSIZED:
        del obj["size"]
    return json.dumps({"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventName": "ObjectCreated:Put",
        "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": "src"}, "object": obj}}]})


def message(i):
    body = event(i)
    return {"MessageId": "m%d" % i, "ReceiptHandle": "rh-%d" % i,
            "MD5OfBody": hashlib.md5(body.encode()).hexdigest(), "Body": body,
            "Attributes": {"ApproximateReceiveCount": "1"}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=(), ctype="application/x-amz-json-1.0"):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amz-request-id", "hostile-req")
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    # ---- SQS ----
    def do_POST(self):
        body = self.read_body()
        if self.path.startswith("/dst/"):  # S3 CreateMultipartUpload
            log(op="POST", path=self.path)
            self.reply(200, "<?xml version='1.0' encoding='UTF-8'?><InitiateMultipartUploadResult>"
                       "<Bucket>dst</Bucket><Key>k0.jpg</Key><UploadId>upload-1</UploadId>"
                       "</InitiateMultipartUploadResult>", ctype="application/xml")
            return
        action = (self.headers.get("X-Amz-Target") or "").split(".")[-1]
        req = json.loads(body or b"{}")
        if action == "ReceiveMessage":
            self.receive(req)
        elif action == "DeleteMessageBatch":
            ids = [e["ReceiptHandle"] for e in req.get("Entries", [])]
            log(op=action, receipts=ids)
            if SCENARIO == "hung_delete":
                time.sleep(200)
            with lock:
                for rh in ids:
                    state[int(rh.split("-")[1])] = "deleted"
            self.reply(200, json.dumps({"Successful": [{"Id": e["Id"]} for e in req["Entries"]],
                                        "Failed": []}))
        elif action == "ChangeMessageVisibilityBatch":
            entries = req.get("Entries", [])
            log(op=action, receipts=[e["ReceiptHandle"] for e in entries],
                timeouts=[e.get("VisibilityTimeout") for e in entries])
            with lock:
                for e in entries:
                    if e.get("VisibilityTimeout") == 0:
                        i = int(e["ReceiptHandle"].split("-")[1])
                        if state.get(i) == "inflight":
                            state[i] = "ready"
            self.reply(200, json.dumps({"Successful": [{"Id": e["Id"]} for e in entries],
                                        "Failed": []}))
        elif action == "ChangeMessageVisibility":
            log(op=action, receipts=[req.get("ReceiptHandle")], timeouts=[req.get("VisibilityTimeout")])
            self.reply(200, "{}")
        elif action == "SendMessage":
            log(op=action, queue=req.get("QueueUrl"), body=req.get("MessageBody"))
            self.reply(200, json.dumps({"MessageId": "sent",
                                        "MD5OfMessageBody": hashlib.md5(
                                            req.get("MessageBody", "").encode()).hexdigest()}))
        else:
            log(op=action or "unknown")
            self.reply(400, json.dumps({"__type": "com.amazonaws.sqs#InvalidAction",
                                        "message": "unsupported"}))

    def receive(self, req):
        limit = int(req.get("MaxNumberOfMessages", 1))
        with lock:
            receives[0] += 1
            broken = SCENARIO == "bad_json" and receives[0] <= 2
            ready = [] if broken else [i for i in range(NMSG)
                                       if state[i] == "ready" and deliveries[i] < MAX_DELIVERIES]
            surplus = SCENARIO == "surplus" and receives[0] == 1
            if not surplus:
                ready = ready[:limit]
            for i in ready:
                state[i] = "inflight"
                deliveries[i] += 1
        log(op="ReceiveMessage", max=limit, wait=req.get("WaitTimeSeconds"), returned=len(ready))
        if broken:
            self.reply(200, '{"Messages": [{"MessageId": "x", "Body": ')
            return
        self.reply(200, json.dumps({"Messages": [message(i) for i in ready]} if ready else {}))

    # ---- S3 ----
    def do_GET(self):
        log(op="GET", path=self.path)
        if SCENARIO == "many_headers":
            meta = [("x-amz-meta-f%03d" % n, "v") for n in range(140)]
            self.reply(200, JPEG, meta + [("ETag", '"%s"' % ETAG)], "image/jpeg")
        elif SCENARIO == "giant_header":  # one 100 KB header line: past any sane bound
            self.reply(200, JPEG, [("x-amz-meta-giant", "g" * 100000)], "image/jpeg")
        elif SCENARIO == "huge_header":  # one 200 KB header line: past libcurl's 100 KB line limit
            self.reply(200, JPEG, [("x-amz-meta-huge", "h" * 200000)], "image/jpeg")
        elif SCENARIO == "big_503":
            html = "<html><body>" + "Service Unavailable " * 4096 + "</body></html>"
            self.reply(503, html, ctype="text/html")
        elif SCENARIO == "bad_xml":
            self.reply(500, "<?xml version='1.0'?><Error><Code>Internal<Message>&bogus;",
                       ctype="application/xml")
        elif SCENARIO == "echo_secret":
            token = self.headers.get("x-amz-security-token") or ""
            log(op="echo", length=len(token))
            self.reply(403, "<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied"
                       "</Code><Message>Access Denied for token " + token +
                       "</Message></Error>", ctype="application/xml")
        elif SCENARIO == "endless_500":
            self.stream(500, iter(lambda: b"<html>" + b"x" * 4090, None), None)
        elif SCENARIO == "endless_200":  # a JPEG whose scan never ends
            head = [JPEG[:-2]]
            self.stream(200, itertools.chain(head, iter(lambda: b"\x00" * 65536, None)), None)
        elif SCENARIO == "hung_abort":  # 6 MiB of scan data (a multipart upload), then a stall
            head = [JPEG[:-2]] + [b"\x00" * 65536] * 96
            self.stream(200, itertools.chain(head, iter(lambda: time.sleep(200) or b"", None)), None)
        elif SCENARIO == "bad_checksum":  # the CRC-64/NVME of "123456789", not of the JPEG
            self.reply(200, JPEG, [("ETag", '"%s"' % ETAG), ("x-amz-checksum-crc64nvme", "rosUhgp5mIg="),
                                   ("x-amz-checksum-type", "FULL_OBJECT")], "image/jpeg")
        elif SCENARIO == "drip":
            pieces = (JPEG[i:i + 2] for i in range(0, len(JPEG), 2))
            self.stream(200, pieces, len(JPEG), delay=1.0)
        else:
            self.reply(200, JPEG, [("ETag", '"%s"' % ETAG)], "image/jpeg")

    def stream(self, status, chunks, length, delay=0.0):
        """Sends the chunks (delay s apart) until they end, the client leaves or 120 s pass."""
        self.close_connection = True
        self.send_response(status)
        self.send_header("Content-Type", "image/jpeg" if status == 200 else "text/html")
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            deadline = time.time() + 120
            for chunk in chunks:
                if time.time() > deadline:
                    break
                self.wfile.write(chunk)
                self.wfile.flush()
                if delay:
                    time.sleep(delay)
        except OSError:
            pass
        log(op="stream_end", path=self.path)

    def do_HEAD(self):
        """The destination holds nothing yet (the worker then writes with If-None-Match: *)."""
        log(op="HEAD", path=self.path)
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.send_header("x-amz-request-id", "hostile-req")
        self.end_headers()

    def do_PUT(self):
        body = self.read_body()
        log(op="PUT", path=self.path, bytes=len(body), sha=self.headers.get("x-amz-content-sha256"),
            crc=self.headers.get("x-amz-checksum-crc64nvme"))
        self.reply(200, b"", [("ETag", '"%s"' % hashlib.md5(body).hexdigest())], "application/xml")

    def do_DELETE(self):
        log(op="DELETE", path=self.path)
        if SCENARIO == "hung_abort":
            time.sleep(200)
        self.reply(204, b"", (), "application/xml")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


srv = Server(("127.0.0.1", 0), Handler)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(PORT_FILE + ".tmp", PORT_FILE)
srv.serve_forever()
