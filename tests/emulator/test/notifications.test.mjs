// notifications.test.mjs - S3 -> SQS event notifications: configuration
// round trip and validation, the s3:TestEvent, the exact AWS record format
// (every field), event-key encoding, prefix/suffix filters, and the event
// names for put, copy, multipart upload and delete.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import {
    CreateBucketCommand, PutObjectCommand, CopyObjectCommand, CreateMultipartUploadCommand, UploadPartCommand,
    CompleteMultipartUploadCommand, DeleteObjectCommand, PutBucketNotificationConfigurationCommand,
    GetBucketNotificationConfigurationCommand,
} from "@aws-sdk/client-s3";
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, DeleteMessageBatchCommand } from "@aws-sdk/client-sqs";
import { setup, s3Client, sqsClient, unique } from "./helpers.mjs";

const env = await setup();
after(() => env.close());
const s3 = s3Client(env.url);
const sqs = sqsClient(env.url);

async function newQueue() {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique("events") }));
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }))).Attributes.QueueArn;
    return { url: QueueUrl, arn };
}

// All message bodies currently in the queue (parsed), deleting them.
async function drain(url) {
    const out = [];
    for (;;) {
        const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
        if (!r.Messages?.length) return out;
        out.push(...r.Messages.map((m) => JSON.parse(m.Body)));
        await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: r.Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
    }
}

async function bucketWithQueue(queueConfig) {
    const bucket = unique("nb");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const q = await newQueue();
    await s3.send(new PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: { QueueConfigurations: [{ QueueArn: q.arn, Events: ["s3:ObjectCreated:*"], ...queueConfig }] },
    }));
    const test = await drain(q.url);
    return { bucket, q, testEvents: test };
}

const records = (messages) => messages.filter((m) => m.Records).flatMap((m) => m.Records);

test("setting a configuration sends the s3:TestEvent and GET returns the configuration", async () => {
    const { bucket, q, testEvents } = await bucketWithQueue({
        Id: "jpegs", Filter: { Key: { FilterRules: [{ Name: "prefix", Value: "in/" }, { Name: "suffix", Value: ".jpg" }] } },
    });
    assert.equal(testEvents.length, 1);
    const t = testEvents[0];
    assert.deepEqual(Object.keys(t), ["Service", "Event", "Time", "Bucket", "RequestId", "HostId"]);
    assert.equal(t.Service, "Amazon S3");
    assert.equal(t.Event, "s3:TestEvent");
    assert.equal(t.Bucket, bucket);
    assert.match(t.Time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(Math.abs(Date.parse(t.Time) - Date.now()) < 60000);
    assert.match(t.RequestId, /^[0-9A-F]{16}$/);
    assert.ok(t.HostId.length > 10);
    const got = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
    assert.equal(got.QueueConfigurations.length, 1);
    const c = got.QueueConfigurations[0];
    assert.equal(c.Id, "jpegs");
    assert.equal(c.QueueArn, q.arn);
    assert.deepEqual(c.Events, ["s3:ObjectCreated:*"]);
    assert.deepEqual(c.Filter.Key.FilterRules, [{ Name: "Prefix", Value: "in/" }, { Name: "Suffix", Value: ".jpg" }]);
});

test("PutObject produces exactly AWS's event record", async () => {
    const { bucket, q } = await bucketWithQueue({ Id: "cfg-1" });
    const key = "in/a b+c%/日本.jpg";
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from("0123456789") }));
    const messages = await drain(q.url);
    assert.equal(messages.length, 1);
    assert.deepEqual(Object.keys(messages[0]), ["Records"]);
    const [r] = messages[0].Records;
    assert.equal(messages[0].Records.length, 1);
    assert.deepEqual(Object.keys(r), ["eventVersion", "eventSource", "awsRegion", "eventTime", "eventName", "userIdentity",
        "requestParameters", "responseElements", "s3"]);
    assert.equal(r.eventVersion, "2.1");
    assert.equal(r.eventSource, "aws:s3");
    assert.equal(r.awsRegion, "us-east-1");
    assert.match(r.eventTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(r.eventName, "ObjectCreated:Put");
    assert.deepEqual(r.userIdentity, { principalId: "AWS:test" });
    assert.deepEqual(r.requestParameters, { sourceIPAddress: "127.0.0.1" });
    assert.deepEqual(Object.keys(r.responseElements), ["x-amz-request-id", "x-amz-id-2"]);
    assert.equal(r.responseElements["x-amz-request-id"], put.$metadata.requestId);
    assert.equal(r.responseElements["x-amz-id-2"], put.$metadata.extendedRequestId);
    assert.deepEqual(Object.keys(r.s3), ["s3SchemaVersion", "configurationId", "bucket", "object"]);
    assert.equal(r.s3.s3SchemaVersion, "1.0");
    assert.equal(r.s3.configurationId, "cfg-1");
    assert.deepEqual(r.s3.bucket, { name: bucket, ownerIdentity: { principalId: r.s3.bucket.ownerIdentity.principalId }, arn: `arn:aws:s3:::${bucket}` });
    assert.match(r.s3.bucket.ownerIdentity.principalId, /^[A-Z0-9]+$/);
    assert.deepEqual(Object.keys(r.s3.object), ["key", "size", "eTag", "sequencer"]);
    assert.equal(r.s3.object.key, "in/a+b%2Bc%25/%E6%97%A5%E6%9C%AC.jpg");
    assert.equal(r.s3.object.size, 10);
    assert.equal(r.s3.object.eTag, put.ETag.replaceAll('"', ""));
    assert.match(r.s3.object.sequencer, /^[0-9A-F]{18}$/);
    assert.equal(decodeURIComponent(r.s3.object.key.replaceAll("+", " ")), key);
});

test("event keys are form-urlencoded like AWS (space '+', '/' kept, the rest %XX)", async () => {
    const { bucket, q } = await bucketWithQueue({});
    const cases = {
        "a@b": "a%40b",
        "plain-name_1.jpg": "plain-name_1.jpg",
        "x*y": "x*y",
        "tilde~(1)!'.jpg": "tilde%7E%281%29%21%27.jpg",
        "q?h#&=;:,$.jpg": "q%3Fh%23%26%3D%3B%3A%2C%24.jpg",
        "dir/sub dir/é.jpg": "dir/sub+dir/%C3%A9.jpg",
    };
    for (const key of Object.keys(cases)) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "x" }));
    const got = records(await drain(q.url)).map((r) => r.s3.object.key).sort();
    assert.deepEqual(got, Object.values(cases).sort());
});

test("sequencers increase from one event to the next", async () => {
    const { bucket, q } = await bucketWithQueue({});
    for (let i = 0; i < 3; i++) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "same.jpg", Body: `v${i}` }));
    const seqs = records(await drain(q.url)).map((r) => r.s3.object.sequencer);
    assert.equal(seqs.length, 3);
    assert.ok(seqs[0] < seqs[1] && seqs[1] < seqs[2], seqs.join(" "));
});

test("prefix and suffix filters are respected", async () => {
    const { bucket, q } = await bucketWithQueue({ Filter: { Key: { FilterRules: [{ Name: "Prefix", Value: "incoming/" }, { Name: "Suffix", Value: ".jpg" }] } } });
    for (const key of ["incoming/yes.jpg", "incoming/no.png", "other/no.jpg", "incoming/sub/yes2.jpg", "incoming.jpg"]) {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "x" }));
    }
    const keys = records(await drain(q.url)).map((r) => r.s3.object.key).sort();
    assert.deepEqual(keys, ["incoming/sub/yes2.jpg", "incoming/yes.jpg"]);
});

test("event names: copy, multipart, delete; specific event types filter", async () => {
    const bucket = unique("ev");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const created = await newQueue();
    const removed = await newQueue();
    await s3.send(new PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: {
            QueueConfigurations: [
                { Id: "copies-and-mpu", QueueArn: created.arn, Events: ["s3:ObjectCreated:Copy", "s3:ObjectCreated:CompleteMultipartUpload"] },
                { Id: "deletes", QueueArn: removed.arn, Events: ["s3:ObjectRemoved:*"] },
            ],
        },
    }));
    await drain(created.url);
    await drain(removed.url);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "src.jpg", Body: "source" }));
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "copy.jpg", CopySource: `${bucket}/src.jpg` }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "mpu.jpg" }));
    const p = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: "mpu.jpg", UploadId, PartNumber: 1, Body: "part" }));
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "mpu.jpg", UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p.ETag }] } }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "src.jpg" }));

    const c = records(await drain(created.url));
    assert.deepEqual(c.map((r) => r.eventName), ["ObjectCreated:Copy", "ObjectCreated:CompleteMultipartUpload"]);
    assert.deepEqual(c.map((r) => r.s3.object.key), ["copy.jpg", "mpu.jpg"]);
    assert.equal(c[0].s3.object.size, 6);
    assert.equal(c[1].s3.object.size, 4);
    assert.equal(c[1].s3.object.eTag, done.ETag.replaceAll('"', ""));
    assert.match(c[1].s3.object.eTag, /^[0-9a-f]{32}-1$/);
    assert.ok(c.every((r) => r.s3.configurationId === "copies-and-mpu"));
    const d = records(await drain(removed.url));
    assert.equal(d.length, 1);
    assert.equal(d[0].eventName, "ObjectRemoved:Delete");
    assert.deepEqual(Object.keys(d[0].s3.object), ["key", "sequencer"]);
});

test("no events without a configuration, and after it is cleared", async () => {
    const { bucket, q } = await bucketWithQueue({});
    await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: {} }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "quiet.jpg", Body: "x" }));
    assert.deepEqual(await drain(q.url), []);
    const got = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
    assert.equal((got.QueueConfigurations ?? []).length, 0);
});

test("invalid configurations are refused like AWS", async () => {
    const bucket = unique("bad");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const q = await newQueue();
    const put = (cfgs) => s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: { QueueConfigurations: cfgs } }));
    const missing = q.arn.replace(/:[^:]+$/, `:${unique("missing")}`);
    await assert.rejects(put([{ QueueArn: missing, Events: ["s3:ObjectCreated:*"] }]), (e) => e.name === "InvalidArgument" && /Unable to validate/.test(e.message));
    await assert.rejects(put([{ QueueArn: q.arn, Events: ["s3:ObjectMade:*"] }]), (e) => e.name === "InvalidArgument");
    await assert.rejects(put([{ QueueArn: "not-an-arn", Events: ["s3:ObjectCreated:*"] }]), (e) => e.name === "InvalidArgument");
    await assert.rejects(put([{ QueueArn: q.arn, Events: ["s3:ObjectCreated:*"] }, { QueueArn: q.arn, Events: ["s3:ObjectCreated:Put"] }]),
        (e) => e.name === "InvalidArgument" && /overlap/.test(e.message));
    await assert.rejects(s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: unique("nobucket"), NotificationConfiguration: {} })),
        (e) => e.name === "NoSuchBucket");
    // Non-overlapping filters on the same event are fine.
    await put([
        { QueueArn: q.arn, Events: ["s3:ObjectCreated:*"], Filter: { Key: { FilterRules: [{ Name: "prefix", Value: "a/" }] } } },
        { QueueArn: q.arn, Events: ["s3:ObjectCreated:*"], Filter: { Key: { FilterRules: [{ Name: "prefix", Value: "b/" }] } } },
    ]);
});
