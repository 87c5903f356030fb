// faults.test.mjs - fault injection over the control API: 503 SlowDown N times
// then success, connection resets, delays, skip / phase "after", SQS faults,
// rule listing, expiry and removal, rule validation, and the request log.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { CreateBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { setup, s3Client, sqsClient, unique, control, addFault, removeFault, requestsSince, lastSeq, rawRequest } from "./helpers.mjs";

const env = await setup();
after(() => env.close());
const s3 = s3Client(env.url);
const sqs = sqsClient(env.url);
const bucket = unique("faults");
await s3.send(new CreateBucketCommand({ Bucket: bucket }));

test("health answers without a signature", async () => {
    const r = await control(env.url, "GET", "health");
    assert.equal(r.status, 200);
    assert.equal(r.json.status, "ok");
    assert.equal(r.json.url, env.url);
    assert.equal(r.json.region, "us-east-1");
    assert.ok(r.json.access_key_ids.includes("test"));
});

test("503 SlowDown twice, then the request succeeds; the rule then expires", async () => {
    const key = unique("slow") + ".jpg";
    const id = await addFault(env.url, { service: "s3", action: "PutObject", bucket, key, status: 503, times: 2 });
    const listed = (await control(env.url, "GET", "faults")).json.rules;
    assert.ok(listed.some((r) => r.id === id && r.code === "SlowDown" && r.times === 2));
    for (let i = 0; i < 2; i++) {
        await assert.rejects(s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "x" })),
            (err) => err.name === "SlowDown" && err.$metadata.httpStatusCode === 503 && /reduce your request rate/.test(err.message));
    }
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "x" }));
    assert.ok(!(await control(env.url, "GET", "faults")).json.rules.some((r) => r.id === id), "rule expired after 2 firings");
});

test("the SDK's own retries ride over a transient 503", async () => {
    const key = unique("retry") + ".jpg";
    const seq = await lastSeq(env.url);
    await addFault(env.url, { service: "s3", action: "PutObject", key, status: 503, times: 1 });
    const retrying = s3Client(env.url, { maxAttempts: 3 });
    await retrying.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "x" }));
    const log = await requestsSince(env.url, seq, "&action=PutObject");
    assert.deepEqual(log.filter((e) => e.key === key).map((e) => e.status), [503, 200]);
    assert.equal(log.find((e) => e.key === key).code, "SlowDown");
});

test("other keys are not affected; key prefixes and actions match", async () => {
    const id = await addFault(env.url, { service: "s3", action: "GetObject", key: "blocked/*", status: 500, code: "InternalError", message: "boom" });
    try {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "blocked/a.jpg", Body: "x" }));
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "open/a.jpg", Body: "x" }));
        await assert.rejects(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "blocked/a.jpg" })),
            (err) => err.name === "InternalError" && err.message === "boom" && err.$metadata.httpStatusCode === 500);
        const ok = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "open/a.jpg" }));
        assert.equal(await ok.Body.transformToString(), "x");
        await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "blocked/a.jpg" }));
    } finally {
        await removeFault(env.url, id);
    }
});

test("reset drops the connection without a response", async () => {
    const key = unique("reset") + ".jpg";
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "x" }));
    await addFault(env.url, { service: "s3", action: "GetObject", key, reset: true, times: 1 });
    const seq = await lastSeq(env.url);
    await assert.rejects(s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })),
        (err) => err.$metadata?.httpStatusCode === undefined && /ECONNRESET|socket hang up|aborted/i.test(`${err.code} ${err.message}`));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    assert.equal(await got.Body.transformToString(), "x");
    // the log names the request id each request was answered with (none for the dropped one)
    const log = (await requestsSince(env.url, seq, "&action=GetObject")).filter((e) => e.key === key);
    assert.deepEqual(log.map((e) => e.status), [0, 200]);
    assert.equal(log[0].request_id, undefined);
    assert.ok(got.$metadata.requestId);
    assert.equal(log[1].request_id, got.$metadata.requestId);
});

test("delay_ms slows the request but it still succeeds", async () => {
    const key = unique("delay") + ".jpg";
    await addFault(env.url, { service: "s3", action: "PutObject", key, delay_ms: 400, times: 1 });
    const t0 = Date.now();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "x" }));
    assert.ok(Date.now() - t0 >= 380, `took ${Date.now() - t0} ms`);
    const t1 = Date.now();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "y" }));
    assert.ok(Date.now() - t1 < 380, "rule expired");
});

test("skip lets requests through first; phase after fails a request that was carried out", async () => {
    const key = unique("after") + ".jpg";
    await addFault(env.url, { service: "s3", action: "PutObject", key, status: 500, skip: 1, times: 1, phase: "after" });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "first" }));
    await assert.rejects(s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "second" })), (err) => err.$metadata.httpStatusCode === 500);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    assert.equal(await got.Body.transformToString(), "second", "the failed request's write happened");
});

test("SQS faults by action and queue name, in SQS's JSON error form", async () => {
    const name = unique("fq");
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "m" }));
    await addFault(env.url, { service: "sqs", action: "ReceiveMessage", queue: name, status: 503, times: 1 });
    await assert.rejects(sqs.send(new ReceiveMessageCommand({ QueueUrl })),
        (err) => err.$metadata.httpStatusCode === 503 && err.name === "ServiceUnavailable");
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
    assert.equal(r.Messages[0].Body, "m");
});

test("bad rules are refused; rules can be removed and cleared", async () => {
    for (const bad of [{ service: "ec2", status: 503 }, { status: "503" }, { action: "PutObject" }, { status: 503, bogus: 1 }, { status: 503, times: 0 }]) {
        const r = await control(env.url, "POST", "faults", bad);
        assert.equal(r.status, 400, JSON.stringify(bad));
        assert.ok(r.json.error);
    }
    const a = await control(env.url, "POST", "faults", [{ service: "s3", action: "DeleteBucket", bucket: unique("never"), status: 500 },
        { service: "sqs", action: "PurgeQueue", queue: unique("never"), status: 500 }]);
    assert.equal(a.status, 201);
    assert.equal(a.json.rules.length, 2);
    assert.equal((await control(env.url, "DELETE", `faults/${a.json.rules[0].id}`)).status, 200);
    assert.equal((await control(env.url, "DELETE", `faults/${a.json.rules[0].id}`)).status, 404);
    await removeFault(env.url, a.json.rules[1].id);
    assert.equal((await control(env.url, "GET", "nope")).status, 404);
});

test("the request log records method, path, operation and status", async () => {
    const seq = await lastSeq(env.url);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "log me.jpg", Body: "x" }));
    await assert.rejects(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "absent.jpg" })));
    await rawRequest(env.url, { method: "GET", target: `/${bucket}/anon.jpg` });
    const log = await requestsSince(env.url, seq, "&service=s3");
    const mine = log.filter((e) => e.bucket === bucket);
    assert.deepEqual(mine.map((e) => [e.method, e.action, e.key, e.status]), [
        ["PUT", "PutObject", "log me.jpg", 200],
        ["GET", "GetObject", "absent.jpg", 404],
        ["GET", "GetObject", "anon.jpg", 403],
    ]);
    assert.equal(mine[0].path, `/${bucket}/log%20me.jpg`);
    assert.equal(mine[0].query, "x-id=PutObject");
    assert.equal(mine[1].code, "NoSuchKey");
    assert.equal(mine[2].code, "AccessDenied");
    assert.ok(mine.every((e) => e.seq > seq && e.service === "s3"));
});

test("a simulated server clock offset: RequestTimeTooSkewed, a skewed Date header, SDK skew correction", async () => {
    const set = await control(env.url, "PUT", "clock", { offset_ms: 30 * 60 * 1000 });
    try {
        assert.equal(set.status, 200);
        assert.equal(set.json.offset_ms, 1800000);
        await assert.rejects(s3Client(env.url).send(new HeadObjectCommand({ Bucket: bucket, Key: "any.jpg" })),
            (err) => err.$metadata.httpStatusCode === 403);
        const r = await rawRequest(env.url, { method: "GET", target: `/${bucket}/x` });
        assert.ok(Math.abs(Date.parse(r.headers.date) - (Date.now() + 1800000)) < 5000, r.headers.date);
        // The SDK corrects its clock from the Date header and retries.
        await s3Client(env.url, { maxAttempts: 3 }).send(new PutObjectCommand({ Bucket: bucket, Key: "skewed.jpg", Body: "x" }));
        assert.equal((await control(env.url, "PUT", "clock", { offset_ms: "soon" })).status, 400);
    } finally {
        await control(env.url, "PUT", "clock", { offset_ms: 0 });
    }
    await s3Client(env.url).send(new PutObjectCommand({ Bucket: bucket, Key: "clock.jpg", Body: "x" }));
});
