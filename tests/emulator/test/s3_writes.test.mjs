// s3_writes.test.mjs - conditional writes as S3 answers them (If-None-Match: *,
// If-Match on the current ETag; PutObject and CompleteMultipartUpload),
// conditional deletes (DeleteObject with If-Match), their
// atomicity when two conditional writes race (one delayed by a fault rule),
// and ListMultipartUploads counting open uploads.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import {
    CreateBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand, CreateMultipartUploadCommand,
    UploadPartCommand, CompleteMultipartUploadCommand, AbortMultipartUploadCommand, ListMultipartUploadsCommand,
    DeleteObjectCommand,
} from "@aws-sdk/client-s3";
import { setup, s3Client, unique, addFault } from "./helpers.mjs";

const env = await setup();
after(() => env.close());
const s3 = s3Client(env.url);
const bucket = unique("writes");
await s3.send(new CreateBucketCommand({ Bucket: bucket }));

const failsWith = (status, name) => (err) => err.$metadata?.httpStatusCode === status && err.name === name;
const read = async (key) => (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body.transformToString();

test("If-None-Match: * creates a new key once, then 412 PreconditionFailed", async () => {
    const key = unique("inm") + ".jpg";
    const first = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "first", IfNoneMatch: "*", Metadata: { "exifstrip-source-sequencer": "0A" } }));
    await assert.rejects(s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "second", IfNoneMatch: "*", Metadata: { "exifstrip-source-sequencer": "0B" } })),
        failsWith(412, "PreconditionFailed"));
    assert.equal(await read(key), "first");
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    assert.equal(head.ETag, first.ETag, "the refused write changed nothing");
    assert.equal(head.Metadata["exifstrip-source-sequencer"], "0A");
});

test("If-Match writes only over the ETag named; a missing key is 404 NoSuchKey", async () => {
    const key = unique("im") + ".jpg";
    await assert.rejects(s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "x", IfMatch: '"0123"' })),
        failsWith(404, "NoSuchKey"));
    const v1 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "v1" }));
    await assert.rejects(s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "other", IfMatch: '"00000000000000000000000000000000"' })),
        failsWith(412, "PreconditionFailed"));
    const v2 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "v2", IfMatch: v1.ETag }));
    assert.notEqual(v2.ETag, v1.ETag);
    await assert.rejects(s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "v3", IfMatch: v1.ETag })),
        failsWith(412, "PreconditionFailed"), "the old ETag no longer matches");
    assert.equal(await read(key), "v2");
});

test("DeleteObject with If-Match deletes only the ETag named; a missing key is 404 NoSuchKey", async () => {
    const key = unique("del") + ".jpg";
    const exists = async () => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(() => true, () => false);
    await assert.rejects(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, IfMatch: '"0123"' })),
        failsWith(404, "NoSuchKey"));
    const v1 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "v1" }));
    const v2 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "v2" }));
    await assert.rejects(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, IfMatch: v1.ETag })),
        failsWith(412, "PreconditionFailed"), "a copy written after the ETag was seen survives");
    assert.equal(await read(key), "v2");
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, IfMatch: v2.ETag }));
    assert.equal(await exists(), false);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })); /* unconditional: no error when missing */
});

test("metadata written with a conditional PUT comes back on HEAD", async () => {
    const key = unique("meta") + ".jpg";
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "m", IfNoneMatch: "*", Metadata: { "exifstrip-source-sequencer": "00AB" } }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    assert.equal(head.Metadata["exifstrip-source-sequencer"], "00AB");
});

test("two racing If-None-Match: * writes: exactly one wins, even when the first is delayed", async () => {
    const key = unique("race") + ".jpg";
    await addFault(env.url, { service: "s3", action: "PutObject", bucket, key, delay_ms: 300, times: 1 });
    const results = await Promise.allSettled([
        s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "slow", IfNoneMatch: "*" })),
        new Promise((r) => setTimeout(r, 50)).then(() => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "fast", IfNoneMatch: "*" }))),
    ]);
    assert.deepEqual(results.map((r) => r.status), ["rejected", "fulfilled"], "the delayed write is checked when it is carried out");
    assert.equal(results[0].reason.$metadata.httpStatusCode, 412);
    assert.equal(await read(key), "fast");
});

async function multipart(key) {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: "part-one" }));
    return { UploadId, parts: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } };
}

test("CompleteMultipartUpload honours If-None-Match and If-Match", async () => {
    const key = unique("mpu") + ".jpg";
    const first = await multipart(key);
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: first.UploadId, MultipartUpload: first.parts, IfNoneMatch: "*" }));
    const second = await multipart(key);
    await assert.rejects(s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: second.UploadId, MultipartUpload: second.parts, IfNoneMatch: "*" })),
        failsWith(412, "PreconditionFailed"));
    const current = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: second.UploadId, MultipartUpload: second.parts, IfMatch: current.ETag }));
    assert.equal(await read(key), "part-one");
});

test("ListMultipartUploads lists open uploads until they are completed or aborted", async () => {
    const prefix = unique("open") + "/";
    const a = await multipart(prefix + "a.jpg");
    const b = await multipart(prefix + "b.jpg");
    const list = async () => (await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }))).Uploads ?? [];
    assert.deepEqual((await list()).map((u) => u.Key), [prefix + "a.jpg", prefix + "b.jpg"]);
    assert.equal((await list())[0].UploadId, a.UploadId);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: prefix + "a.jpg", UploadId: a.UploadId }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: prefix + "b.jpg", UploadId: b.UploadId, MultipartUpload: b.parts }));
    assert.deepEqual(await list(), []);
    await assert.rejects(s3.send(new ListMultipartUploadsCommand({ Bucket: unique("nobucket") })), failsWith(404, "NoSuchBucket"));
});
