// sqs_sdk.test.mjs - the AWS SDK for JavaScript v3 SQS client (JSON protocol)
// against the emulator: queue URLs, send/receive/delete, batches, visibility,
// message attributes, redrive to a dead-letter queue after maxReceiveCount,
// and the 12-hour limit on hiding a received message.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import {
    CreateQueueCommand, GetQueueUrlCommand, GetQueueAttributesCommand, SendMessageCommand, ReceiveMessageCommand,
    DeleteMessageCommand, SendMessageBatchCommand, DeleteMessageBatchCommand, ChangeMessageVisibilityCommand,
    ChangeMessageVisibilityBatchCommand,
} from "@aws-sdk/client-sqs";
import { setup, sqsClient, unique } from "./helpers.mjs";

const env = await setup();
after(() => env.close());
const sqs = sqsClient(env.url);

async function newQueue(attributes) {
    const name = unique("q");
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    return { name, url: QueueUrl };
}

async function receive(url, extra = {}) {
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, ...extra }));
    return r.Messages ?? [];
}

test("queue URL is http://127.0.0.1:PORT/000000000000/NAME and the ARN uses us-east-1", async () => {
    const q = await newQueue();
    assert.equal(q.url, `${env.url}/000000000000/${q.name}`);
    const again = await sqs.send(new GetQueueUrlCommand({ QueueName: q.name }));
    assert.equal(again.QueueUrl, q.url);
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: q.url, AttributeNames: ["QueueArn"] }));
    assert.equal(attrs.Attributes.QueueArn, `arn:aws:sqs:us-east-1:000000000000:${q.name}`);
});

test("send, receive, delete", async () => {
    const q = await newQueue();
    const sent = await sqs.send(new SendMessageCommand({
        QueueUrl: q.url, MessageBody: "héllo {\"json\":true}",
        MessageAttributes: { kind: { DataType: "String", StringValue: "test" } },
    }));
    assert.ok(sent.MessageId);
    const [msg] = await receive(q.url, { MessageAttributeNames: ["All"], MessageSystemAttributeNames: ["All"] });
    assert.equal(msg.Body, "héllo {\"json\":true}");
    assert.equal(msg.MessageId, sent.MessageId);
    assert.equal(msg.MessageAttributes.kind.StringValue, "test");
    assert.equal(msg.Attributes.ApproximateReceiveCount, "1");
    await sqs.send(new DeleteMessageCommand({ QueueUrl: q.url, ReceiptHandle: msg.ReceiptHandle }));
    assert.deepEqual(await receive(q.url), []);
});

test("batch send and batch delete", async () => {
    const q = await newQueue();
    const entries = Array.from({ length: 5 }, (_, i) => ({ Id: `m${i}`, MessageBody: `body-${i}` }));
    const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl: q.url, Entries: entries }));
    assert.equal(sent.Successful.length, 5);
    const got = await receive(q.url);
    assert.deepEqual(got.map((m) => m.Body).sort(), entries.map((e) => e.MessageBody));
    const del = await sqs.send(new DeleteMessageBatchCommand({
        QueueUrl: q.url, Entries: got.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
    }));
    assert.equal(del.Successful.length, 5);
    assert.equal((del.Failed ?? []).length, 0);
});

test("an unacknowledged message comes back after its visibility timeout", async () => {
    const q = await newQueue({ VisibilityTimeout: "1" });
    await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: "again" }));
    assert.equal((await receive(q.url)).length, 1);
    assert.equal((await receive(q.url)).length, 0);
    await new Promise((r) => setTimeout(r, 1100));
    const back = await receive(q.url, { MessageSystemAttributeNames: ["ApproximateReceiveCount"] });
    assert.equal(back.length, 1);
    assert.equal(back[0].Attributes.ApproximateReceiveCount, "2");
});

test("redrive: moved to the DLQ after maxReceiveCount receives", async () => {
    const dlq = await newQueue();
    const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.url, AttributeNames: ["QueueArn"] }))).Attributes.QueueArn;
    const src = await newQueue({ VisibilityTimeout: "0", RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }) });
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: src.url, MessageBody: "poison" }));
    for (let i = 1; i <= 2; i++) {
        const got = await receive(src.url);
        assert.equal(got.length, 1, `receive #${i} should still see the message`);
        assert.equal(got[0].MessageId, sent.MessageId);
    }
    assert.deepEqual(await receive(src.url), [], "third receive: the message has moved to the DLQ");
    const dead = await receive(dlq.url);
    assert.equal(dead.length, 1);
    assert.equal(dead[0].Body, "poison");
    assert.equal(dead[0].MessageId, sent.MessageId);
});

test("unknown queue is QueueDoesNotExist", async () => {
    await assert.rejects(sqs.send(new SendMessageCommand({ QueueUrl: `${env.url}/000000000000/${unique("none")}`, MessageBody: "x" })),
        (err) => err.name === "QueueDoesNotExist" && err.$metadata.httpStatusCode === 400);
});

test("long polling returns as soon as a message arrives", async () => {
    const q = await newQueue();
    const started = Date.now();
    const pending = receive(q.url, { WaitTimeSeconds: 5 });
    setTimeout(() => sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: "late" })), 300);
    const got = await pending;
    assert.equal(got.length, 1);
    assert.ok(Date.now() - started < 4000);
});

test("malformed receipt handles are ReceiptHandleIsInvalid; stale ones delete fine", async () => {
    const q = await newQueue();
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: q.url, Entries: [{ Id: "a", MessageBody: "1" }, { Id: "b", MessageBody: "2" }] }));
    const got = await receive(q.url);
    assert.equal(got.length, 2);
    await assert.rejects(sqs.send(new DeleteMessageCommand({ QueueUrl: q.url, ReceiptHandle: "bogus-receipt-handle" })),
        (err) => err.name === "ReceiptHandleIsInvalid" && err.$metadata.httpStatusCode === 400);
    await assert.rejects(sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: q.url, ReceiptHandle: "bogus", VisibilityTimeout: 5 })),
        (err) => err.name === "ReceiptHandleIsInvalid");
    const del = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: q.url, Entries: [
        { Id: "one", ReceiptHandle: got[0].ReceiptHandle }, { Id: "bad", ReceiptHandle: "bogus-receipt-handle" }, { Id: "two", ReceiptHandle: got[1].ReceiptHandle },
    ] }));
    assert.deepEqual(del.Successful.map((e) => e.Id).sort(), ["one", "two"]);
    assert.equal(del.Failed.length, 1);
    assert.deepEqual({ ...del.Failed[0], Message: undefined }, { Id: "bad", SenderFault: true, Code: "ReceiptHandleIsInvalid", Message: undefined });
    // Deleting again with the (now stale but well-formed) handle succeeds, as on AWS.
    await sqs.send(new DeleteMessageCommand({ QueueUrl: q.url, ReceiptHandle: got[0].ReceiptHandle }));
    await assert.rejects(sqs.send(new DeleteMessageCommand({ QueueUrl: `${env.url}/000000000000/${unique("gone")}`, ReceiptHandle: "bogus" })),
        (err) => err.name === "QueueDoesNotExist");
});

test("a message is hidden at most 12 hours after its receive: a change past that is InvalidParameterValue", async () => {
    const q = await newQueue();
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: q.url, Entries: [{ Id: "a", MessageBody: "1" }, { Id: "b", MessageBody: "2" }] }));
    const got = await receive(q.url, { VisibilityTimeout: 43200 });
    assert.equal(got.length, 2);
    const [a, b] = got;
    // 12 hours from now is past 12 hours from the receive (a moment ago)
    await assert.rejects(sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: q.url, ReceiptHandle: a.ReceiptHandle, VisibilityTimeout: 43200 })),
        (err) => err.name === "InvalidParameterValue" && err.$metadata.httpStatusCode === 400 && /beyond the limit \[43200 seconds\]/.test(err.message));
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: q.url, ReceiptHandle: a.ReceiptHandle, VisibilityTimeout: 43100 }));
    const batch = await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: q.url, Entries: [
        { Id: "ok", ReceiptHandle: a.ReceiptHandle, VisibilityTimeout: 60 },
        { Id: "past", ReceiptHandle: b.ReceiptHandle, VisibilityTimeout: 43200 },
        { Id: "bad", ReceiptHandle: "bogus", VisibilityTimeout: 5 },
    ] }));
    assert.deepEqual(batch.Successful.map((e) => e.Id), ["ok"]);
    assert.deepEqual(batch.Failed.map((e) => [e.Id, e.Code, e.SenderFault]).sort(),
        [["bad", "ReceiptHandleIsInvalid", true], ["past", "InvalidParameterValue", true]]);
    // the refused entry changed nothing: b is still hidden, and a was set to 60 s
    assert.deepEqual(await receive(q.url), []);
});

test("a batch entry id longer than 80 characters is InvalidBatchEntryId", async () => {
    const q = await newQueue();
    await assert.rejects(sqs.send(new SendMessageBatchCommand({ QueueUrl: q.url, Entries: [{ Id: "i".repeat(81), MessageBody: "1" }] })),
        (err) => err.name === "InvalidBatchEntryId" && err.$metadata.httpStatusCode === 400);
    const ok = await sqs.send(new SendMessageBatchCommand({ QueueUrl: q.url, Entries: [{ Id: "i".repeat(80), MessageBody: "1" }] }));
    assert.equal(ok.Successful.length, 1);
});
