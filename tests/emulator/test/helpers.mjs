// helpers.mjs - shared pieces of the emulator's tests: where the emulator is
// (ES_TEST_ENDPOINT, or an in-process one started for this test file), SDK
// clients, a raw SigV4-signed HTTP request (to send exactly what a test needs,
// e.g. tampered bodies or odd Host headers), the control API, and unique names.
import http from "node:http";
import { createHash, createHmac, randomBytes } from "node:crypto";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { SignatureV4 } from "@smithy/signature-v4";
import { Emulator } from "../lib/frontend.mjs";
import { parseConfig } from "../lib/config.mjs";

export const REGION = "us-east-1";
export const CREDS = { accessKeyId: "test", secretAccessKey: "test" };

// Starts an emulator in this process (own port) with extra server arguments.
export async function startLocal(args = []) {
    const emu = new Emulator(parseConfig(args, {}));
    const url = await emu.start();
    return { url, emu, close: () => emu.stop() };
}

// The emulator under test: ES_TEST_ENDPOINT when set, else a private one.
export async function setup() {
    if (process.env.ES_TEST_ENDPOINT) return { url: process.env.ES_TEST_ENDPOINT.replace(/\/+$/, ""), close: async () => {} };
    return startLocal();
}

export function unique(prefix) {
    return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
}

export function s3Client(url, opts = {}) {
    return new S3Client({ endpoint: url, region: REGION, forcePathStyle: true, credentials: opts.credentials ?? CREDS, maxAttempts: opts.maxAttempts ?? 1 });
}

export function sqsClient(url, opts = {}) {
    return new SQSClient({ endpoint: url, region: REGION, credentials: opts.credentials ?? CREDS, maxAttempts: opts.maxAttempts ?? 1 });
}

class Sha256 {
    constructor(secret) {
        this.h = secret === undefined ? createHash("sha256") : createHmac("sha256", Buffer.from(secret));
    }
    update(d) { this.h.update(typeof d === "string" ? Buffer.from(d) : d); }
    async digest() { return new Uint8Array(this.h.digest()); }
}

export function sha256Hex(data) {
    return createHash("sha256").update(data).digest("hex");
}

// Plain HTTP to the emulator with the raw request-target given.
export function rawRequest(url, { method = "GET", target = "/", headers = {}, body = Buffer.alloc(0) }) {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
        // a body sent chunked (transfer-encoding in headers) has no content-length
        const sized = headers["transfer-encoding"] ? headers : { ...headers, "content-length": String(body.length) };
        const req = http.request({ host: u.hostname, port: u.port, method, path: target, headers: sized }, (res) => {
            const chunks = [];
            res.on("data", (c) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        });
        req.on("error", reject);
        req.end(body);
    });
}

// Signs with AWS's SignatureV4 and sends. opts: method, path (raw, encoded),
// query (object of decoded values), headers, body, service, credentials,
// date, host (Host header; default the endpoint's), region, payloadHash,
// unsignable (a Set of header names sent but left out of the signature),
// mutate(signedHeaders, body) -> { headers, body } to tamper after signing.
export async function signedRequest(url, opts) {
    const u = new URL(url);
    const service = opts.service ?? "s3";
    const body = Buffer.from(opts.body ?? "");
    const host = opts.host ?? u.host;
    const headers = { host, ...(opts.headers ?? {}) };
    if (service === "s3" && opts.payloadHash !== null) headers["x-amz-content-sha256"] = opts.payloadHash ?? sha256Hex(body);
    const signer = new SignatureV4({ credentials: opts.credentials ?? CREDS, region: opts.region ?? REGION, service, sha256: Sha256, uriEscapePath: service !== "s3", applyChecksum: false });
    const request = { method: opts.method ?? "GET", protocol: "http:", hostname: u.hostname, port: Number(u.port), path: opts.path ?? "/", query: opts.query ?? {}, headers, body };
    const signed = await signer.sign(request, { signingDate: opts.date ?? new Date(), unsignableHeaders: opts.unsignable });
    let sendHeaders = signed.headers;
    let sendBody = body;
    if (opts.mutate) ({ headers: sendHeaders, body: sendBody } = opts.mutate({ ...signed.headers }, body));
    const qs = Object.entries(opts.query ?? {}).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
    return rawRequest(url, { method: request.method, target: `${request.path}${qs ? `?${qs}` : ""}`, headers: sendHeaders, body: sendBody });
}

// A presigned URL's request-target for method + path, valid expiresIn seconds from date.
export async function presignTarget(url, { method = "GET", path, expiresIn = 300, date = new Date(), credentials = CREDS }) {
    const u = new URL(url);
    const signer = new SignatureV4({ credentials, region: REGION, service: "s3", sha256: Sha256, uriEscapePath: false, applyChecksum: false });
    const presigned = await signer.presign({ method, protocol: "http:", hostname: u.hostname, port: Number(u.port), path, query: {},
        headers: { host: u.host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } },
    { signingDate: date, expiresIn, unhoistableHeaders: new Set(["x-amz-content-sha256"]), unsignableHeaders: new Set(["x-amz-content-sha256"]) });
    const qs = Object.entries(presigned.query).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
    return `${path}?${qs}`;
}

export async function control(url, method, path, body) {
    const res = await fetch(`${url}/_emulator/${path}`, {
        method, headers: body !== undefined ? { "content-type": "application/json" } : {},
        body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, json: await res.json() };
}

// Adds fault rules and returns their ids (for removal in cleanup).
export async function addFault(url, rule) {
    const r = await control(url, "POST", "faults", rule);
    if (r.status !== 201) throw new Error(`fault rule refused: ${JSON.stringify(r.json)}`);
    return r.json.rule.id;
}

export async function removeFault(url, id) {
    await control(url, "DELETE", `faults/${id}`);
}

export async function requestsSince(url, seq, filter = "") {
    const r = await control(url, "GET", `requests?since=${seq}${filter}`);
    return r.json.requests;
}

export async function lastSeq(url) {
    return (await control(url, "GET", "requests?since=999999999")).json.last_seq;
}
