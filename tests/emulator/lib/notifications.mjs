// notifications.mjs - S3 -> SQS event notifications, which fauxqs lacks: keeps
// each bucket's notification configuration, answers Put/Get
// BucketNotificationConfiguration itself, sends the s3:TestEvent when a
// configuration is stored, and after a successful PutObject, CopyObject,
// CompleteMultipartUpload or DeleteObject sends the event record
// to every matching queue before the client gets its response (so a test may
// receive it right away). Messages go straight into fauxqs's queue store.
import { apiError } from "./errors.mjs";
import { parseNotificationConfiguration, renderNotificationConfiguration, matchingConfigurations } from "./notify_config.mjs";
import { encodeEventKey, eventRecordMessage, testEventMessage } from "./notify_events.mjs";

const CREATED_EVENTS = {
    PutObject: "ObjectCreated:Put",
    CopyObject: "ObjectCreated:Copy",
    CompleteMultipartUpload: "ObjectCreated:CompleteMultipartUpload",
};

export class Notifications {
    // stores: { s3Store, sqsStore, SqsStore (class, for createMessage) }
    constructor(stores, region) {
        this.stores = stores;
        this.region = region;
        this.byBucket = new Map();
    }

    clear() {
        this.byBucket.clear();
    }

    noSuchBucket(bucket) {
        return apiError(404, "NoSuchBucket", "The specified bucket does not exist", { extra: { BucketName: bucket } });
    }

    deliver(queueArn, body) {
        const queue = this.stores.sqsStore.getQueueByArn(queueArn);
        if (!queue) return false;
        const delay = parseInt(queue.attributes.DelaySeconds, 10) || 0;
        queue.enqueue(this.stores.SqsStore.createMessage(body, {}, delay > 0 ? delay : undefined));
        return true;
    }

    // PUT /bucket?notification. Returns { status, body } or { error }.
    put(ctx, bucket, body, headers) {
        if (!this.stores.s3Store.hasBucket(bucket)) return { error: this.noSuchBucket(bucket) };
        const skip = String(headers["x-amz-skip-destination-validation"] || "").toLowerCase() === "true";
        const parsed = parseNotificationConfiguration(body.toString("utf8"), (arn) => !!this.stores.sqsStore.getQueueByArn(arn), skip);
        if (parsed.error) return { error: parsed.error };
        if (parsed.configs.length) this.byBucket.set(bucket, parsed.configs);
        else this.byBucket.delete(bucket);
        const message = testEventMessage({ bucket, time: new Date(), requestId: ctx.requestId, hostId: ctx.hostId });
        for (const arn of new Set(parsed.configs.map((c) => c.queueArn))) this.deliver(arn, message);
        return { status: 200, body: Buffer.alloc(0) };
    }

    // GET /bucket?notification
    get(bucket) {
        if (!this.stores.s3Store.hasBucket(bucket)) return { error: this.noSuchBucket(bucket) };
        const xml = renderNotificationConfiguration(this.byBucket.get(bucket) || []);
        return { status: 200, body: Buffer.from(xml), contentType: "application/xml" };
    }

    bucketDeleted(bucket) {
        this.byBucket.delete(bucket);
    }

    // After a successful S3 operation. route: classify() result; auth: the
    // verified request's { accessKeyId }. Returns how many messages were sent.
    afterSuccess(ctx, route, auth) {
        if (route.action === "DeleteBucket") {
            this.bucketDeleted(route.bucket);
            return 0;
        }
        const created = CREATED_EVENTS[route.action];
        const eventName = created || (route.action === "DeleteObject" ? "ObjectRemoved:Delete" : "");
        if (!eventName) return 0;
        const configs = this.byBucket.get(route.bucket);
        if (!configs) return 0;
        const matches = matchingConfigurations(configs, `s3:${eventName}`, encodeEventKey(route.key));
        if (!matches.length) return 0;
        const info = {
            region: this.region, eventName, time: new Date(), principalId: `AWS:${auth?.accessKeyId ?? "anonymous"}`,
            sourceIp: ctx.remoteAddress, requestId: ctx.requestId, hostId: ctx.hostId,
            bucket: route.bucket, key: route.key,
        };
        if (created) {
            const obj = this.stores.s3Store.buckets.get(route.bucket)?.get(route.key);
            if (!obj) return 0;
            info.size = obj.body ? obj.body.length : Number(obj.contentLength) || 0;
            info.eTag = String(obj.etag || "").replaceAll('"', "");
        }
        let sent = 0;
        for (const c of matches) {
            if (this.deliver(c.queueArn, eventRecordMessage({ ...info, configurationId: c.id }))) sent++;
        }
        return sent;
    }
}
