// auth.test.mjs - the emulator's strict SigV4 checking: wrong secrets, unknown
// keys, tampered bodies, paths and headers, missing or unsigned payload hashes,
// clock skew, presigned URLs (valid, tampered, expired), the signing region,
// anonymous requests, and session-token credentials.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { CreateBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { CreateQueueCommand, ListQueuesCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { setup, startLocal, s3Client, sqsClient, unique, signedRequest, rawRequest, presignTarget, sha256Hex } from "./helpers.mjs";

const env = await setup();
after(() => env.close());
const s3 = s3Client(env.url);
const sqs = sqsClient(env.url);
const bucket = unique("auth");
await s3.send(new CreateBucketCommand({ Bucket: bucket }));
const { QueueUrl: queueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique("authq") }));

const wrongSecret = { accessKeyId: "test", secretAccessKey: "not-the-secret" };
const xmlCode = (body) => /<Code>([^<]*)<\/Code>/.exec(body)?.[1];

function sqsJson(action, input, extra = {}) {
    return {
        service: "sqs", method: "POST", path: "/", body: JSON.stringify(input),
        headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": `AmazonSQS.${action}` }, ...extra,
    };
}

test("S3: the SDK with a wrong secret gets 403 SignatureDoesNotMatch", async () => {
    const bad = s3Client(env.url, { credentials: wrongSecret });
    await assert.rejects(bad.send(new PutObjectCommand({ Bucket: bucket, Key: "x.jpg", Body: "x" })),
        (err) => err.name === "SignatureDoesNotMatch" && err.$metadata.httpStatusCode === 403);
    await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "x.jpg" })), (err) => err.$metadata.httpStatusCode === 404);
});

test("S3: the error is AWS's XML form with the canonical request for debugging", async () => {
    const r = await signedRequest(env.url, { method: "GET", path: `/${bucket}/k.jpg`, credentials: wrongSecret });
    assert.equal(r.status, 403);
    assert.match(r.headers["content-type"], /application\/xml/);
    assert.match(r.body, /^<\?xml[^>]*\?><Error><Code>SignatureDoesNotMatch<\/Code><Message>[^<]+<\/Message>/);
    assert.match(r.body, /<CanonicalRequest>GET\n\/[^<]*k\.jpg\n/);
    assert.match(r.body, /<RequestId>[0-9A-F]{16}<\/RequestId>/);
    assert.equal(r.headers["x-amz-request-id"], /<RequestId>([^<]*)</.exec(r.body)[1]);
});

test("SQS: the SDK with a wrong secret gets 403 SignatureDoesNotMatch", async () => {
    const bad = sqsClient(env.url, { credentials: wrongSecret });
    await assert.rejects(bad.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "x" })),
        (err) => err.name === "SignatureDoesNotMatch" && err.$metadata.httpStatusCode === 403);
    const r = await signedRequest(env.url, sqsJson("ListQueues", {}, { credentials: wrongSecret }));
    assert.equal(r.status, 403);
    assert.equal(r.headers["x-amzn-query-error"], "SignatureDoesNotMatch;Sender");
    const body = JSON.parse(r.body);
    assert.equal(body.__type, "com.amazon.coral.service#SignatureDoesNotMatch");
    assert.match(body.message, /signature we calculated does not match/);
});

test("unknown access keys: S3 InvalidAccessKeyId, SQS InvalidClientTokenId", async () => {
    const stranger = { accessKeyId: "AKIDNOBODY", secretAccessKey: "x" };
    await assert.rejects(s3Client(env.url, { credentials: stranger }).send(new GetObjectCommand({ Bucket: bucket, Key: "x" })),
        (err) => err.name === "InvalidAccessKeyId" && err.$metadata.httpStatusCode === 403);
    await assert.rejects(sqsClient(env.url, { credentials: stranger }).send(new ListQueuesCommand({})),
        (err) => err.name === "InvalidClientTokenId" && err.$metadata.httpStatusCode === 403);
});

test("S3: a body changed after signing is refused (XAmzContentSHA256Mismatch) and not stored", async () => {
    const key = "tampered.jpg";
    const r = await signedRequest(env.url, {
        method: "PUT", path: `/${bucket}/${key}`, body: "original bytes",
        mutate: (h) => ({ headers: h, body: Buffer.from("evil bytes!!!!") }),
    });
    assert.equal(r.status, 400, r.body);
    assert.equal(xmlCode(r.body), "XAmzContentSHA256Mismatch");
    assert.match(r.body, new RegExp(`<ClientComputedContentSHA256>${sha256Hex("original bytes")}</`));
    await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })), (err) => err.$metadata.httpStatusCode === 404);
});

test("S3: changing the signed payload hash too breaks the signature", async () => {
    const r = await signedRequest(env.url, {
        method: "PUT", path: `/${bucket}/t2.jpg`, body: "original",
        mutate: (h) => ({ headers: { ...h, "x-amz-content-sha256": sha256Hex("evil") }, body: Buffer.from("evil") }),
    });
    assert.equal(r.status, 403);
    assert.equal(xmlCode(r.body), "SignatureDoesNotMatch");
});

test("SQS: a body changed after signing breaks the signature", async () => {
    const r = await signedRequest(env.url, sqsJson("SendMessage", { QueueUrl: queueUrl, MessageBody: "good" }, {
        mutate: (h, b) => ({ headers: h, body: Buffer.from(b.toString().replace("good", "evil")) }),
    }));
    assert.equal(r.status, 403);
    assert.equal(JSON.parse(r.body).__type, "com.amazon.coral.service#SignatureDoesNotMatch");
});

test("S3: the path is signed as S3 decodes and encodes it again, whatever spelling was sent", async () => {
    let sentHeaders;
    const canonical = await signedRequest(env.url, {
        method: "GET", path: `/${bucket}/a%2Bb%20c%24.jpg`,
        mutate: (h, b) => { sentHeaders = h; return { headers: h, body: b }; },
    });
    assert.equal(canonical.status, 404, "a correctly signed request for a missing key reaches S3 (NoSuchKey)");
    // Other spellings of the same key (raw "+" and "$", lower-case hex, an
    // encoded letter) are the same key to S3, signed the same way.
    for (const spelling of ["a+b%20c$.jpg", "a%2bb%20c%24.jpg", "a%2Bb%20c%24.jp%67"]) {
        const again = await rawRequest(env.url, { method: "GET", target: `/${bucket}/${spelling}`, headers: sentHeaders });
        assert.equal(again.status, 404, `${spelling}: ${again.body}`);
    }
    // Another key does not match that signature.
    const other = await rawRequest(env.url, { method: "GET", target: `/${bucket}/a%2Bb%20d%24.jpg`, headers: sentHeaders });
    assert.equal(other.status, 403, other.body);
    assert.equal(xmlCode(other.body), "SignatureDoesNotMatch");
    // A client that leaves "+" or "(" raw and signs them raw is refused, as
    // on AWS (the signer's own URI encoding must be S3's).
    for (const raw of ["a+b.jpg", "a(1).jpg", "k=v.jpg", "t:1.jpg"]) {
        const r = await signedRequest(env.url, { method: "GET", path: `/${bucket}/${raw}` });
        assert.equal(r.status, 403, `${raw}: ${r.body}`);
        assert.equal(xmlCode(r.body), "SignatureDoesNotMatch");
    }
});

test("S3: x-amz-content-sha256 is required; UNSIGNED-PAYLOAD is accepted; chunk-signed streaming is refused", async () => {
    const missing = await signedRequest(env.url, { method: "GET", path: `/${bucket}/x.jpg`, payloadHash: null });
    assert.equal(missing.status, 400);
    assert.equal(xmlCode(missing.body), "InvalidRequest");
    const unsigned = await signedRequest(env.url, { method: "PUT", path: `/${bucket}/unsigned.jpg`, body: "free", payloadHash: "UNSIGNED-PAYLOAD" });
    assert.equal(unsigned.status, 200, unsigned.body);
    const streaming = await signedRequest(env.url, { method: "PUT", path: `/${bucket}/s.jpg`, body: "x", payloadHash: "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" });
    assert.equal(streaming.status, 501);
    assert.equal(xmlCode(streaming.body), "NotImplemented");
});

test("S3: x-amz-content-sha256 need not be signed (its value is the payload hash the signature covers)", async () => {
    const r = await signedRequest(env.url, { method: "PUT", path: `/${bucket}/unsigned-hash-header.jpg`, body: "h",
        unsignable: new Set(["x-amz-content-sha256"]) });
    assert.equal(r.status, 200, r.body);
});

test("S3: x-amz-* headers must be signed", async () => {
    const r = await signedRequest(env.url, {
        method: "PUT", path: `/${bucket}/meta.jpg`, body: "m",
        mutate: (h, b) => ({ headers: { ...h, "x-amz-meta-sneaky": "1" }, body: b }),
    });
    assert.equal(r.status, 403);
    assert.equal(xmlCode(r.body), "AccessDenied");
    assert.match(r.body, /<HeadersNotSigned>x-amz-meta-sneaky<\/HeadersNotSigned>/);
});

test("requests signed more than 15 minutes off are RequestTimeTooSkewed; 10 minutes is fine", async () => {
    const old = new Date(Date.now() - 20 * 60 * 1000);
    const s3old = await signedRequest(env.url, { method: "GET", path: `/${bucket}/x.jpg`, date: old });
    assert.equal(s3old.status, 403);
    assert.equal(xmlCode(s3old.body), "RequestTimeTooSkewed");
    const future = await signedRequest(env.url, { method: "GET", path: `/${bucket}/x.jpg`, date: new Date(Date.now() + 20 * 60 * 1000) });
    assert.equal(xmlCode(future.body), "RequestTimeTooSkewed");
    const sqsOld = await signedRequest(env.url, sqsJson("ListQueues", {}, { date: old }));
    assert.equal(sqsOld.status, 403);
    assert.equal(JSON.parse(sqsOld.body).__type, "com.amazon.coral.service#RequestTimeTooSkewed");
    const near = await signedRequest(env.url, { method: "GET", path: `/${bucket}/x.jpg`, date: new Date(Date.now() - 10 * 60 * 1000) });
    assert.equal(near.status, 404, near.body);
});

test("the signing region must be the emulator's region", async () => {
    const r = await signedRequest(env.url, { method: "GET", path: `/${bucket}/x.jpg`, region: "eu-west-1" });
    assert.equal(r.status, 400);
    assert.equal(xmlCode(r.body), "AuthorizationHeaderMalformed");
    assert.match(r.body, /<Region>us-east-1<\/Region>/);
});

test("anonymous requests are refused", async () => {
    const s3anon = await rawRequest(env.url, { method: "GET", target: `/${bucket}/x.jpg` });
    assert.equal(s3anon.status, 403);
    assert.equal(xmlCode(s3anon.body), "AccessDenied");
    const sqsAnon = await rawRequest(env.url, {
        method: "POST", target: "/", body: Buffer.from("{}"),
        headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "AmazonSQS.ListQueues" },
    });
    assert.equal(sqsAnon.status, 403);
    assert.equal(JSON.parse(sqsAnon.body).__type, "com.amazon.coral.service#MissingAuthenticationToken");
});

test("presigned URLs: valid works, tampered or expired does not", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "pre signed.jpg", Body: "presigned body" }));
    const path = `/${bucket}/pre%20signed.jpg`;
    const good = await rawRequest(env.url, { target: await presignTarget(env.url, { path }) });
    assert.equal(good.status, 200, good.body);
    assert.equal(good.body, "presigned body");
    const target = await presignTarget(env.url, { path });
    const tampered = await rawRequest(env.url, { target: target.replace(/X-Amz-Signature=([0-9a-f])/, (m, c) => `X-Amz-Signature=${c === "0" ? "1" : "0"}`) });
    assert.equal(tampered.status, 403);
    assert.equal(xmlCode(tampered.body), "SignatureDoesNotMatch");
    const otherKey = await rawRequest(env.url, { target: target.replace("pre%20signed", "pre%20signeD") });
    assert.equal(xmlCode(otherKey.body), "SignatureDoesNotMatch");
    const expired = await rawRequest(env.url, { target: await presignTarget(env.url, { path, expiresIn: 60, date: new Date(Date.now() - 120 * 1000) }) });
    assert.equal(expired.status, 403);
    assert.equal(xmlCode(expired.body), "AccessDenied");
    assert.match(expired.body, /Request has expired/);
    const wrongKey = await rawRequest(env.url, { target: await presignTarget(env.url, { path, credentials: wrongSecret }) });
    assert.equal(xmlCode(wrongKey.body), "SignatureDoesNotMatch");
});

test("configured credentials, with and without session tokens", async () => {
    const local = await startLocal(["--credentials", "AKIDWITHTOKEN:sekrit/+=:tok/en+123==,AKIDPLAIN:plainsecret"]);
    try {
        const b = unique("tok");
        const withToken = s3Client(local.url, { credentials: { accessKeyId: "AKIDWITHTOKEN", secretAccessKey: "sekrit/+=", sessionToken: "tok/en+123==" } });
        await withToken.send(new CreateBucketCommand({ Bucket: b }));
        await withToken.send(new PutObjectCommand({ Bucket: b, Key: "k", Body: "v" }));
        const badToken = s3Client(local.url, { credentials: { accessKeyId: "AKIDWITHTOKEN", secretAccessKey: "sekrit/+=", sessionToken: "other" } });
        await assert.rejects(badToken.send(new GetObjectCommand({ Bucket: b, Key: "k" })), (err) => err.name === "InvalidToken");
        const noToken = s3Client(local.url, { credentials: { accessKeyId: "AKIDWITHTOKEN", secretAccessKey: "sekrit/+=" } });
        await assert.rejects(noToken.send(new GetObjectCommand({ Bucket: b, Key: "k" })), (err) => err.name === "InvalidToken");
        const plain = s3Client(local.url, { credentials: { accessKeyId: "AKIDPLAIN", secretAccessKey: "plainsecret" } });
        const got = await plain.send(new GetObjectCommand({ Bucket: b, Key: "k" }));
        assert.equal(await got.Body.transformToString(), "v");
        const plainWithToken = sqsClient(local.url, { credentials: { accessKeyId: "AKIDPLAIN", secretAccessKey: "plainsecret", sessionToken: "anything" } });
        assert.ok(await plainWithToken.send(new ListQueuesCommand({})));
        await s3Client(local.url).send(new GetObjectCommand({ Bucket: b, Key: "k" }));
    } finally {
        await local.close();
    }
});
