// notify_events.mjs - S3 event notification messages as AWS sends them to SQS:
// the {"Records":[...]} event record (eventVersion 2.1), the s3:TestEvent sent
// when a configuration is stored, the event form of object keys
// (application/x-www-form-urlencoded style: space -> "+", letters, digits,
// "." "-" "*" "_" and "/" kept, every other UTF-8 byte as %XX), and the
// sequencer (upper-case hex, increasing for the life of the server).
import { randomBytes } from "node:crypto";

const KEEP = /[A-Za-z0-9.\-*_/]/;
export const BUCKET_OWNER_ID = "A3EXIFSTRIPEMULATOR";

export function encodeEventKey(key) {
    let out = "";
    for (const ch of key) {
        if (ch === " ") out += "+";
        else if (KEEP.test(ch)) out += ch;
        else for (const b of Buffer.from(ch, "utf8")) out += `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
    }
    return out;
}

let sequence = BigInt(Date.now()) * 1000000n;

export function nextSequencer() {
    sequence += 1n;
    return sequence.toString(16).toUpperCase().padStart(18, "0");
}

export function newHostId() {
    return randomBytes(48).toString("base64");
}

// info: { region, eventName ("ObjectCreated:Put"), time (Date), principalId,
// sourceIp, requestId, hostId, configurationId, bucket, key (raw), size?, eTag?, versionId? }
export function eventRecordMessage(info) {
    const object = { key: encodeEventKey(info.key) };
    if (info.size !== undefined) object.size = info.size;
    if (info.eTag !== undefined) object.eTag = info.eTag;
    if (info.versionId) object.versionId = info.versionId;
    object.sequencer = nextSequencer();
    const record = {
        eventVersion: "2.1",
        eventSource: "aws:s3",
        awsRegion: info.region,
        eventTime: info.time.toISOString(),
        eventName: info.eventName,
        userIdentity: { principalId: info.principalId },
        requestParameters: { sourceIPAddress: info.sourceIp },
        responseElements: { "x-amz-request-id": info.requestId, "x-amz-id-2": info.hostId },
        s3: {
            s3SchemaVersion: "1.0",
            configurationId: info.configurationId,
            bucket: { name: info.bucket, ownerIdentity: { principalId: BUCKET_OWNER_ID }, arn: `arn:aws:s3:::${info.bucket}` },
            object,
        },
    };
    return JSON.stringify({ Records: [record] });
}

export function testEventMessage({ bucket, time, requestId, hostId }) {
    return JSON.stringify({ Service: "Amazon S3", Event: "s3:TestEvent", Time: time.toISOString(), Bucket: bucket, RequestId: requestId, HostId: hostId });
}
