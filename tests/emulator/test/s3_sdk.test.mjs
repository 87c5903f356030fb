// s3_sdk.test.mjs - the AWS SDK for JavaScript v3 S3 client against the
// emulator: buckets, objects with awkward keys, listing, copy, multipart
// uploads, ranged gets, deletes, and virtual-host style addressing.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import {
    CreateBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command,
    DeleteObjectCommand, CopyObjectCommand, CreateMultipartUploadCommand, UploadPartCommand,
    CompleteMultipartUploadCommand, AbortMultipartUploadCommand, ListBucketsCommand, HeadBucketCommand,
    GetBucketLocationCommand, PutBucketVersioningCommand,
} from "@aws-sdk/client-s3";
import { Readable } from "node:stream";
import { setup, s3Client, unique, signedRequest } from "./helpers.mjs";

const env = await setup();
after(() => env.close());
const s3 = s3Client(env.url);
const bucket = unique("sdk");
await s3.send(new CreateBucketCommand({ Bucket: bucket }));

const AWKWARD_KEYS = [
    "plain.jpg",
    "with space.jpg",
    "plus+sign.jpg",
    "percent%20literal.jpg",
    "unicode/日本語/写真.jpg",
    "double//slash.jpg",
    "dots/../up.jpg",
    "./dot.jpg",
    "a b+c%/日本.jpg",
    "quote'\"&<>.jpg",
    "trailing-slash/",
    "tilde~star*paren(1).jpg",
    "question?hash#.jpg",
];

test("bucket is listed, HEAD and GetBucketLocation work", async () => {
    const list = await s3.send(new ListBucketsCommand({}));
    assert.ok(list.Buckets.some((b) => b.Name === bucket));
    const head = await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    assert.equal(head.$metadata.httpStatusCode, 200);
    const loc = await s3.send(new GetBucketLocationCommand({ Bucket: bucket }));
    assert.ok(loc.LocationConstraint === undefined || loc.LocationConstraint === "");
});

test("put/get/head round-trips awkward keys byte for byte", async () => {
    for (const [i, key] of AWKWARD_KEYS.entries()) {
        const body = Buffer.from(`body ${i} of ${key}`);
        const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: "image/jpeg", Metadata: { n: String(i) } }));
        assert.match(put.ETag, /^"[0-9a-f]{32}"$/, key);
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        assert.deepEqual(Buffer.from(await got.Body.transformToByteArray()), body, key);
        assert.equal(got.ContentType, "image/jpeg");
        assert.equal(got.Metadata.n, String(i));
        const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        assert.equal(head.ContentLength, body.length, key);
    }
});

test("ListObjectsV2 returns every awkward key exactly", async () => {
    const listed = [];
    let token;
    do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token, MaxKeys: 5 }));
        for (const o of page.Contents ?? []) listed.push(o.Key);
        token = page.NextContinuationToken;
    } while (token);
    for (const key of AWKWARD_KEYS) assert.ok(listed.includes(key), `missing ${key} in ${JSON.stringify(listed)}`);
    const prefixed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "unicode/" }));
    assert.deepEqual(prefixed.Contents.map((o) => o.Key), ["unicode/日本語/写真.jpg"]);
});

test("ListObjectsV2 with EncodingType url encodes keys as S3 does (control characters too)", async () => {
    const keys = ["enc/ctl\u0001cr\r.jpg", "enc/a b+c&<é.jpg"];
    for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(key) }));
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "enc/", EncodingType: "url" }));
    assert.equal(page.EncodingType, "url");
    assert.equal(page.Prefix, "enc/");
    assert.deepEqual(page.Contents.map((o) => o.Key), ["enc/a+b%2Bc%26%3C%C3%A9.jpg", "enc/ctl%01cr%0D.jpg"]);
});

test("ranged GET and missing key", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "range.bin", Body: Buffer.from("0123456789") }));
    const part = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "range.bin", Range: "bytes=2-5" }));
    assert.equal(await part.Body.transformToString(), "2345");
    await assert.rejects(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "no-such-key" })), (err) => err.name === "NoSuchKey" && err.$metadata.httpStatusCode === 404);
});

test("copy object keeps the bytes", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "src file.jpg", Body: Buffer.from("copy me") }));
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "dst/copied file.jpg", CopySource: `${bucket}/${encodeURIComponent("src file.jpg")}` }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "dst/copied file.jpg" }));
    assert.equal(await got.Body.transformToString(), "copy me");
});

test("multipart upload assembles parts in order", async () => {
    const key = "multi/part upload.bin";
    const part1 = Buffer.alloc(5 * 1024 * 1024, 0x61);
    const part2 = Buffer.from("tail-bytes");
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: "application/octet-stream" }));
    assert.ok(UploadId);
    const p1 = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: part1 }));
    const p2 = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 2, Body: part2 }));
    const done = await s3.send(new CompleteMultipartUploadCommand({
        Bucket: bucket, Key: key, UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] },
    }));
    assert.match(done.ETag, /^"[0-9a-f]{32}-2"$/);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = Buffer.from(await got.Body.transformToByteArray());
    assert.equal(bytes.length, part1.length + part2.length);
    assert.deepEqual(bytes.subarray(part1.length), part2);
});

test("aborted multipart upload cannot be completed", async () => {
    const key = "multi/aborted.bin";
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const p1 = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: Buffer.from("x") }));
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId }));
    await assert.rejects(s3.send(new CompleteMultipartUploadCommand({
        Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }] },
    })), (err) => err.name === "NoSuchUpload");
});

test("delete removes the object", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "gone.jpg", Body: "x" }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "gone.jpg" }));
    await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "gone.jpg" })), (err) => err.$metadata.httpStatusCode === 404);
});

test("operations fauxqs lacks are refused with 501 NotImplemented", async () => {
    await assert.rejects(s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } })),
        (err) => err.name === "NotImplemented" && err.$metadata.httpStatusCode === 501);
});

test("virtual-host style addressing (Host: bucket.localhost:PORT)", async () => {
    const port = new URL(env.url).port;
    const host = `${bucket}.localhost:${port}`;
    const put = await signedRequest(env.url, { method: "PUT", host, path: "/vhost%20key.txt", body: "via vhost", headers: { "content-type": "text/plain" } });
    assert.equal(put.status, 200, put.body);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "vhost key.txt" }));
    assert.equal(await got.Body.transformToString(), "via vhost");
    const back = await signedRequest(env.url, { method: "GET", host, path: "/vhost%20key.txt" });
    assert.equal(back.status, 200);
    assert.equal(back.body, "via vhost");
});

test("form-encoded content type is stored as bytes, not parsed", async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "form.txt", Body: "a=1&b=2", ContentType: "application/x-www-form-urlencoded" }));
    assert.ok(put.ETag);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "form.txt" }));
    assert.equal(await got.Body.transformToString(), "a=1&b=2");
    assert.equal(got.ContentType, "application/x-www-form-urlencoded");
});

test("streamed upload (aws-chunked, STREAMING-UNSIGNED-PAYLOAD-TRAILER)", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "streamed.txt", Body: Readable.from([Buffer.from("hello "), Buffer.from("stream")]), ContentLength: 12 }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "streamed.txt" }));
    assert.equal(await got.Body.transformToString(), "hello stream");
});

test("objects larger than fauxqs's default 11 MiB body limit", async () => {
    const big = Buffer.alloc(12 * 1024 * 1024 + 5, 0x5a);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "big.bin", Body: big }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "big.bin" }));
    assert.equal(head.ContentLength, big.length);
});

test("empty object without a content type is stored as binary/octet-stream", async () => {
    const put = await signedRequest(env.url, { method: "PUT", path: `/${bucket}/empty`, body: "" });
    assert.equal(put.status, 200, put.body);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "empty" }));
    assert.equal(head.ContentLength, 0);
    assert.equal(head.ContentType, "binary/octet-stream");
});
