// unit.test.mjs - pure functions of the emulator without a server: event-key
// encoding, query parsing, S3 operation names, SQS query <-> JSON conversion,
// credential and option parsing, notification configuration parsing, the
// 12-hour visibility limit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeEventKey, nextSequencer } from "../lib/notify_events.mjs";
import { parseQuery } from "../lib/url.mjs";
import { s3Action, classify } from "../lib/route.mjs";
import { toJsonInput, toXmlResponse, jsonErrorToApiError } from "../lib/sqs_query.mjs";
import { parseCredentialList } from "../lib/credentials.mjs";
import { parseConfig } from "../lib/config.mjs";
import { parseNotificationConfiguration, matchingConfigurations } from "../lib/notify_config.mjs";
import { parseAmzDate, formatAmzDate } from "../lib/sigv4.mjs";
import { withoutHopHeaders } from "../lib/hop_headers.mjs";
import { urlEncodeListing } from "../lib/list_encoding.mjs";
import { VisibilityLimit } from "../lib/sqs_visibility_limit.mjs";

test("encodeEventKey", () => {
    assert.equal(encodeEventKey("a b+c%/日本.jpg"), "a+b%2Bc%25/%E6%97%A5%E6%9C%AC.jpg");
    assert.equal(encodeEventKey("a@b"), "a%40b");
    assert.equal(encodeEventKey("Az09.-_*/"), "Az09.-_*/");
    assert.equal(encodeEventKey("~!'()"), "%7E%21%27%28%29");
    assert.equal(encodeEventKey("😀"), "%F0%9F%98%80");
    assert.equal(encodeEventKey(""), "");
});

test("urlEncodeListing: what S3 encodes, and EncodingType", () => {
    const fauxqs = "<ListBucketResult><Name>b</Name><Prefix>p q/</Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys>" +
        "<StartAfter>p q/&amp;</StartAfter><Contents><Key>p q/a&lt;b&amp;c+\r\u0001é.jpg</Key><ETag>&quot;e&quot;</ETag></Contents>" +
        "<CommonPrefixes><Prefix>p q/d/</Prefix></CommonPrefixes><Delimiter>/</Delimiter></ListBucketResult>";
    assert.equal(urlEncodeListing(fauxqs),
        "<ListBucketResult><Name>b</Name><Prefix>p+q/</Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys>\n" +
        "  <EncodingType>url</EncodingType><StartAfter>p+q/%26</StartAfter>" +
        "<Contents><Key>p+q/a%3Cb%26c%2B%0D%01%C3%A9.jpg</Key><ETag>&quot;e&quot;</ETag></Contents>" +
        "<CommonPrefixes><Prefix>p+q/d/</Prefix></CommonPrefixes><Delimiter>/</Delimiter></ListBucketResult>");
});

test("sequencers are fixed-width upper-case hex and increase", () => {
    const a = nextSequencer(), b = nextSequencer();
    assert.match(a, /^[0-9A-F]{18}$/);
    assert.ok(a < b);
});

test("parseQuery keeps '+' literal, handles flags, repeats and bad escapes", () => {
    const { params, ok } = parseQuery("uploads&a=1&a=2&b=x+y%20z&empty=");
    assert.ok(ok);
    assert.equal(params.uploads, "");
    assert.deepEqual(params.a, ["1", "2"]);
    assert.equal(params.b, "x+y z");
    assert.equal(params.empty, "");
    assert.equal(parseQuery("bad=%zz").ok, false);
});

test("S3 operation names from method, path and query", () => {
    const h = {};
    const cases = [
        ["GET", "", "", {}, "ListBuckets"], ["PUT", "b", "", {}, "CreateBucket"], ["HEAD", "b", "", {}, "HeadBucket"],
        ["GET", "b", "", { "list-type": "2" }, "ListObjectsV2"], ["GET", "b", "", {}, "ListObjects"],
        ["PUT", "b", "", { notification: "" }, "PutBucketNotificationConfiguration"],
        ["GET", "b", "", { notification: "" }, "GetBucketNotificationConfiguration"],
        ["PUT", "b", "", { versioning: "" }, "PutBucketVersioning"], ["POST", "b", "", { delete: "" }, "DeleteObjects"],
        ["PUT", "b", "k", {}, "PutObject"], ["GET", "b", "k", {}, "GetObject"], ["HEAD", "b", "k", {}, "HeadObject"],
        ["DELETE", "b", "k", {}, "DeleteObject"], ["POST", "b", "k", { uploads: "" }, "CreateMultipartUpload"],
        ["PUT", "b", "k", { partNumber: "1", uploadId: "u" }, "UploadPart"],
        ["POST", "b", "k", { uploadId: "u" }, "CompleteMultipartUpload"], ["DELETE", "b", "k", { uploadId: "u" }, "AbortMultipartUpload"],
        ["GET", "b", "k", { uploadId: "u" }, "ListParts"],
    ];
    for (const [m, b, k, q, want] of cases) assert.equal(s3Action(m, b, k, q, h), want, `${m} ${b}/${k} ${JSON.stringify(q)}`);
    assert.equal(s3Action("PUT", "b", "k", {}, { "x-amz-copy-source": "/b/s" }), "CopyObject");
    assert.equal(s3Action("PUT", "b", "k", { partNumber: "1", uploadId: "u" }, { "x-amz-copy-source": "/b/s" }), "UploadPartCopy");
});

test("classify: SQS JSON, SQS query, S3 path and virtual host", () => {
    const json = classify("POST", "/", { "x-amz-target": "AmazonSQS.SendMessage", "content-type": "application/x-amz-json-1.0" },
        Buffer.from(JSON.stringify({ QueueUrl: "http://127.0.0.1:1/000000000000/jobs", MessageBody: "x" })));
    assert.deepEqual([json.service, json.dialect, json.action, json.queue], ["sqs", "sqs-json", "SendMessage", "jobs"]);
    const query = classify("POST", "/", { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
        Buffer.from("Action=ReceiveMessage&QueueUrl=http%3A%2F%2F127.0.0.1%3A1%2F000000000000%2Fq2&Version=2012-11-05"));
    assert.deepEqual([query.service, query.dialect, query.action, query.queue], ["sqs", "sqs-query", "ReceiveMessage", "q2"]);
    const sns = classify("POST", "/", { "content-type": "application/x-www-form-urlencoded" }, Buffer.from("Action=Publish"));
    assert.equal(sns.service, "other");
    const path = classify("PUT", "/bkt/a%20b/c%2Bd.jpg?x-id=PutObject", { host: "127.0.0.1:9" }, Buffer.alloc(0));
    assert.deepEqual([path.service, path.bucket, path.key, path.action], ["s3", "bkt", "a b/c+d.jpg", "PutObject"]);
    const vhost = classify("GET", "/k%20ey", { host: "bkt.localhost:9" }, Buffer.alloc(0));
    assert.deepEqual([vhost.bucket, vhost.key, vhost.action], ["bkt", "k ey", "GetObject"]);
    const ip = classify("GET", "/bkt", { host: "127.0.0.1:9" }, Buffer.alloc(0));
    assert.deepEqual([ip.bucket, ip.key, ip.action], ["bkt", "", "ListObjects"]);
});

test("SQS query parameters become the JSON protocol's input", () => {
    const input = toJsonInput("SendMessageBatch", {
        QueueUrl: "u",
        "SendMessageBatchRequestEntry.1.Id": "a", "SendMessageBatchRequestEntry.1.MessageBody": "one",
        "SendMessageBatchRequestEntry.1.DelaySeconds": "3",
        "SendMessageBatchRequestEntry.1.MessageAttribute.1.Name": "k",
        "SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType": "String",
        "SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue": "v",
        "SendMessageBatchRequestEntry.2.Id": "b", "SendMessageBatchRequestEntry.2.MessageBody": "two",
    });
    assert.deepEqual(input, {
        QueueUrl: "u",
        Entries: [
            { Id: "a", MessageBody: "one", DelaySeconds: 3, MessageAttributes: { k: { DataType: "String", StringValue: "v" } } },
            { Id: "b", MessageBody: "two" },
        ],
    });
    assert.deepEqual(toJsonInput("CreateQueue", { QueueName: "q", "Attribute.1.Name": "VisibilityTimeout", "Attribute.1.Value": "5", "Tag.1.Key": "t", "Tag.1.Value": "v" }),
        { QueueName: "q", Attributes: { VisibilityTimeout: "5" }, tags: { t: "v" } });
    assert.deepEqual(toJsonInput("ReceiveMessage", { QueueUrl: "u", "AttributeName.1": "All", "MessageAttributeName.1": "All", MaxNumberOfMessages: "10" }),
        { QueueUrl: "u", AttributeNames: ["All"], MessageAttributeNames: ["All"], MaxNumberOfMessages: 10 });
});

test("SQS JSON results become query-protocol XML", () => {
    const xml = toXmlResponse("ReceiveMessage", { Messages: [{ MessageId: "m", Body: "a<b", Attributes: { SentTimestamp: "1" } }] }, "rid");
    assert.equal(xml, '<?xml version="1.0"?><ReceiveMessageResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><ReceiveMessageResult>' +
        "<Message><MessageId>m</MessageId><Body>a&lt;b</Body><Attribute><Name>SentTimestamp</Name><Value>1</Value></Attribute></Message>" +
        "</ReceiveMessageResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></ReceiveMessageResponse>");
    assert.match(toXmlResponse("DeleteMessageBatch", { Successful: [{ Id: "1" }], Failed: [] }, "r"), /<DeleteMessageBatchResultEntry><Id>1<\/Id><\/DeleteMessageBatchResultEntry>/);
    assert.doesNotMatch(toXmlResponse("DeleteMessage", {}, "r"), /DeleteMessageResult/);
    // An empty receive still has its (empty) result element, as SQS answers it.
    assert.match(toXmlResponse("ReceiveMessage", {}, "r"), /<ReceiveMessageResponse [^>]*><ReceiveMessageResult><\/ReceiveMessageResult><ResponseMetadata>/);
    const err = jsonErrorToApiError(400, { "x-amzn-query-error": "AWS.SimpleQueueService.NonExistentQueue;Sender" }, { __type: "com.amazonaws.sqs#QueueDoesNotExist", message: "gone" });
    assert.deepEqual(err, { status: 400, code: "QueueDoesNotExist", queryCode: "AWS.SimpleQueueService.NonExistentQueue", message: "gone" });
});

test("credential lists and options", () => {
    const creds = parseCredentialList("AK1:s1, AK2:s/2+=:tok:en");
    assert.equal(creds.get("test").secretAccessKey, "test");
    assert.equal(creds.get("AK1").secretAccessKey, "s1");
    assert.deepEqual({ ...creds.get("AK2") }, { accessKeyId: "AK2", secretAccessKey: "s/2+=", sessionToken: "tok:en" });
    assert.throws(() => parseCredentialList("nosecret"));
    const cfg = parseConfig(["--port=0", "--credentials", "X:Y", "--region", "eu-west-1"], { ES_EMULATOR_CREDENTIALS: "ignored:by-flag" });
    assert.equal(cfg.region, "eu-west-1");
    assert.ok(cfg.credentials.has("X") && !cfg.credentials.has("ignored"));
    assert.equal(parseConfig([], { ES_EMULATOR_CREDENTIALS: "E:F" }).credentials.get("E").secretAccessKey, "F");
    assert.throws(() => parseConfig(["--bogus"], {}));
    assert.throws(() => parseConfig(["--port", "70000"], {}));
    assert.equal(parseConfig([], {}).host, "127.0.0.1");
    assert.equal(parseConfig([], { ES_EMULATOR_HOST: "0.0.0.0" }).host, "0.0.0.0");
    assert.equal(parseConfig(["--host", "::1"], { ES_EMULATOR_HOST: "0.0.0.0" }).host, "::1");
});

test("amz dates", () => {
    assert.equal(parseAmzDate("20240229T235959Z"), Date.UTC(2024, 1, 29, 23, 59, 59));
    assert.ok(Number.isNaN(parseAmzDate("20230229T000000Z")));
    assert.ok(Number.isNaN(parseAmzDate("2024-01-01T00:00:00Z")));
    assert.equal(formatAmzDate(Date.UTC(2024, 0, 2, 3, 4, 5, 678)), "20240102T030405Z");
});

test("notification configuration parsing and matching", () => {
    const arn = "arn:aws:sqs:us-east-1:000000000000:q";
    const xml = `<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><QueueConfiguration><Id>c</Id><Queue>${arn}</Queue>` +
        "<Event>s3:ObjectCreated:Put</Event><Event>s3:ObjectCreated:Copy</Event><Filter><S3Key><FilterRule><Name>prefix</Name><Value>in+x/</Value></FilterRule>" +
        "</S3Key></Filter></QueueConfiguration></NotificationConfiguration>";
    const { configs, error } = parseNotificationConfiguration(xml, () => true, false);
    assert.equal(error, undefined);
    assert.deepEqual(configs, [{ id: "c", queueArn: arn, events: ["s3:ObjectCreated:Put", "s3:ObjectCreated:Copy"], rules: [{ name: "Prefix", value: "in+x/" }] }]);
    assert.equal(matchingConfigurations(configs, "s3:ObjectCreated:Put", encodeEventKey("in x/a.jpg")).length, 1);
    assert.equal(matchingConfigurations(configs, "s3:ObjectCreated:CompleteMultipartUpload", encodeEventKey("in x/a.jpg")).length, 0);
    assert.equal(matchingConfigurations(configs, "s3:ObjectCreated:Put", encodeEventKey("out/a.jpg")).length, 0);
    assert.equal(parseNotificationConfiguration("<oops", () => true, false).error.code, "MalformedXML");
    assert.equal(parseNotificationConfiguration(xml, () => false, false).error.code, "InvalidArgument");
    assert.equal(parseNotificationConfiguration(xml, () => false, true).error, undefined);
    assert.equal(parseNotificationConfiguration("<NotificationConfiguration><TopicConfiguration/></NotificationConfiguration>", () => true, false).error.status, 501);
});

test("hop-by-hop headers are dropped in both directions, end-to-end ones kept", () => {
    const got = withoutHopHeaders({
        connection: "keep-alive", "keep-alive": "timeout=5", "transfer-encoding": "chunked", te: "trailers",
        upgrade: "h2c", "proxy-connection": "x", trailer: "x", expect: "100-continue",
        "content-length": "3", etag: '"abc"', "x-amz-meta-a": "1",
    });
    assert.deepEqual(got, { "content-length": "3", etag: '"abc"', "x-amz-meta-a": "1" });
});

test("VisibilityLimit: a handle is judged from its receive for 12 hours, and forgotten once deleted or older", () => {
    let now = 1_000_000;
    const v = new VisibilityLimit(() => now);
    v.noteReceive({ Messages: [{ ReceiptHandle: "a" }, { ReceiptHandle: "b" }] });
    assert.equal(v.judge("a", 43201)?.code, "InvalidParameterValue");
    assert.equal(v.judge("a", 43200), null, "up to 12 hours from the receive");
    now += 43000 * 1000;
    assert.equal(v.judge("a", 201)?.code, "InvalidParameterValue");
    assert.equal(v.judge("a", 200), null);
    v.noteDelete("DeleteMessageBatch", { Entries: [{ Id: "1", ReceiptHandle: "a" }] });
    assert.equal(v.judge("a", 43200), null, "deleted: forgotten");
    now += 43200 * 1000;
    v.noteReceive({ Messages: [{ ReceiptHandle: "c" }] });
    assert.equal(v.received.has("b"), false, "older than 12 hours: pruned");
    assert.equal(v.received.has("c"), true);
});
