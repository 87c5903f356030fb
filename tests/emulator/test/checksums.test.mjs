// checksums.test.mjs - S3's flexible checksums in the emulator (lib/checksums.mjs):
// check values of its CRCs (and the sliced ones against a bitwise reference), PutObject/UploadPart refusing a wrong or malformed
// x-amz-checksum-* (BadDigest / InvalidRequest), the stored checksum coming
// back on GET/HEAD only with x-amz-checksum-mode: ENABLED (and the AWS SDK's
// own response validation accepting it), S3's default CRC64NVME for objects
// sent without one, multipart full-object and composite checksums with their
// errors (a complete request's checksum type and algorithm too), Content-MD5,
// x-amz-sdk-checksum-algorithm alone, a PutObject without Content-Length, and
// the "corrupt" fault rule.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { setup, s3Client, unique, signedRequest, addFault, removeFault } from "./helpers.mjs";
import { ALGORITHMS, checksumOf } from "../lib/checksums.mjs";

const env = await setup();
after(() => env.close());
const s3 = s3Client(env.url);
const bucket = unique("cksum");
await s3.send(new CreateBucketCommand({ Bucket: bucket }));

const b64 = (hex) => Buffer.from(hex, "hex").toString("base64");
const put = (key, body, headers = {}, query) =>
    signedRequest(env.url, { method: "PUT", path: `/${bucket}/${key}`, query, headers, body });
const code = (r) => /<Code>([^<]*)<\/Code>/.exec(r.body)?.[1];
const head = (key, mode) => signedRequest(env.url, { method: "HEAD", path: `/${bucket}/${key}`, headers: mode ? { "x-amz-checksum-mode": "ENABLED" } : {} });

test("the CRCs give the catalogue check values of 123456789", () => {
    const check = Buffer.from("123456789");
    assert.equal(ALGORITHMS.CRC64NVME.digest([check]).toString("hex"), "ae8b14860a799888");
    assert.equal(ALGORITHMS.CRC32C.digest([check]).toString("hex"), "e3069283");
    assert.equal(ALGORITHMS.CRC32.digest([check]).toString("hex"), "cbf43926");
    assert.equal(checksumOf("CRC64NVME", [Buffer.from("1234"), Buffer.from("56789")]), b64("ae8b14860a799888"));
});

// Bit-at-a-time reference of a reflected CRC with all-ones init and final XOR.
function referenceCrc(poly, bits, data) {
    const mask = (1n << BigInt(bits)) - 1n;
    let crc = mask;
    for (const byte of data) {
        crc ^= BigInt(byte);
        for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
    }
    return (crc ^ mask).toString(16).padStart(bits / 4, "0");
}

test("the sliced CRCs equal a bitwise reference at every length 0..80 and odd offsets", () => {
    const data = Buffer.from(Array.from({ length: 200 }, (_, i) => (i * 131 + 7) & 0xff));
    for (let off = 0; off < 3; off++) {
        for (let len = 0; len <= 80; len++) {
            const piece = data.subarray(off, off + len);
            const split = [piece.subarray(0, len >> 1), piece.subarray(len >> 1)]; // fed as two buffers
            assert.equal(ALGORITHMS.CRC64NVME.digest([piece]).toString("hex"), referenceCrc(0x9a6c9329ac4bc9b5n, 64, piece), `crc64 ${off}/${len}`);
            assert.equal(ALGORITHMS.CRC64NVME.digest(split).toString("hex"), referenceCrc(0x9a6c9329ac4bc9b5n, 64, piece), `crc64 split ${off}/${len}`);
            assert.equal(ALGORITHMS.CRC32C.digest([piece]).toString("hex"), referenceCrc(0x82f63b78n, 32, piece), `crc32c ${off}/${len}`);
            assert.equal(ALGORITHMS.CRC32C.digest(split).toString("hex"), referenceCrc(0x82f63b78n, 32, piece), `crc32c split ${off}/${len}`);
        }
    }
});

test("PutObject checks x-amz-checksum-crc64nvme; GET/HEAD return it only when asked", async () => {
    const key = unique("good") + ".jpg";
    const value = b64("ae8b14860a799888");
    const r = await put(key, "123456789", { "x-amz-checksum-crc64nvme": value });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.headers["x-amz-checksum-crc64nvme"], value);
    const plain = await head(key, false);
    assert.equal(plain.headers["x-amz-checksum-crc64nvme"], undefined);
    const asked = await head(key, true);
    assert.equal(asked.headers["x-amz-checksum-crc64nvme"], value);
    assert.equal(asked.headers["x-amz-checksum-type"], "FULL_OBJECT");
    // The AWS SDK validates the body against the returned checksum itself.
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }));
    assert.equal(await got.Body.transformToString(), "123456789");
    assert.equal(got.ChecksumCRC64NVME, value);
});

test("a wrong checksum is 400 BadDigest and nothing is stored", async () => {
    const key = unique("bad") + ".jpg";
    for (const [header, value] of [["x-amz-checksum-crc64nvme", b64("ae8b14860a799889")],
        ["x-amz-checksum-crc32c", b64("e3069284")], ["x-amz-checksum-crc32", b64("cbf43927")],
        ["x-amz-checksum-sha256", createHash("sha256").update("other").digest("base64")]]) {
        const r = await put(key, "123456789", { [header]: value });
        assert.equal(r.status, 400, header);
        assert.equal(code(r), "BadDigest", header);
    }
    assert.equal((await head(key, false)).status, 404);
});

test("two checksum headers or a malformed value are 400 InvalidRequest", async () => {
    const key = unique("invalid") + ".jpg";
    const two = await put(key, "123456789", { "x-amz-checksum-crc32c": b64("e3069283"), "x-amz-checksum-crc32": b64("cbf43926") });
    assert.equal(two.status, 400);
    assert.equal(code(two), "InvalidRequest");
    const short = await put(key, "123456789", { "x-amz-checksum-crc64nvme": b64("e3069283") });
    assert.equal(short.status, 400);
    assert.equal(code(short), "InvalidRequest");
});

test("Content-MD5: malformed is InvalidDigest, wrong is BadDigest, right is stored", async () => {
    const md5 = (b) => createHash("md5").update(b).digest("base64");
    let r = await put("md5-a.jpg", "x", { "content-md5": "zz" });
    assert.equal(r.status, 400);
    assert.equal(code(r), "InvalidDigest");
    r = await put("md5-b.jpg", "x", { "content-md5": md5("y") });
    assert.equal(code(r), "BadDigest");
    r = await put("md5-c.jpg", "x", { "content-md5": md5("x") });
    assert.equal(r.status, 200, r.body);
});

test("x-amz-sdk-checksum-algorithm without a checksum header or trailer is 400 InvalidRequest", async () => {
    let r = await put("sdk-a.jpg", "x", { "x-amz-sdk-checksum-algorithm": "CRC32" });
    assert.equal(r.status, 400);
    assert.equal(code(r), "InvalidRequest");
    r = await put("sdk-b.jpg", "x", { "x-amz-sdk-checksum-algorithm": "CRC32", "x-amz-checksum-crc32": checksumOf("CRC32", Buffer.from("x")) });
    assert.equal(r.status, 200, r.body);
});

test("a PutObject without Content-Length (chunked, not aws-chunked) is 411 MissingContentLength", async () => {
    const r = await signedRequest(env.url, { method: "PUT", path: `/${bucket}/chunked.jpg`, body: "abc",
        mutate: (h, b) => { const headers = { ...h, "transfer-encoding": "chunked" }; delete headers["content-length"]; return { headers, body: b }; } });
    assert.equal(r.status, 411, r.body);
    assert.equal(code(r), "MissingContentLength");
});

test("an object sent without a checksum gets S3's default full-object CRC64NVME", async () => {
    const key = unique("default") + ".jpg";
    assert.equal((await put(key, "123456789")).status, 200);
    const asked = await head(key, true);
    assert.equal(asked.headers["x-amz-checksum-crc64nvme"], b64("ae8b14860a799888"));
    assert.equal(asked.headers["x-amz-checksum-type"], "FULL_OBJECT");
});

// A multipart upload of two parts (5 MiB + 3 bytes) with the given spec.
async function multipart(key, spec, partHeaders) {
    const headers = spec ? { "x-amz-checksum-algorithm": spec[0], "x-amz-checksum-type": spec[1] } : {};
    const created = await signedRequest(env.url, { method: "POST", path: `/${bucket}/${key}`, query: { uploads: "" }, headers });
    assert.equal(created.status, 200, created.body);
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created.body)[1];
    const bodies = [Buffer.alloc(5 << 20, 7), Buffer.from("end")];
    const parts = [];
    for (let i = 0; i < 2; i++) {
        const r = await put(key, bodies[i], partHeaders(bodies[i]), { partNumber: String(i + 1), uploadId });
        parts.push(r);
    }
    return { uploadId, bodies, parts, created };
}

function completeXml(parts, algorithm) {
    return `<CompleteMultipartUpload>${parts.map((p, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${p.etag}</ETag>` +
        (p.checksum ? `<Checksum${algorithm}>${p.checksum}</Checksum${algorithm}>` : "") + "</Part>").join("")}</CompleteMultipartUpload>`;
}

const complete = (key, uploadId, xml, headers = {}) =>
    signedRequest(env.url, { method: "POST", path: `/${bucket}/${key}`, query: { uploadId }, headers, body: xml });

test("multipart FULL_OBJECT CRC64NVME: parts and the whole object are checked", async () => {
    const key = unique("mpu-full") + ".jpg";
    const crc = (b) => checksumOf("CRC64NVME", b);
    const up = await multipart(key, ["CRC64NVME", "FULL_OBJECT"], (b) => ({ "x-amz-checksum-crc64nvme": crc(b) }));
    assert.equal(up.created.headers["x-amz-checksum-algorithm"], "CRC64NVME");
    assert.deepEqual(up.parts.map((p) => p.status), [200, 200]);
    const listed = up.parts.map((p, i) => ({ etag: p.headers.etag, checksum: crc(up.bodies[i]) }));
    const whole = crc(up.bodies);
    // A part's checksum missing, or not the one it was uploaded with; the whole object's wrong.
    let r = await complete(key, up.uploadId, completeXml([listed[0], { ...listed[1], checksum: undefined }], "CRC64NVME"));
    assert.equal(code(r), "InvalidRequest");
    r = await complete(key, up.uploadId, completeXml([listed[0], { ...listed[1], checksum: crc(Buffer.from("x")) }], "CRC64NVME"));
    assert.equal(code(r), "InvalidPart");
    r = await complete(key, up.uploadId, completeXml(listed, "CRC64NVME"), { "x-amz-checksum-crc64nvme": crc(Buffer.from("x")), "x-amz-checksum-type": "FULL_OBJECT" });
    assert.equal(code(r), "BadDigest");
    // Another checksum type than the upload's (BadDigest), another algorithm's whole-object header (InvalidRequest).
    r = await complete(key, up.uploadId, completeXml(listed, "CRC64NVME"), { "x-amz-checksum-crc64nvme": whole, "x-amz-checksum-type": "COMPOSITE" });
    assert.equal(code(r), "BadDigest");
    r = await complete(key, up.uploadId, completeXml(listed, "CRC64NVME"), { "x-amz-checksum-crc32": checksumOf("CRC32", up.bodies) });
    assert.equal(code(r), "InvalidRequest");
    r = await complete(key, up.uploadId, completeXml(listed, "CRC64NVME"), { "x-amz-checksum-crc64nvme": whole, "x-amz-checksum-type": "FULL_OBJECT" });
    assert.equal(r.status, 200, r.body);
    const got = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }));
    assert.equal(got.ChecksumCRC64NVME, whole);
    assert.equal(got.ChecksumType, "FULL_OBJECT");
});

test("multipart: a part with a wrong CRC is BadDigest, one with another algorithm InvalidRequest", async () => {
    const key = unique("mpu-part") + ".jpg";
    const up = await multipart(key, ["CRC64NVME", "FULL_OBJECT"], (b) => (b.length > 10
        ? { "x-amz-checksum-crc64nvme": checksumOf("CRC64NVME", Buffer.from("not this")) }
        : { "x-amz-checksum-crc32c": checksumOf("CRC32C", b) }));
    assert.equal(code(up.parts[0]), "BadDigest");
    assert.equal(code(up.parts[1]), "InvalidRequest");
    const bad = await signedRequest(env.url, { method: "POST", path: `/${bucket}/${key}`, query: { uploads: "" },
        headers: { "x-amz-checksum-algorithm": "CRC64NVME", "x-amz-checksum-type": "COMPOSITE" } });
    assert.equal(code(bad), "InvalidRequest", "CRC64NVME is full-object only");
});

test("multipart COMPOSITE CRC32C: the checksum of the part checksums, suffixed -2", async () => {
    const key = unique("mpu-comp") + ".jpg";
    const crc = (b) => checksumOf("CRC32C", b);
    const up = await multipart(key, ["CRC32C", "COMPOSITE"], (b) => ({ "x-amz-checksum-crc32c": crc(b) }));
    const listed = up.parts.map((p, i) => ({ etag: p.headers.etag, checksum: crc(up.bodies[i]) }));
    const r = await complete(key, up.uploadId, completeXml(listed, "CRC32C"));
    assert.equal(r.status, 200, r.body);
    const expected = `${crc(listed.map((p) => Buffer.from(p.checksum, "base64")))}-2`;
    const asked = await head(key, true);
    assert.equal(asked.headers["x-amz-checksum-crc32c"], expected);
    assert.equal(asked.headers["x-amz-checksum-type"], "COMPOSITE");
});

test("the corrupt fault rule flips a body bit and keeps the stored checksum header", async () => {
    const key = unique("corrupt") + ".jpg";
    assert.equal((await put(key, "123456789")).status, 200);
    const id = await addFault(env.url, { service: "s3", action: "GetObject", bucket, key, corrupt: true, times: 1 });
    try {
        const r = await signedRequest(env.url, { path: `/${bucket}/${key}`, headers: { "x-amz-checksum-mode": "ENABLED" } });
        assert.equal(r.status, 200);
        assert.notEqual(r.body, "123456789");
        assert.equal(r.body.length, 9);
        assert.equal(r.headers["x-amz-checksum-crc64nvme"], b64("ae8b14860a799888"));
        assert.notEqual(checksumOf("CRC64NVME", Buffer.from(r.body)), r.headers["x-amz-checksum-crc64nvme"]);
    } finally {
        await removeFault(env.url, id);
    }
});
