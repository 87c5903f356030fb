// route.mjs - tells S3 from SQS on the shared port and names the operation.
// SQS: an X-Amz-Target "AmazonSQS.<Action>" header (JSON protocol), or an
// Action=<SQS action> parameter in a form body or the query string (query
// protocol, as Debian's awscli 2.9 still uses). Any other x-amz-json or
// Action= request is "other" (fauxqs's SNS/STS). Everything else is S3, bucket
// and key taken from the path, or from the Host name as fauxqs does
// (virtual-host style when the host name has a dot and is not an IPv4 address).
import { splitTarget, parseQuery, decodeComponent, firstParam } from "./url.mjs";

export const SQS_ACTIONS = new Set([
    "AddPermission", "CancelMessageMoveTask", "ChangeMessageVisibility", "ChangeMessageVisibilityBatch",
    "CreateQueue", "DeleteMessage", "DeleteMessageBatch", "DeleteQueue", "GetQueueAttributes", "GetQueueUrl",
    "ListDeadLetterSourceQueues", "ListMessageMoveTasks", "ListQueueTags", "ListQueues", "PurgeQueue",
    "ReceiveMessage", "RemovePermission", "SendMessage", "SendMessageBatch", "SetQueueAttributes",
    "StartMessageMoveTask", "TagQueue", "UntagQueue",
]);

export function scopeService(headers, query) {
    const auth = headers.authorization || "";
    const m = /Credential=[^/,\s]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(auth);
    if (m) return m[1];
    const cred = firstParam(query, "X-Amz-Credential") || "";
    const parts = cred.split("/");
    return parts.length === 5 ? parts[3] : "";
}

function queueNameFromUrl(url) {
    if (typeof url !== "string" || !url) return "";
    const path = url.replace(/^[a-z]+:\/\/[^/]*/i, "").split("?")[0];
    const segs = path.split("/").filter(Boolean);
    return segs.length ? decodeComponent(segs[segs.length - 1]) ?? "" : "";
}

function has(query, name) {
    return Object.prototype.hasOwnProperty.call(query, name);
}

export function s3Address(headers, rawPath) {
    const host = String(headers.host || "");
    const hostname = host.replace(/:\d+$/, "");
    const virtual = hostname.includes(".") && !/^\d+\.\d+\.\d+\.\d+$/.test(hostname) && !hostname.startsWith("[");
    const path = virtual ? `/${hostname.slice(0, hostname.indexOf("."))}${rawPath}` : rawPath;
    const rest = path.startsWith("/") ? path.slice(1) : path;
    const slash = rest.indexOf("/");
    const rawBucket = slash < 0 ? rest : rest.slice(0, slash);
    const rawKey = slash < 0 ? "" : rest.slice(slash + 1);
    return {
        virtual,
        bucket: decodeComponent(rawBucket) ?? rawBucket,
        key: decodeComponent(rawKey) ?? rawKey,
    };
}

// The S3 operation name, as in the API reference, from method + path + query.
export function s3Action(method, bucket, key, query, headers) {
    const copy = headers["x-amz-copy-source"] !== undefined;
    if (!bucket) return method === "GET" ? "ListBuckets" : `Unknown${method}`;
    if (!key) {
        switch (method) {
            case "PUT":
                if (has(query, "notification")) return "PutBucketNotificationConfiguration";
                if (has(query, "lifecycle")) return "PutBucketLifecycleConfiguration";
                for (const [sub, name] of BUCKET_PUT_SUBRESOURCES) if (has(query, sub)) return name;
                return "CreateBucket";
            case "GET":
                if (has(query, "notification")) return "GetBucketNotificationConfiguration";
                if (has(query, "lifecycle")) return "GetBucketLifecycleConfiguration";
                if (has(query, "location")) return "GetBucketLocation";
                if (has(query, "uploads")) return "ListMultipartUploads";
                if (has(query, "versions")) return "ListObjectVersions";
                for (const [sub, name] of BUCKET_GET_SUBRESOURCES) if (has(query, sub)) return name;
                return firstParam(query, "list-type") === "2" ? "ListObjectsV2" : "ListObjects";
            case "HEAD": return "HeadBucket";
            case "DELETE":
                if (has(query, "lifecycle")) return "DeleteBucketLifecycle";
                for (const [sub, name] of BUCKET_DELETE_SUBRESOURCES) if (has(query, sub)) return name;
                return "DeleteBucket";
            case "POST": return has(query, "delete") ? "DeleteObjects" : "PostObject";
            default: return `Unknown${method}`;
        }
    }
    switch (method) {
        case "PUT":
            if (has(query, "partNumber") && has(query, "uploadId")) return copy ? "UploadPartCopy" : "UploadPart";
            if (has(query, "tagging")) return "PutObjectTagging";
            if (has(query, "acl")) return "PutObjectAcl";
            if (has(query, "retention")) return "PutObjectRetention";
            if (has(query, "legal-hold")) return "PutObjectLegalHold";
            if (has(query, "renameObject")) return "RenameObject";
            return copy ? "CopyObject" : "PutObject";
        case "GET":
            if (has(query, "uploadId")) return "ListParts";
            if (has(query, "tagging")) return "GetObjectTagging";
            if (has(query, "acl")) return "GetObjectAcl";
            if (has(query, "attributes")) return "GetObjectAttributes";
            if (has(query, "retention")) return "GetObjectRetention";
            if (has(query, "legal-hold")) return "GetObjectLegalHold";
            if (has(query, "torrent")) return "GetObjectTorrent";
            return "GetObject";
        case "HEAD": return "HeadObject";
        case "DELETE":
            if (has(query, "uploadId")) return "AbortMultipartUpload";
            if (has(query, "tagging")) return "DeleteObjectTagging";
            return "DeleteObject";
        case "POST":
            if (has(query, "uploads")) return "CreateMultipartUpload";
            if (has(query, "uploadId")) return "CompleteMultipartUpload";
            if (has(query, "restore")) return "RestoreObject";
            if (has(query, "select")) return "SelectObjectContent";
            return "PostObject";
        default: return `Unknown${method}`;
    }
}

const BUCKET_SUBRESOURCES = [
    ["versioning", "BucketVersioning"], ["policy", "BucketPolicy"], ["tagging", "BucketTagging"],
    ["cors", "BucketCors"], ["acl", "BucketAcl"], ["website", "BucketWebsite"], ["encryption", "BucketEncryption"],
    ["logging", "BucketLogging"], ["replication", "BucketReplication"], ["ownershipControls", "BucketOwnershipControls"],
    ["publicAccessBlock", "PublicAccessBlock"], ["accelerate", "BucketAccelerateConfiguration"],
    ["requestPayment", "BucketRequestPayment"], ["object-lock", "ObjectLockConfiguration"],
];
const BUCKET_PUT_SUBRESOURCES = BUCKET_SUBRESOURCES.map(([s, n]) => [s, `Put${n}`]);
const BUCKET_GET_SUBRESOURCES = BUCKET_SUBRESOURCES.map(([s, n]) => [s, `Get${n}`]);
const BUCKET_DELETE_SUBRESOURCES = BUCKET_SUBRESOURCES.map(([s, n]) => [s, `Delete${n}`]);

// The S3 operations fauxqs implements (plus the notification and location ones
// the emulator answers itself). Others are refused with 501 rather than being
// misrouted by fauxqs (it would treat PUT ?versioning as CreateBucket).
export const S3_SUPPORTED = new Set([
    "ListBuckets", "CreateBucket", "HeadBucket", "DeleteBucket", "ListObjects", "ListObjectsV2",
    "DeleteObjects", "PostObject", "PutBucketLifecycleConfiguration", "GetBucketLifecycleConfiguration",
    "DeleteBucketLifecycle", "PutObject", "CopyObject", "GetObject", "HeadObject", "DeleteObject",
    "CreateMultipartUpload", "UploadPart", "UploadPartCopy", "CompleteMultipartUpload", "AbortMultipartUpload",
    "GetObjectAttributes", "RenameObject",
    "PutBucketNotificationConfiguration", "GetBucketNotificationConfiguration", "GetBucketLocation",
    "ListMultipartUploads",
]);

function formParams(body) {
    const out = Object.create(null);
    for (const [k, v] of new URLSearchParams(body.toString("utf8"))) {
        if (out[k] === undefined) out[k] = v;
    }
    return out;
}

// Returns { service, dialect, action, bucket, key, queue, rawPath, rawQuery,
// query, queryOk, sqsInput } for one request. body is the whole request body.
export function classify(method, target, headers, body) {
    const { rawPath, rawQuery } = splitTarget(target);
    const { params: query, ok: queryOk } = parseQuery(rawQuery);
    const base = { rawPath, rawQuery, query, queryOk, bucket: "", key: "", queue: "", sqsInput: null };
    const ctype = String(headers["content-type"] || "").toLowerCase();
    const amzTarget = String(headers["x-amz-target"] || "");
    if (amzTarget.startsWith("AmazonSQS.")) {
        let input;
        try {
            input = JSON.parse(body.length ? body.toString("utf8") : "{}");
        } catch {
            input = null;
        }
        const queue = input && typeof input === "object"
            ? queueNameFromUrl(input.QueueUrl) || (typeof input.QueueName === "string" ? input.QueueName : "") : "";
        return { ...base, service: "sqs", dialect: "sqs-json", action: amzTarget.slice("AmazonSQS.".length), queue, sqsInput: input };
    }
    if (ctype.includes("application/x-amz-json")) {
        return { ...base, service: "other", dialect: "sqs-json", action: amzTarget || "Unknown" };
    }
    const form = ctype.includes("application/x-www-form-urlencoded") ? formParams(body) : Object.create(null);
    for (const [k, v] of Object.entries(query)) {
        if (form[k] === undefined && !k.startsWith("X-Amz-")) form[k] = Array.isArray(v) ? v[0] : v;
    }
    if (typeof form.Action === "string" && (ctype.includes("x-www-form-urlencoded") || method === "GET")) {
        const svc = scopeService(headers, query);
        if (SQS_ACTIONS.has(form.Action) && (svc === "" || svc === "sqs")) {
            const queue = queueNameFromUrl(form.QueueUrl) || form.QueueName || (rawPath !== "/" ? queueNameFromUrl(rawPath) : "");
            return { ...base, service: "sqs", dialect: "sqs-query", action: form.Action, queue, sqsInput: form };
        }
        if (svc !== "s3") return { ...base, service: "other", dialect: "sqs-query", action: form.Action };
    }
    const { bucket, key, virtual } = s3Address(headers, rawPath);
    return {
        ...base, service: "s3", dialect: "s3", bucket, key, virtual,
        action: s3Action(method, bucket, key, query, headers),
    };
}
