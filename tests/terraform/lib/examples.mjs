// examples.mjs - the examples call the root module correctly (only declared
// inputs, every required one, outputs that exist), and the LocalStack example
// creates exactly the resources of the LocalStack init script that
// docker/compose.yaml runs (bucket, queue names and max receive count).
import { existsSync, readFileSync } from 'node:fs';
import { evaluate } from './expr.mjs';
import { world } from './flow.mjs';
import { makeWorld } from './world.mjs';
import { renderPolicyDocument } from './policies.mjs';

export function checkModuleCalls(example, root) {
    const out = [];
    const calls = Object.values(example.module);
    if (!calls.length) out.push(`${example.name}: does not call the root module`);
    for (const c of calls) {
        if (c.body.source !== '../..') { out.push(`${c.file}: module ${c.name}: source ${c.body.source}, expected ../..`); continue; }
        for (const arg of Object.keys(c.body)) {
            if (['source', 'version', 'providers', 'depends_on', 'count', 'for_each'].includes(arg)) continue;
            if (!root.variable[arg]) out.push(`${c.file}: module ${c.name}: the root module has no variable "${arg}"`);
        }
        const deploys = !('deploy_worker' in c.body) || c.body.deploy_worker === true;
        for (const [name, v] of Object.entries(root.variable)) {
            if (!('default' in v.body) && !(name in c.body)) out.push(`${c.file}: module ${c.name}: required variable "${name}" not set`);
            if (deploys && ['vpc_id', 'subnet_ids'].includes(name) && !(name in c.body)) out.push(`${c.file}: module ${c.name}: deploys the worker without ${name}`);
        }
    }
    for (const o of Object.values(example.output)) {
        for (const m of JSON.stringify(o.body.value).matchAll(/module\.([a-z0-9_]+)\.([a-z0-9_]+)/g)) {
            if (!example.module[m[1]]) continue;
            if (!root.output[m[2]]) out.push(`${o.file}: output ${o.name}: the root module has no output "${m[2]}"`);
        }
    }
    return out;
}

// The defaults `: "${NAME:=value}"` at the top of the init script.
export function initScriptDefaults(path) {
    const defaults = {};
    for (const m of readFileSync(path, 'utf8').matchAll(/^: "\$\{([A-Z_]+):=([^}]*)\}"$/gm)) defaults[m[1]] = m[2];
    return defaults;
}

export function checkLocalstackMatchesInit(example, root, initPath, composePath) {
    const out = [];
    if (!existsSync(initPath)) return [`${initPath} does not exist: the LocalStack init script that docker/compose.yaml runs is missing`];
    const d = initScriptDefaults(initPath);
    for (const k of ['SOURCE_BUCKET', 'DEST_BUCKET', 'EVENT_QUEUE', 'DEAD_LETTER_QUEUE', 'REPORT_QUEUE', 'MAX_RECEIVE_COUNT', 'PROPAGATE_DELETES']) {
        if (!(k in d)) out.push(`${initPath}: no default for ${k}`);
    }
    if (out.length) return out;
    if (existsSync(composePath) && !/ready\.d/.test(readFileSync(composePath, 'utf8'))) out.push(`${composePath} does not mount the LocalStack ready.d init directory`);
    const call = example.module.exifstrip;
    if (!call) return [...out, `${example.name}: no module "exifstrip"`];
    const exampleScope = makeWorld(example, {}, { renderPolicyDocument });
    const vars = {};
    for (const [k, v] of Object.entries(call.body)) if (root.variable[k]) vars[k] = evaluate(v, exampleScope);
    const w = world(root, { vpc_id: null, subnet_ids: [], ...vars });
    const got = {
        SOURCE_BUCKET: w.aws_s3_bucket.this.source.bucket,
        DEST_BUCKET: w.aws_s3_bucket.this.public.bucket,
        EVENT_QUEUE: w.aws_sqs_queue.events.name,
        DEAD_LETTER_QUEUE: w.aws_sqs_queue.events_dlq.name,
        REPORT_QUEUE: w.aws_sqs_queue.reports.name,
        MAX_RECEIVE_COUNT: String(JSON.parse(w.aws_sqs_queue.events.redrive_policy).maxReceiveCount),
        PROPAGATE_DELETES: w.var.propagate_deletes ? '1' : '0',
    };
    for (const [k, v] of Object.entries(got)) if (v !== d[k]) out.push(`${k}: the LocalStack example creates "${v}", the init script "${d[k]}"`);
    if (w.aws_s3_bucket_notification.source.bucket !== d.SOURCE_BUCKET) out.push('the notification is not on the source bucket');
    if (w.aws_ecs_cluster.this.length) out.push('the LocalStack example deploys ECS (LocalStack community has no ECS): set deploy_worker = false');
    return out;
}
