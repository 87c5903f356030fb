// stats.test.mjs - the benchmark counters (GET/DELETE /_emulator/stats): each
// TCP connection that carries S3/SQS requests is counted once however many
// requests it carries, control API traffic is not counted, requests are
// counted per service:action, and DELETE (or reset) zeroes them. Uses a
// private in-process emulator, so other clients' traffic cannot disturb counts.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { S3Client, CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { CreateQueueCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { startLocal, s3Client, sqsClient, unique, control, CREDS, REGION } from "./helpers.mjs";

const env = await startLocal();
after(() => env.close());

// One socket for every request of a client: the count must stay 1.
function keepAliveS3(url) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    return { agent, client: new S3Client({ endpoint: url, region: REGION, forcePathStyle: true, credentials: CREDS, maxAttempts: 1,
        requestHandler: new NodeHttpHandler({ httpAgent: agent }) }) };
}

test("connections are counted once per socket; requests per service:action", async () => {
    assert.equal((await control(env.url, "DELETE", "stats")).status, 200);
    const { agent, client } = keepAliveS3(env.url);
    const bucket = unique("stats");
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    for (let i = 0; i < 3; i++) await client.send(new PutObjectCommand({ Bucket: bucket, Key: `k${i}.jpg`, Body: "x" }));
    agent.destroy();
    const s = (await control(env.url, "GET", "stats")).json;
    assert.equal(s.connections, 1, `one keep-alive socket: ${JSON.stringify(s)}`);
    assert.equal(s.requests["s3:PutObject"], 3);
    assert.equal(s.requests["s3:CreateBucket"], 1);
    assert.equal(Object.keys(s.requests).length, 2, "control API requests are not counted");
});

test("separate sockets count separately; SQS actions are named; DELETE zeroes", async () => {
    await control(env.url, "DELETE", "stats");
    const sqs = sqsClient(env.url);
    const q = (await sqs.send(new CreateQueueCommand({ QueueName: unique("stats") }))).QueueUrl;
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: q, WaitTimeSeconds: 0 }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: q, WaitTimeSeconds: 0 }));
    const a = keepAliveS3(env.url);
    const b = keepAliveS3(env.url);
    const bucket = unique("stats");
    await a.client.send(new CreateBucketCommand({ Bucket: bucket }));
    await b.client.send(new PutObjectCommand({ Bucket: bucket, Key: "x.jpg", Body: "x" }));
    a.agent.destroy();
    b.agent.destroy();
    const s = (await control(env.url, "GET", "stats")).json;
    assert.equal(s.requests["sqs:ReceiveMessage"], 2);
    assert.equal(s.requests["sqs:CreateQueue"], 1);
    assert.ok(s.connections >= 3, `two S3 sockets plus the SQS client's: ${s.connections}`);
    await control(env.url, "DELETE", "stats");
    const z = (await control(env.url, "GET", "stats")).json;
    assert.equal(z.connections, 0);
    assert.deepEqual(z.requests, {});
    assert.equal((await control(env.url, "PUT", "stats")).status, 405);
});

test("reset zeroes the counters too", async () => {
    const s3 = s3Client(env.url);
    await s3.send(new CreateBucketCommand({ Bucket: unique("stats") }));
    assert.ok((await control(env.url, "GET", "stats")).json.connections >= 1);
    await control(env.url, "POST", "reset");
    assert.equal((await control(env.url, "GET", "stats")).json.connections, 0);
});
