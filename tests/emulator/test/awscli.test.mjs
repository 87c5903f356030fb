// awscli.test.mjs - Debian's awscli (/usr/bin/aws, which still speaks SQS's
// query protocol) against the emulator: s3 mb/cp/ls (incl. a multipart upload)
// and sqs create-queue/send/receive/delete, and a wrong secret refused for
// both services. Skipped when /usr/bin/aws is not installed.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setup, unique, lastSeq, requestsSince } from "./helpers.mjs";

const AWS = "/usr/bin/aws";
const skip = existsSync(AWS) ? false : "/usr/bin/aws is not installed";
const env = await setup();
const dir = mkdtempSync(join(tmpdir(), "emu-awscli-"));
after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await env.close();
});

function aws(args, secret = "test") {
    const childEnv = {
        PATH: "/usr/bin:/bin", HOME: dir, LANG: "C.UTF-8",
        AWS_EC2_METADATA_DISABLED: "true", AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: secret,
        AWS_DEFAULT_REGION: "us-east-1", AWS_CONFIG_FILE: join(dir, "none-config"), AWS_SHARED_CREDENTIALS_FILE: join(dir, "none-creds"),
        AWS_PAGER: "", AWS_MAX_ATTEMPTS: "1",
    };
    return new Promise((resolve) => {
        execFile(AWS, ["--endpoint-url", env.url, "--no-cli-pager", ...args], { env: childEnv, timeout: 60000, maxBuffer: 16 * 1024 * 1024 },
            (err, stdout, stderr) => resolve({ code: err ? (err.code ?? 1) : 0, stdout, stderr }));
    });
}

function ok(r) {
    assert.equal(r.code, 0, `aws failed: ${r.stderr}`);
    return r.stdout;
}

test("s3: mb, cp up (single and multipart), ls, cp down", { skip }, async () => {
    const bucket = unique("cli");
    ok(await aws(["s3", "mb", `s3://${bucket}`]));
    const small = join(dir, "small photo.jpg");
    writeFileSync(small, "small file bytes\n");
    const big = join(dir, "big.bin");
    const bigBytes = Buffer.alloc(9 * 1024 * 1024);
    for (let i = 0; i < bigBytes.length; i++) bigBytes[i] = (i * 7) & 0xff;
    writeFileSync(big, bigBytes);
    ok(await aws(["s3", "cp", small, `s3://${bucket}/in/a b+c%/日本.jpg`]));
    const seq = await lastSeq(env.url);
    ok(await aws(["s3", "cp", big, `s3://${bucket}/in/big.bin`]));
    const parts = (await requestsSince(env.url, seq, "&action=UploadPart")).filter((e) => e.bucket === bucket && e.status === 200);
    assert.ok(parts.length >= 2, "awscli used a multipart upload");
    const listing = ok(await aws(["s3", "ls", "--recursive", `s3://${bucket}/`]));
    assert.match(listing, /\s17 in\/a b\+c%\/日本\.jpg/);
    assert.match(listing, new RegExp(`\\s${bigBytes.length} in/big\\.bin`));
    const back = join(dir, "back.jpg");
    ok(await aws(["s3", "cp", `s3://${bucket}/in/a b+c%/日本.jpg`, back]));
    assert.equal(readFileSync(back, "utf8"), "small file bytes\n");
    const bigBack = join(dir, "big-back.bin");
    ok(await aws(["s3", "cp", `s3://${bucket}/in/big.bin`, bigBack]));
    assert.ok(readFileSync(bigBack).equals(bigBytes));
});

test("sqs (query protocol): create-queue, send, receive, delete", { skip }, async () => {
    const name = unique("cliq");
    const url = JSON.parse(ok(await aws(["sqs", "create-queue", "--queue-name", name]))).QueueUrl;
    assert.equal(url, `${env.url}/000000000000/${name}`);
    const sent = JSON.parse(ok(await aws(["sqs", "send-message", "--queue-url", url, "--message-body", "hello <cli> & \"friends\"",
        "--message-attributes", '{"kind":{"DataType":"String","StringValue":"photo"}}'])));
    assert.ok(sent.MessageId);
    const got = JSON.parse(ok(await aws(["sqs", "receive-message", "--queue-url", url, "--message-attribute-names", "All", "--attribute-names", "All"])));
    assert.equal(got.Messages.length, 1);
    assert.equal(got.Messages[0].Body, "hello <cli> & \"friends\"");
    assert.equal(got.Messages[0].MessageAttributes.kind.StringValue, "photo");
    assert.equal(got.Messages[0].Attributes.ApproximateReceiveCount, "1");
    ok(await aws(["sqs", "delete-message", "--queue-url", url, "--receipt-handle", got.Messages[0].ReceiptHandle]));
    const attrs = JSON.parse(ok(await aws(["sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names", "All"])));
    assert.equal(attrs.Attributes.ApproximateNumberOfMessages, "0");
    assert.equal(attrs.Attributes.ApproximateNumberOfMessagesNotVisible, "0");
    const missing = await aws(["sqs", "get-queue-url", "--queue-name", unique("absent")]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /NonExistentQueue|QueueDoesNotExist/);
});

test("a wrong secret is refused for s3 and sqs", { skip }, async () => {
    const s3r = await aws(["s3", "ls"], "wrong-secret");
    assert.notEqual(s3r.code, 0);
    assert.match(s3r.stderr, /SignatureDoesNotMatch/);
    const sqsr = await aws(["sqs", "list-queues"], "wrong-secret");
    assert.notEqual(sqsr.code, 0);
    assert.match(sqsr.stderr, /SignatureDoesNotMatch/);
});
