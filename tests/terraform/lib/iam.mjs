// iam.mjs - the least-privilege table: who may do what, evaluated with
// @cloud-copilot/iam-simulate on the policies the module renders, wired the
// way the module wires them (user -> group -> managed policy; role -> inline
// policy; bucket and queue policies on the resource side).
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { ACCOUNT } from './world.mjs';

const OTHER_ACCOUNT = '210987654321';
export const KMS_KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const OTHER_KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/0000abcd-12ab-34cd-56ef-1234567890ab`;
// Every KMS key has a key policy; AWS's default one lets the account's IAM policies decide.
const DEFAULT_KEY_POLICY = { Version: '2012-10-17', Statement: [{ Sid: 'EnableIAMUserPermissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] };
const instancesOf = (v) => (v === undefined ? [] : Array.isArray(v) ? v : typeof v === "object" && !("id" in v) ? Object.values(v) : [v]);
const all = (world, type) => Object.values(world[type] || {}).flatMap(instancesOf);

// The module's wiring, read back from the simulated plan.
export function wiring(world) {
    const policyByArn = Object.fromEntries(all(world, 'aws_iam_policy').map((p) => [p.arn, JSON.parse(p.policy)]));
    const groupPolicies = {};
    for (const a of all(world, 'aws_iam_group_policy_attachment')) (groupPolicies[a.group] ??= []).push(policyByArn[a.policy_arn]);
    const identity = {};
    for (const m of all(world, 'aws_iam_user_group_membership')) {
        const user = all(world, 'aws_iam_user').find((u) => u.name === m.user);
        identity[user.arn] = m.groups.flatMap((g) => groupPolicies[g] || []);
    }
    for (const role of all(world, 'aws_iam_role')) {
        identity[role.arn] = all(world, 'aws_iam_role_policy').filter((p) => p.role === role.id || p.role === role.name).map((p) => JSON.parse(p.policy));
    }
    const resourcePolicy = {};
    for (const b of all(world, 'aws_s3_bucket_policy')) {
        const bucket = all(world, 'aws_s3_bucket').find((x) => x.id === b.bucket);
        resourcePolicy[bucket.arn] = JSON.parse(b.policy);
    }
    for (const q of all(world, 'aws_sqs_queue_policy')) {
        const queue = all(world, 'aws_sqs_queue').find((x) => x.url === q.queue_url || x.id === q.queue_url);
        resourcePolicy[queue.arn] = JSON.parse(q.policy);
    }
    for (const role of all(world, 'aws_iam_role')) resourcePolicy[role.arn] = JSON.parse(role.assume_role_policy);
    return { identity, resourcePolicy };
}

// iam-simulate's verdict: Allowed, ImplicitlyDenied, ExplicitlyDenied, or "error: ...".
async function verdict(w, { principal, action, resource, context = {}, identityPolicies }) {
    const bucketArn = resource.startsWith('arn:aws:s3:::') ? resource.split('/')[0] : resource;
    const ctx = action.startsWith('s3:') ? { 'aws:SecureTransport': 'true', 's3:TlsVersion': '1.3', ...context } : { 'aws:SecureTransport': 'true', ...context };
    const policies = identityPolicies ?? w.identity[principal] ?? [];
    const r = await runSimulation({
        identityPolicies: policies.map((policy, i) => ({ name: `p${i}`, policy })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: resource.startsWith('arn:aws:kms:') ? DEFAULT_KEY_POLICY : w.resourcePolicy[bucketArn],
        request: { principal, action, resource: { resource, accountId: ACCOUNT }, contextVariables: ctx },
    }, {});
    if (r.errors) return `error: ${JSON.stringify(r.errors).slice(0, 300)}`;
    return r.result?.analysis?.result ?? `error: ${JSON.stringify(r).slice(0, 300)}`;
}

async function decide(w, request) {
    const v = await verdict(w, request);
    return v === 'Allowed' ? 'allow' : v.startsWith('error') ? v : 'deny';
}

// The table the issue asks for. names: resolved names of the module's principals and resources;
// settings: the module variables that change it ({ propagate_deletes, kms_key_arn }).
export function expectedTable(n, settings = {}) {
    const A = n.sourceArn, B = n.publicArn, rows = [];
    const row = (who, principal, action, resource, expect, context, note) => rows.push({ who, principal, action, resource, expect, context, note });
    for (const act of ['s3:ListBucket']) row('User A', n.userA, act, A, 'allow');
    for (const act of ['s3:GetObject', 's3:PutObject', 's3:DeleteObject']) row('User A', n.userA, act, `${A}/photo.jpg`, 'allow');
    row('User A', n.userA, 's3:ListBucket', B, 'deny');
    for (const act of ['s3:GetObject', 's3:PutObject', 's3:DeleteObject']) row('User A', n.userA, act, `${B}/photo.jpg`, 'deny');
    row('User A', n.userA, 's3:GetObject', `${A}/photo.jpg`, 'deny', { 'aws:SecureTransport': 'false' }, 'plain HTTP');
    row('User A', n.userA, 's3:PutObject', `${A}/photo.jpg`, 'deny', { 's3:TlsVersion': '1.1' }, 'TLS 1.1');

    row('User B', n.userB, 's3:ListBucket', B, 'allow');
    row('User B', n.userB, 's3:GetObject', `${B}/photo.jpg`, 'allow');
    for (const act of ['s3:PutObject', 's3:DeleteObject']) row('User B', n.userB, act, `${B}/photo.jpg`, 'deny');
    row('User B', n.userB, 's3:ListBucket', A, 'deny');
    for (const act of ['s3:GetObject', 's3:PutObject', 's3:DeleteObject']) row('User B', n.userB, act, `${A}/photo.jpg`, 'deny');
    row('User B', n.userB, 's3:GetObject', `${B}/photo.jpg`, 'deny', { 'aws:SecureTransport': 'false' }, 'plain HTTP');

    for (const act of ['s3:GetObject', 's3:GetObjectVersion']) row('task role', n.task, act, `${A}/photo.jpg`, 'allow');
    // ListBucket on A: a GET of a key deleted meanwhile answers 404 (job.gone), not 403.
    row('task role', n.task, 's3:ListBucket', A, 'allow');
    for (const act of ['s3:PutObject', 's3:AbortMultipartUpload']) row('task role', n.task, act, `${B}/photo.jpg`, 'allow');
    for (const act of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes']) row('task role', n.task, act, n.eventsArn, 'allow');
    row('task role', n.task, 'sqs:SendMessage', n.reportsArn, 'allow');
    for (const act of ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload']) row('task role', n.task, act, `${A}/photo.jpg`, 'deny');
    // HEAD on B (s3:GetObject) and ListBucket on B: the ordered-write check (README, "Write ordering").
    row('task role', n.task, 's3:GetObject', `${B}/photo.jpg`, 'allow');
    row('task role', n.task, 's3:ListBucket', B, 'allow');
    for (const act of ['s3:PutObjectAcl', 's3:GetObjectVersion', 's3:DeleteObjectVersion']) row('task role', n.task, act, `${B}/photo.jpg`, 'deny');
    // Delete propagation: DeleteObject on B only when propagate_deletes is true, never on B itself or A.
    const propagate = settings.propagate_deletes === true;
    row('task role', n.task, 's3:DeleteObject', `${B}/photo.jpg`, propagate ? 'allow' : 'deny', {}, `propagate_deletes=${propagate}`);
    row('task role', n.task, 's3:DeleteBucket', B, 'deny', {}, `propagate_deletes=${propagate}`);
    // ... still no write to A.
    row('task role', n.task, 's3:DeleteObject', `${A}/photo.jpg`, 'deny', {}, `propagate_deletes=${propagate}`);
    row('task role', n.task, 'sqs:SendMessage', n.eventsArn, 'deny');
    row('task role', n.task, 'sqs:ReceiveMessage', n.reportsArn, 'deny');
    row('task role', n.task, 'sqs:DeleteMessage', n.dlqArn, 'deny');
    // SSE-KMS (kms_key_arn): S3 calls KMS as the requester. Uploads need GenerateDataKey and Decrypt
    // (multipart), downloads Decrypt; only on that key, and nothing without one.
    const kms = settings.kms_key_arn === KMS_KEY, on = kms ? 'allow' : 'deny', note = kms ? 'KMS on' : 'KMS off';
    for (const act of ['kms:Decrypt', 'kms:GenerateDataKey']) {
        row('task role', n.task, act, KMS_KEY, on, {}, note);
        row('User A', n.userA, act, KMS_KEY, on, {}, note);
    }
    row('User B', n.userB, 'kms:Decrypt', KMS_KEY, on, {}, note);
    row('User B', n.userB, 'kms:GenerateDataKey', KMS_KEY, 'deny', {}, note);
    for (const who of [['task role', n.task], ['User A', n.userA], ['User B', n.userB]]) row(...who, 'kms:Decrypt', OTHER_KEY, 'deny', {}, `${note}, another key`);
    row('task role', n.task, 'ecr:BatchGetImage', n.ecrArn, 'deny');

    row('execution role', n.execution, 'ecr:GetAuthorizationToken', '*', 'allow');
    row('execution role', n.execution, 'ecr:BatchGetImage', n.ecrArn, 'allow');
    row('execution role', n.execution, 'logs:PutLogEvents', `${n.logGroupArn}:log-stream:worker/worker/1`, 'allow');
    row('execution role', n.execution, 's3:GetObject', `${A}/photo.jpg`, 'deny');
    row('execution role', n.execution, 'sqs:ReceiveMessage', n.eventsArn, 'deny');

    const fromS3 = { 'aws:SourceArn': A, 'aws:SourceAccount': ACCOUNT };
    row('s3.amazonaws.com', 's3.amazonaws.com', 'sqs:SendMessage', n.eventsArn, 'allow', fromS3, 'from bucket A');
    row('s3.amazonaws.com', 's3.amazonaws.com', 'sqs:SendMessage', n.eventsArn, 'deny', { ...fromS3, 'aws:SourceArn': B }, 'from bucket B');
    row('s3.amazonaws.com', 's3.amazonaws.com', 'sqs:SendMessage', n.eventsArn, 'deny', { ...fromS3, 'aws:SourceAccount': OTHER_ACCOUNT }, 'other account');
    row('s3.amazonaws.com', 's3.amazonaws.com', 'sqs:SendMessage', n.eventsArn, 'deny', { 'aws:SourceArn': A }, 'no SourceAccount');
    row('other account', `arn:aws:iam::${OTHER_ACCOUNT}:user/mallory`, 'sqs:SendMessage', n.eventsArn, 'deny', {}, 'cross-account user');

    const ecsArn = `arn:aws:ecs:eu-west-1:${ACCOUNT}:task/exifstrip/0123`;
    row('ecs-tasks.amazonaws.com', 'ecs-tasks.amazonaws.com', 'sts:AssumeRole', n.task, 'allow', { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': ecsArn }, 'this account');
    row('ecs-tasks.amazonaws.com', 'ecs-tasks.amazonaws.com', 'sts:AssumeRole', n.task, 'deny', { 'aws:SourceAccount': OTHER_ACCOUNT, 'aws:SourceArn': ecsArn.replace(ACCOUNT, OTHER_ACCOUNT) }, 'other account');
    return rows;
}

export async function evaluateTable(world, names, settings = {}) {
    const w = wiring(world);
    const rows = expectedTable(names, settings);
    for (const r of rows) r.got = await decide(w, r);
    return rows;
}

// Writes to bucket A, bucket- and object-level: each must stay ExplicitlyDenied to the task role
// even with a broad Allow added (terraform/README.md: "an explicit Deny of every write to bucket A").
const BUCKET_WRITES = ['DeleteBucket', 'DeleteBucketPolicy', 'PutBucketPolicy', 'PutBucketAcl', 'PutBucketPublicAccessBlock',
    'PutBucketOwnershipControls', 'PutBucketNotification', 'PutLifecycleConfiguration', 'PutBucketVersioning',
    'PutEncryptionConfiguration', 'PutReplicationConfiguration', 'PutBucketCORS', 'PutBucketWebsite', 'PutBucketTagging',
    'PutBucketLogging', 'PutBucketObjectLockConfiguration'];
const OBJECT_WRITES = ['PutObject', 'DeleteObject', 'DeleteObjectVersion', 'AbortMultipartUpload', 'PutObjectAcl',
    'PutObjectVersionAcl', 'PutObjectTagging', 'PutObjectVersionTagging', 'DeleteObjectTagging', 'DeleteObjectVersionTagging',
    'RestoreObject', 'PutObjectRetention', 'PutObjectLegalHold', 'BypassGovernanceRetention', 'ReplicateObject', 'ReplicateDelete'];
// What the worker does on A: GET and HEAD (s3:GetObject, of a version s3:GetObjectVersion), ListBucket.
const UPLOAD_READS = [['s3:GetObject', '/photo.jpg'], ['s3:GetObjectVersion', '/photo.jpg'], ['s3:ListBucket', '']];

// The task role's policies plus an Allow of s3:* on *: rows { action, resource, expect, got }.
export async function taskRoleUnderBroadAllow(world, n) {
    const w = wiring(world);
    const broad = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] };
    const identityPolicies = [...w.identity[n.task], broad];
    const requests = [
        ...BUCKET_WRITES.map((a) => [`s3:${a}`, n.sourceArn, 'ExplicitlyDenied']),
        ...OBJECT_WRITES.map((a) => [`s3:${a}`, `${n.sourceArn}/photo.jpg`, 'ExplicitlyDenied']),
        ...UPLOAD_READS.map(([a, suffix]) => [a, `${n.sourceArn}${suffix}`, 'Allowed']),
    ];
    const rows = [];
    for (const [action, resource, expect] of requests) {
        rows.push({ action, resource, expect, got: await verdict(w, { principal: n.task, action, resource, identityPolicies }) });
    }
    return rows;
}

// The task role may be allowed exactly these actions, nothing else.
export const TASK_ACTIONS = ['s3:GetObject', 's3:GetObjectVersion', 's3:ListBucket', 's3:PutObject', 's3:AbortMultipartUpload', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes', 'sqs:SendMessage'];
export function allowedActions(policies) {
    return [...new Set(policies.flatMap((p) => p.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => [].concat(s.Action || []))))].sort();
}
