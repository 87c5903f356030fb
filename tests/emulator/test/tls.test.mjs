// tls.test.mjs - the emulator's https mode (--tls-cert / --tls-key): with a
// self-signed certificate made by openssl for 127.0.0.1 it serves https
// (the URL says so), a client that trusts that certificate gets signed S3
// requests through and queue URLs name https, one that does not is refused
// by TLS verification, and plain http to the port gets no answer. The
// options must come together. Skipped without openssl.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import https from "node:https";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Client, PutObjectCommand, GetObjectCommand, CreateBucketCommand } from "@aws-sdk/client-s3";
import { SQSClient, CreateQueueCommand } from "@aws-sdk/client-sqs";
import { startLocal, s3Client, unique, REGION, CREDS } from "./helpers.mjs";
import { parseConfig } from "../lib/config.mjs";

let dir, cert, key, local, haveOpenssl = true;

before(async () => {
    dir = mkdtempSync(join(tmpdir(), "es-emu-tls-"));
    cert = join(dir, "cert.pem");
    key = join(dir, "key.pem");
    try {
        execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        { stdio: "ignore" });
    } catch {
        haveOpenssl = false;
        return;
    }
    local = await startLocal(["--tls-cert", cert, "--tls-key", key]);
});

after(async () => {
    if (local) await local.close();
    rmSync(dir, { recursive: true, force: true });
});

function get(url, ca) {
    return new Promise((resolve, reject) => {
        https.get(url, ca ? { ca } : {}, (res) => {
            const chunks = [];
            res.on("data", (c) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
        }).on("error", reject);
    });
}

function trusting(Client, url) {
    const agent = new https.Agent({ ca: readFileSync(cert) });
    return new Client({ endpoint: url, region: REGION, forcePathStyle: true, credentials: CREDS, maxAttempts: 1,
        requestHandler: { httpsAgent: agent } });
}

test("the options go together", () => {
    assert.throws(() => parseConfig(["--tls-cert", "a.pem"], {}), /go together/);
    assert.throws(() => parseConfig([], { ES_EMULATOR_TLS_KEY: "k.pem" }), /go together/);
    assert.equal(parseConfig([], { ES_EMULATOR_TLS_CERT: "c.pem", ES_EMULATOR_TLS_KEY: "k.pem" }).tlsCert, "c.pem");
});

test("https with the certificate trusted: health, signed S3 and SQS", async (t) => {
    if (!haveOpenssl) return t.skip("openssl missing");
    assert.match(local.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const health = await get(`${local.url}/_emulator/health`, readFileSync(cert));
    assert.equal(health.status, 200);
    assert.equal(JSON.parse(health.body).url, local.url);
    const s3 = trusting(S3Client, local.url);
    const bucket = unique("tls");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "a.jpg", Body: "over tls" }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "a.jpg" }));
    assert.equal(await got.Body.transformToString(), "over tls");
    const q = await trusting(SQSClient, local.url).send(new CreateQueueCommand({ QueueName: unique("tls") }));
    assert.match(q.QueueUrl, /^https:\/\/127\.0\.0\.1:\d+\/000000000000\/tls-/);
});

test("an untrusted certificate and plain http are refused", async (t) => {
    if (!haveOpenssl) return t.skip("openssl missing");
    await assert.rejects(get(`${local.url}/_emulator/health`), (err) => /self[- ]signed|unable to verify/i.test(err.message));
    await assert.rejects(() => s3Client(local.url).send(new CreateBucketCommand({ Bucket: unique("tls") })));
    const plain = local.url.replace(/^https:/, "http:");
    await assert.rejects(fetch(`${plain}/_emulator/health`, { signal: AbortSignal.timeout(5000) }));
});
