// frontend.mjs - the emulator's one public port (127.0.0.1, or --host in a container). Each request:
// control API (/_emulator/...) or else: read the whole body -> tell S3 from
// SQS and name the operation -> strict SigV4 check -> fault rules -> serve
// (notification and location subresources, ListMultipartUploads and the
// conditional-write checks here, SQS query protocol through
// the JSON adapter, everything else forwarded to fauxqs) -> S3 event
// notifications -> response, one entry in the request log and the stats counters.
import http from "node:http";
import https from "node:https";
import { readFileSync } from "node:fs";
import { randomBytes, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Backend } from "./backend.mjs";
import { classify, scopeService, S3_SUPPORTED } from "./route.mjs";
import { verifyRequest, authError } from "./sigv4.mjs";
import { renderError, apiError } from "./errors.mjs";
import { FaultRules } from "./faults.mjs";
import { RequestLog } from "./reqlog.mjs";
import { Stats } from "./stats.mjs";
import { Notifications } from "./notifications.mjs";
import { newHostId } from "./notify_events.mjs";
import { toJsonInput, toXmlResponse, jsonErrorToApiError } from "./sqs_query.mjs";
import { handleControl } from "./control.mjs";
import { firstParam } from "./url.mjs";
import { urlEncodeListing } from "./list_encoding.mjs";
import { withoutHopHeaders } from "./hop_headers.mjs";
import { maskInvalidHandles, applyInvalidHandles } from "./sqs_receipts.mjs";
import { VisibilityLimit } from "./sqs_visibility_limit.mjs";
import { batchIdError } from "./sqs_batch_ids.mjs";
import { KeyLocks, KEY_WRITES, CONDITIONAL_WRITES, writePreconditionError, deletePreconditionError, listMultipartUploads } from "./s3_writes.mjs";
import { checkBody, uploadSpec, checkComplete, checksumOf, headerName, storeOn, isChunked } from "./checksums.mjs";

const PARSED_CONTENT_TYPES = /x-www-form-urlencoded|x-amz-json/i;

class BodyTooLarge extends Error {}

function readBody(req, limit) {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLarge());
    return new Promise((resolve, reject) => {
        const chunks = [];
        let size = 0;
        req.on("data", (c) => {
            size += c.length;
            if (size > limit) {
                req.pause();
                reject(new BodyTooLarge());
                return;
            }
            chunks.push(c);
        });
        req.on("end", () => resolve(Buffer.concat(chunks)));
        req.on("error", reject);
    });
}

function errorCodeOf(resp) {
    if (resp.status < 300) return undefined;
    const text = resp.body.subarray(0, 4096).toString("utf8");
    const xml = /<Code>([^<]*)<\/Code>/.exec(text);
    if (xml) return xml[1];
    const json = /"__type"\s*:\s*"(?:[^"#]*#)?([^"]*)"/.exec(text);
    return json ? json[1] : undefined;
}

export class Emulator {
    constructor(cfg) {
        this.cfg = cfg;
        this.backend = new Backend({ region: cfg.region, maxBody: cfg.maxBody });
        this.notifications = new Notifications(
            { s3Store: this.backend.s3Store, sqsStore: this.backend.sqsStore, SqsStore: this.backend.SqsStore }, cfg.region);
        this.faults = new FaultRules();
        this.log = new RequestLog();
        this.stats = new Stats();
        this.keyLocks = new KeyLocks();
        this.visibilityLimit = new VisibilityLimit();
        this.url = "";
        this.startedAt = Date.now();
        // Simulated server clock error (control API): shifts the time SigV4
        // dates are checked against and the Date header of responses.
        this.clockOffsetMs = 0;
        // https when given a certificate and key (the benchmark's and the TLS
        // tests' emulator); plain http otherwise.
        const tls = cfg.tlsCert ? { cert: readFileSync(cfg.tlsCert), key: readFileSync(cfg.tlsKey) } : null;
        this.scheme = tls ? "https" : "http";
        const handler = (req, res) => {
            this.handle(req, res).catch((err) => {
                process.stderr.write(`emulator: internal error: ${err?.stack || err}\n`);
                if (!res.headersSent) {
                    res.writeHead(500, { "content-type": "text/plain" });
                    res.end("internal emulator error\n");
                } else {
                    res.destroy();
                }
            });
        };
        this.server = tls ? https.createServer(tls, handler) : http.createServer(handler);
        this.server.keepAliveTimeout = 30000;
    }

    async start() {
        await new Promise((resolve, reject) => {
            this.server.once("error", reject);
            this.server.listen(this.cfg.port, this.cfg.host || "127.0.0.1", resolve);
        });
        this.url = `${this.scheme}://127.0.0.1:${this.server.address().port}`;
        await this.backend.start(this.url);
        return this.url;
    }

    async stop() {
        this.server.closeAllConnections?.();
        await new Promise((resolve) => this.server.close(resolve));
        await this.backend.stop();
    }

    // Drops every bucket, object, queue, message, notification configuration,
    // fault rule and log entry.
    reset() {
        this.backend.purgeAll();
        this.notifications.clear();
        this.faults.clear();
        this.log.clear();
        this.stats.clear();
        this.clockOffsetMs = 0;
    }

    now() {
        return Date.now() + this.clockOffsetMs;
    }

    send(req, res, resp) {
        // The front frames the body itself: fauxqs's framing headers never pass.
        const headers = withoutHopHeaders(resp.headers);
        delete headers["content-length"];
        if (req.method === "HEAD" && resp.headers["content-length"] !== undefined) headers["content-length"] = resp.headers["content-length"];
        else headers["content-length"] = String(resp.body.length);
        if (this.clockOffsetMs) headers.date = new Date(this.now()).toUTCString();
        res.writeHead(resp.status, headers);
        res.end(req.method === "HEAD" ? undefined : resp.body);
    }

    record(ctx, route, status, code, rule) {
        const entry = {
            time: new Date(ctx.start).toISOString(), method: ctx.method,
            path: route?.rawPath ?? ctx.target.split("?")[0], query: route?.rawQuery ?? "",
            service: route?.service ?? "", action: route?.action ?? "", status,
            duration_ms: Date.now() - ctx.start,
        };
        if (ctx.requestId) entry.request_id = ctx.requestId;
        if (ctx.accessKeyId) entry.access_key = ctx.accessKeyId;
        if (route?.service === "s3") {
            entry.bucket = route.bucket;
            entry.key = route.key;
            if (ctx.unsignedPayload) entry.unsigned_payload = true;
        } else if (route?.queue) {
            entry.queue = route.queue;
        }
        if (code) entry.code = code;
        if (rule) entry.fault = rule.id;
        this.log.add(entry);
        this.stats.request(entry.service, entry.action);
        if (this.cfg.logRequests) {
            process.stderr.write(`${entry.time} ${entry.method} ${ctx.target} ${entry.service}:${entry.action} -> ${status}${code ? ` ${code}` : ""}${rule ? ` (fault ${rule.id})` : ""}\n`);
        }
    }

    async handle(req, res) {
        const target = req.url || "/";
        const ctx = {
            start: Date.now(), method: req.method, target, requestId: "", hostId: newHostId(),
            remoteAddress: String(req.socket.remoteAddress || "").replace(/^::ffff:/, ""),
            unsignedPayload: req.headers["x-amz-content-sha256"] === "UNSIGNED-PAYLOAD",
        };
        if (target === "/_emulator" || target.startsWith("/_emulator/")) {
            await handleControl(this, req, res, ctx);
            return;
        }
        this.stats.connection(req.socket);
        let body;
        try {
            body = await readBody(req, this.cfg.maxBody);
        } catch (err) {
            if (!(err instanceof BodyTooLarge)) throw err;
            const route = classify(req.method, target, req.headers, Buffer.alloc(0));
            ctx.requestId = route.service === "s3" ? randomBytes(8).toString("hex").toUpperCase() : randomUUID();
            const resp = renderError(route.dialect, apiError(route.service === "s3" ? 400 : 413, route.service === "s3" ? "EntityTooLarge" : "RequestEntityTooLarge",
                `Your proposed upload exceeds the maximum allowed size (${this.cfg.maxBody} bytes)`), ctx);
            resp.headers.connection = "close";
            this.send(req, res, resp);
            res.on("finish", () => req.destroy());
            this.record(ctx, route, resp.status, errorCodeOf(resp));
            return;
        }
        const route = classify(req.method, target, req.headers, body);
        ctx.requestId = route.service === "s3" ? randomBytes(8).toString("hex").toUpperCase() : randomUUID();

        const service = route.service === "other" ? scopeService(req.headers, route.query) || "unknown" : route.service;
        const auth = await verifyRequest({
            method: req.method, rawPath: route.rawPath, query: route.query, queryOk: route.queryOk,
            headers: req.headers, headersDistinct: req.headersDistinct, body,
        }, { service, region: this.cfg.region, credentials: this.cfg.credentials, now: this.now() });
        if (!auth.ok) {
            const resp = renderError(route.dialect, authError(route.service === "s3" ? "s3" : "sqs", auth), ctx);
            this.send(req, res, resp);
            this.record(ctx, route, resp.status, errorCodeOf(resp));
            return;
        }

        ctx.accessKeyId = auth.accessKeyId;
        const rule = this.faults.take(route);
        if (rule && rule.delay_ms) await sleep(rule.delay_ms);
        if (rule && rule.phase === "before" && (rule.reset || rule.status)) {
            this.fireFault(req, res, ctx, route, rule);
            return;
        }
        const resp = await this.dispatch(ctx, route, req, body, auth);
        if (rule && rule.phase === "after" && (rule.reset || rule.status)) {
            this.fireFault(req, res, ctx, route, rule);
            return;
        }
        if (rule && rule.corrupt && resp.body.length) {
            resp.body = Buffer.from(resp.body);
            resp.body[resp.body.length >> 1] ^= 0x10;
        }
        if (rule && !rule.status && !rule.reset) {
            /* the operation's own answer: its header names are lower case, so replace, not add */
            for (const [name, value] of Object.entries(rule.headers)) resp.headers[name.toLowerCase()] = value;
        }
        this.send(req, res, resp);
        this.record(ctx, route, resp.status, errorCodeOf(resp), rule);
    }

    fireFault(req, res, ctx, route, rule) {
        if (rule.reset) {
            ctx.requestId = ""; /* no answer, so no request id */
            this.record(ctx, route, 0, "ConnectionReset", rule);
            if (typeof req.socket.resetAndDestroy === "function") req.socket.resetAndDestroy();
            else req.socket.destroy();
            return;
        }
        const resp = renderError(route.dialect, FaultRules.errorFor(rule, route.service === "s3" ? "s3" : "sqs"), ctx);
        Object.assign(resp.headers, rule.headers);
        this.send(req, res, resp);
        this.record(ctx, route, resp.status, errorCodeOf(resp), rule);
    }

    async dispatch(ctx, route, req, body, auth) {
        if (route.service === "s3") return this.dispatchS3(ctx, route, req, body, auth);
        if (route.service === "sqs") return this.dispatchSqs(ctx, route, req, body);
        return this.sqsHeaders(ctx, await this.backend.forward(req.method, req.url, req.headers, body));
    }

    sqsHeaders(ctx, resp) {
        delete resp.headers["x-amz-id-2"];
        delete resp.headers["x-amz-request-id"];
        resp.headers["x-amzn-requestid"] = ctx.requestId;
        return resp;
    }

    // SQS, either protocol: fauxqs takes JSON at POST /; the query protocol is
    // translated both ways, and malformed receipt handles and visibility
    // changes past 12 hours are judged here.
    async dispatchSqs(ctx, route, req, body) {
        const query = route.dialect === "sqs-query";
        const input = query ? toJsonInput(route.action, route.sqsInput) : route.sqsInput;
        if (!query && input === null) return this.sqsHeaders(ctx, await this.backend.forward("POST", "/", req.headers, body));
        const idError = batchIdError(route.action, input);
        if (idError) return renderError(route.dialect, idError, ctx);
        const masked = maskInvalidHandles(route.action, input);
        const limited = this.visibilityLimit.check(route.action, masked.input);
        if (limited.error) return renderError(route.dialect, limited.error, ctx);
        const forwarded = limited.input;
        const invalid = limited.refused ? new Map([...(masked.invalid ?? []), ...limited.refused]) : masked.invalid;
        const headers = query ? {
            host: req.headers.host || "127.0.0.1",
            authorization: req.headers.authorization || `AWS4-HMAC-SHA256 Credential=x/00000000/${this.cfg.region}/sqs/aws4_request`,
            "content-type": "application/x-amz-json-1.0",
            "x-amz-target": `AmazonSQS.${route.action}`,
        } : req.headers;
        const payload = query || invalid ? Buffer.from(JSON.stringify(forwarded)) : body;
        const resp = await this.backend.forward("POST", "/", headers, payload);
        if (route.action === "ReceiveMessage" && resp.status < 300) this.noteReceive(resp);
        if (resp.status < 300) this.visibilityLimit.noteDelete(route.action, forwarded);
        if (!query && !invalid) return this.sqsHeaders(ctx, resp);
        let json;
        try {
            json = resp.body.length ? JSON.parse(resp.body.toString("utf8")) : {};
        } catch {
            json = null;
        }
        const fixed = applyInvalidHandles(invalid, resp.status, json);
        if (fixed.error) return renderError(route.dialect, fixed.error, ctx);
        if (resp.status >= 300 || json === null) {
            if (!query) return this.sqsHeaders(ctx, resp);
            return renderError("sqs-query", jsonErrorToApiError(resp.status >= 300 ? resp.status : 500, resp.headers, json), ctx);
        }
        return query
            ? { status: 200, headers: { "content-type": "text/xml", "x-amzn-requestid": ctx.requestId }, body: Buffer.from(toXmlResponse(route.action, fixed.json, ctx.requestId)) }
            : { status: resp.status, headers: { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": ctx.requestId }, body: Buffer.from(JSON.stringify(fixed.json)) };
    }

    noteReceive(resp) {
        try {
            this.visibilityLimit.noteReceive(JSON.parse(resp.body.toString("utf8")));
        } catch {
            // not JSON: fauxqs's answer goes back as it is, and no handle is remembered
        }
    }

    async dispatchS3(ctx, route, req, body, auth) {
        const s3err = (err) => renderError("s3", err, ctx);
        const ok = (status, payload, contentType) => ({
            status, body: payload,
            headers: { ...(contentType ? { "content-type": contentType } : {}), "x-amz-request-id": ctx.requestId, "x-amz-id-2": ctx.hostId },
        });
        if (!S3_SUPPORTED.has(route.action)) {
            return s3err(apiError(501, "NotImplemented", `${route.action} is not implemented by this emulator`));
        }
        if (route.action === "PutBucketNotificationConfiguration" || route.action === "GetBucketNotificationConfiguration") {
            const r = route.action === "PutBucketNotificationConfiguration"
                ? this.notifications.put(ctx, route.bucket, body, req.headers)
                : this.notifications.get(route.bucket);
            return r.error ? s3err(r.error) : ok(r.status, r.body, r.contentType);
        }
        if (route.action === "GetBucketLocation") {
            if (!this.backend.s3Store.hasBucket(route.bucket)) {
                return s3err(apiError(404, "NoSuchBucket", "The specified bucket does not exist", { extra: { BucketName: route.bucket } }));
            }
            const region = this.cfg.region === "us-east-1" ? "" : this.cfg.region;
            return ok(200, Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${region}</LocationConstraint>`), "application/xml");
        }
        if (route.action === "ListMultipartUploads") {
            const r = listMultipartUploads(this.backend.s3Store, route.bucket, firstParam(route.query, "prefix") ?? "");
            return r.error ? s3err(r.error) : ok(200, r.body, "application/xml");
        }
        if (KEY_WRITES.has(route.action)) {
            return this.keyLocks.run(`${route.bucket}/${route.key}`, () => this.writeS3(ctx, route, req, body, auth));
        }
        return this.writeS3(ctx, route, req, body, auth);
    }

    // Flexible checksums (checksums.mjs) checked before fauxqs runs a write:
    // { error } to answer, or what recordChecksums stores once it succeeded.
    checkChecksums(route, headers, body) {
        const store = this.backend.s3Store;
        const upload = () => store.multipartUploads.get(firstParam(route.query, "uploadId") ?? "");
        switch (route.action) {
            case "PutObject": return checkBody(headers, body);
            case "UploadPart": return checkBody(headers, body, upload()?.emuSpec?.algorithm);
            case "CreateMultipartUpload": return uploadSpec(headers);
            case "CompleteMultipartUpload": {
                const u = upload();
                return u?.emuSpec ? checkComplete(u.emuSpec, headers, body, (n) => u.parts.get(n)) : { checksum: null };
            }
            default: return {};
        }
    }

    recordChecksums(route, resp, checked) {
        const store = this.backend.s3Store;
        const echo = (c) => { if (c) resp.headers[headerName(c.algorithm)] = c.value; };
        if (route.action === "PutObject" || route.action === "CompleteMultipartUpload") {
            const obj = store.buckets.get(route.bucket)?.get(route.key);
            if (!obj) return;
            if (!checked.checksum && obj.checksumAlgorithm) return; // fauxqs stored it (aws-chunked trailer)
            const checksum = checked.checksum ? { type: "FULL_OBJECT", ...checked.checksum }
                : { algorithm: "CRC64NVME", value: checksumOf("CRC64NVME", obj.body), type: "FULL_OBJECT" };
            storeOn(obj, checksum);
            echo(checksum);
            resp.headers["x-amz-checksum-type"] = checksum.type;
        } else if (route.action === "UploadPart") {
            const part = store.multipartUploads.get(firstParam(route.query, "uploadId") ?? "")
                ?.parts.get(Number(firstParam(route.query, "partNumber")));
            if (part) part.emuChecksum = checked.checksum;
            echo(checked.checksum);
        } else if (route.action === "CreateMultipartUpload" && checked.spec) {
            const id = /<UploadId>([^<]+)<\/UploadId>/.exec(resp.body.toString("utf8"))?.[1];
            const upload = id && store.multipartUploads.get(id);
            if (upload) upload.emuSpec = checked.spec;
            resp.headers["x-amz-checksum-algorithm"] = checked.spec.algorithm;
            resp.headers["x-amz-checksum-type"] = checked.spec.type;
        }
    }

    // The S3 operations fauxqs carries out (conditional writes checked first,
    // under the key's lock when the operation changes the key).
    async writeS3(ctx, route, req, body, auth) {
        if (CONDITIONAL_WRITES.has(route.action)) {
            const err = writePreconditionError(this.backend.s3Store, route.bucket, route.key, req.headers);
            if (err) return renderError("s3", err, ctx);
        }
        if (route.action === "DeleteObject") {
            const err = deletePreconditionError(this.backend.s3Store, route.bucket, route.key, req.headers);
            if (err) return renderError("s3", err, ctx);
        }
        if ((route.action === "PutObject" || route.action === "UploadPart") && req.headers["content-length"] === undefined &&
            !isChunked(req.headers)) {
            return renderError("s3", apiError(411, "MissingContentLength", "You must provide the Content-Length HTTP header."), ctx);
        }
        const checksums = this.checkChecksums(route, req.headers, body);
        if (checksums.error) return renderError("s3", checksums.error, ctx);
        // fauxqs would parse these content types instead of storing the bytes.
        const headers = { ...req.headers };
        const originalType = headers["content-type"];
        const retype = originalType !== undefined && PARSED_CONTENT_TYPES.test(originalType);
        if (retype) headers["content-type"] = "application/octet-stream";
        // Without a content type fastify leaves an empty body undefined and fauxqs
        // fails; S3 stores objects sent without one as binary/octet-stream.
        if (originalType === undefined && (req.method === "PUT" || req.method === "POST")) {
            headers["content-type"] = ["PutObject", "CreateMultipartUpload", "CopyObject"].includes(route.action) ? "binary/octet-stream" : "application/octet-stream";
        }
        const resp = await this.backend.forward(req.method, req.url, headers, body);
        resp.headers["x-amz-request-id"] = ctx.requestId;
        resp.headers["x-amz-id-2"] = ctx.hostId;
        const failed = resp.status >= 300 || (route.action === "CompleteMultipartUpload" && resp.body.includes("<Error>"));
        if (failed) {
            if (resp.body.length && /xml/.test(String(resp.headers["content-type"] || ""))) {
                resp.body = Buffer.from(resp.body.toString("utf8")
                    .replace(/<RequestId>[^<]*<\/RequestId>/, `<RequestId>${ctx.requestId}</RequestId>`)
                    .replace(/<HostId>[^<]*<\/HostId>/, `<HostId>${ctx.hostId}</HostId>`));
            }
            return resp;
        }
        if ((route.action === "ListObjectsV2" || route.action === "ListObjects") &&
            firstParam(route.query, "encoding-type") === "url") {
            resp.body = Buffer.from(urlEncodeListing(resp.body.toString("utf8")));
        }
        if (retype && route.action === "PutObject") {
            const obj = this.backend.s3Store.buckets.get(route.bucket)?.get(route.key);
            if (obj) obj.contentType = originalType;
        }
        this.recordChecksums(route, resp, checksums);
        this.notifications.afterSuccess(ctx, route, auth);
        return resp;
    }
}
