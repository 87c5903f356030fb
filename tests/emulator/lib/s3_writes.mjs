// s3_writes.mjs - what the emulator adds to fauxqs's S3 writes: conditional
// writes as S3 has them, made atomic per key, and ListMultipartUploads.
//
// Conditional writes (PutObject, CompleteMultipartUpload, CopyObject):
//   If-None-Match: *      the key must not exist, else 412 PreconditionFailed
//   If-None-Match: other  400 NotImplemented-style refusal (S3 accepts only "*")
//   If-Match: "etag"      the key must exist (else 404 NoSuchKey) with that ETag
//                         (else 412 PreconditionFailed); "*" matches any object
// Conditional deletes (DeleteObject; S3 has them for general purpose buckets):
//   If-Match: "etag"      as above: 404 NoSuchKey when the key is missing,
//                         412 PreconditionFailed when its ETag differs
//   If-None-Match         not a DeleteObject header: ignored, as S3 does
// The check and the write happen under a per-key lock, so of two concurrent
// writes conditional on the same state only one succeeds (the front server
// is asynchronous: without the lock both could pass the check first).
import { apiError, xmlEscape } from "./errors.mjs";

export const CONDITIONAL_WRITES = new Set(["PutObject", "CompleteMultipartUpload", "CopyObject"]);
// Every operation that changes what a key holds takes the key's lock.
export const KEY_WRITES = new Set([...CONDITIONAL_WRITES, "DeleteObject"]);

// Serialises async work per key: run() resolves with fn()'s result once every
// earlier run() of the same key has settled.
export class KeyLocks {
    constructor() {
        this.tails = new Map();
    }

    async run(name, fn) {
        const before = this.tails.get(name) ?? Promise.resolve();
        let release;
        const mine = new Promise((resolve) => { release = resolve; });
        const tail = before.then(() => mine);
        this.tails.set(name, tail);
        await before;
        try {
            return await fn();
        } finally {
            release();
            if (this.tails.get(name) === tail) this.tails.delete(name);
        }
    }
}

// The error a conditional DeleteObject must fail with, or null (If-Match only).
export function deletePreconditionError(store, bucket, key, headers) {
    return writePreconditionError(store, bucket, key, { "if-match": headers["if-match"] });
}

function stripQuotes(etag) {
    return String(etag).trim().replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}

// The error a conditional write must fail with, or null when it may proceed.
// store is fauxqs's S3Store (objects are Maps of key -> { etag: '"..."', ... }).
export function writePreconditionError(store, bucket, key, headers) {
    const ifNoneMatch = headers["if-none-match"];
    const ifMatch = headers["if-match"];
    if (ifNoneMatch === undefined && ifMatch === undefined) return null;
    const current = store.buckets.get(bucket)?.get(key);
    if (ifNoneMatch !== undefined) {
        if (String(ifNoneMatch).trim() !== "*") {
            return apiError(501, "NotImplemented", "A header you provided implies functionality that is not implemented",
                { extra: { Header: "If-None-Match" } });
        }
        if (current) return apiError(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold", { extra: { Condition: "If-None-Match" } });
    }
    if (ifMatch !== undefined) {
        if (!current) return apiError(404, "NoSuchKey", "The specified key does not exist.", { extra: { Key: key } });
        const wanted = String(ifMatch).split(",").map(stripQuotes);
        if (!wanted.includes("*") && !wanted.includes(stripQuotes(current.etag))) {
            return apiError(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold", { extra: { Condition: "If-Match" } });
        }
    }
    return null;
}

// GET /bucket?uploads: the open multipart uploads of a bucket (optionally
// under prefix=), oldest first, as S3's ListMultipartUploadsResult. Returns
// { error } when the bucket does not exist, else { body }.
export function listMultipartUploads(store, bucket, prefix = "") {
    if (!store.buckets.has(bucket)) {
        return { error: apiError(404, "NoSuchBucket", "The specified bucket does not exist", { extra: { BucketName: bucket } }) };
    }
    const uploads = [...store.multipartUploads.values()]
        .filter((u) => u.bucket === bucket && u.key.startsWith(prefix))
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.initiated - b.initiated));
    const parts = ['<?xml version="1.0" encoding="UTF-8"?>',
        '<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
        `<Bucket>${xmlEscape(bucket)}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>`,
        `<Prefix>${xmlEscape(prefix)}</Prefix><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>`];
    for (const u of uploads) {
        parts.push(`<Upload><Key>${xmlEscape(u.key)}</Key><UploadId>${xmlEscape(u.uploadId)}</UploadId>`,
            `<Initiated>${new Date(u.initiated).toISOString()}</Initiated><StorageClass>STANDARD</StorageClass></Upload>`);
    }
    parts.push("</ListMultipartUploadsResult>");
    return { body: Buffer.from(parts.join("")) };
}
