// flow.mjs - assertions that the variables that matter reach the resources
// that use them, checked by evaluating the module twice with different values
// (a constant in place of a variable fails), plus the container's hardening
// and the module's conventions (typed, described variables and outputs,
// versions that include the checked provider schema).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeWorld } from './world.mjs';
import { renderPolicyDocument } from './policies.mjs';

export const BASE_VARS = { vpc_id: 'vpc-0123456789abcdef0', subnet_ids: ['subnet-0123456789abcdef0'], source_bucket_name: 'photos-upload', dest_bucket_name: 'photos-public' };
export const world = (model, vars = {}) => makeWorld(model, { ...BASE_VARS, ...vars }, { renderPolicyDocument });

// The EXIFSTRIP_* variables of the README's worker configuration table.
export function readmeWorkerVariables(readmePath) {
    const text = readFileSync(readmePath, 'utf8');
    const section = text.split(/^### Configuration$/m)[1]?.split(/^#{2,3} /m)[0] || '';
    return [...section.matchAll(/^\| `(EXIFSTRIP_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
}

const containers = (w) => JSON.parse(w.aws_ecs_task_definition.worker[0].container_definitions);
const envOf = (c) => Object.fromEntries((c.environment || []).map((e) => [e.name, e.value]));
const services = (w) => [...w.aws_ecs_service.fixed, ...w.aws_ecs_service.autoscaled];

// Each check: [name, fn(model) -> list of problems].
export function flowChecks(readmePath) {
    return [
        ['worker_count sets the service desired_count (fixed count)', (m) => {
            const out = [];
            for (const n of [0, 3, 7]) {
                const s = services(world(m, { worker_count: n }));
                if (s.length !== 1) out.push(`worker_count=${n}: ${s.length} services, expected exactly 1`);
                else if (s[0].desired_count !== n) out.push(`worker_count=${n}: desired_count is ${s[0].desired_count}`);
            }
            return out;
        }],
        ['max_worker_count > worker_count turns on backlog-per-task autoscaling with worker_count as minimum', (m) => {
            const out = [];
            for (const [min, max] of [[2, 10], [0, 4]]) {
                const w = world(m, { worker_count: min, max_worker_count: max });
                const s = services(w), t = w.aws_appautoscaling_target.worker, p = w.aws_appautoscaling_policy.backlog_per_task;
                if (s.length !== 1 || s[0].desired_count !== min) out.push(`${min}..${max}: service desired_count ${s.map((x) => x.desired_count)}`);
                if (t.length !== 1 || t[0].min_capacity !== min || t[0].max_capacity !== max) out.push(`${min}..${max}: scalable target ${JSON.stringify(t.map((x) => [x.min_capacity, x.max_capacity]))}`);
                if (t[0] && t[0].resource_id !== `service/${w.aws_ecs_cluster.this[0].name}/${s[0].name}`) out.push(`scalable target resource_id ${t[0].resource_id} is not the service`);
                const spec = p[0]?.target_tracking_scaling_policy_configuration?.[0];
                const metrics = spec?.customized_metric_specification?.[0]?.metrics || [];
                const expr = metrics.find((x) => x.return_data)?.expression || '';
                const names = metrics.flatMap((x) => x.metric_stat?.[0]?.metric?.[0]?.metric_name || []);
                if (!/\/ *running/.test(expr) || !names.includes('ApproximateNumberOfMessagesVisible') || !names.includes('RunningTaskCount')) out.push(`target tracking is not visible messages / RunningTaskCount: ${expr} over ${names}`);
                if (spec?.predefined_metric_specification) out.push('a predefined CPU/memory metric is used');
                const zero = w.aws_appautoscaling_policy.start_from_zero.length, alarm = w.aws_cloudwatch_metric_alarm.start_from_zero;
                if (zero !== (min === 0 ? 1 : 0)) out.push(`${min}..${max}: ${zero} step policies for 0 -> 1`);
                if (min === 0 && alarm[0]?.alarm_actions?.[0] !== w.aws_appautoscaling_policy.start_from_zero[0].arn) out.push('the 0 -> 1 alarm does not trigger the step policy');
            }
            const fixed = world(m, { worker_count: 3, max_worker_count: 3 });
            if (fixed.aws_appautoscaling_target.worker.length) out.push('max_worker_count = worker_count still autoscales');
            return out;
        }],
        ['image reaches the task definition (default: the module ECR repository)', (m) => {
            const out = [];
            const img = containers(world(m, { image: 'registry.example/exifstrip:1.2.3' }))[0].image;
            if (img !== 'registry.example/exifstrip:1.2.3') out.push(`image variable -> ${img}`);
            const w = world(m, { image_tag: 'v9' });
            const def = containers(w)[0].image;
            if (def !== `${w.aws_ecr_repository.worker[0].repository_url}:v9`) out.push(`default image ${def}`);
            return out;
        }],
        ['every EXIFSTRIP_* variable of the README configuration table is in the container environment', (m) => {
            const out = [];
            const wanted = readmeWorkerVariables(readmePath);
            if (wanted.length < 10) out.push(`only ${wanted.length} EXIFSTRIP_* variables found in the README table`);
            const w = world(m);
            const env = envOf(containers(w)[0]);
            for (const v of wanted) if (!(v in env)) out.push(`${v} missing`);
            for (const v of Object.keys(env)) if (v.startsWith('EXIFSTRIP_') && !wanted.includes(v)) out.push(`${v} is not a documented worker setting`);
            const expect = {
                EXIFSTRIP_QUEUE_URL: w.aws_sqs_queue.events.url, EXIFSTRIP_DLQ_URL: w.aws_sqs_queue.reports.url,
                EXIFSTRIP_DEST_BUCKET: 'photos-public', EXIFSTRIP_SOURCE_BUCKETS: 'photos-upload', EXIFSTRIP_SUFFIXES: '.jpg,.jpeg',
            };
            for (const [k, v] of Object.entries(expect)) if (env[k] !== v) out.push(`${k}=${env[k]}, expected ${v}`);
            // Each setting follows its variable.
            if (env.EXIFSTRIP_PROPAGATE_DELETES !== '0') out.push(`EXIFSTRIP_PROPAGATE_DELETES=${env.EXIFSTRIP_PROPAGATE_DELETES} by default, expected 0`);
            const changed = envOf(containers(world(m, { worker_concurrency: 9, visibility_timeout_seconds: 120, max_object_bytes: '1GiB', part_size: '16MiB', wait_seconds: 7, shutdown_grace_seconds: 40, heartbeat_file: '/tmp/hb', log_format: 'text', log_level: 'debug', drain: true, propagate_deletes: true }))[0]);
            const follows = { EXIFSTRIP_CONCURRENCY: '9', EXIFSTRIP_VISIBILITY_TIMEOUT: '120', EXIFSTRIP_MAX_OBJECT_BYTES: '1GiB', EXIFSTRIP_PART_SIZE: '16MiB', EXIFSTRIP_WAIT_SECONDS: '7', EXIFSTRIP_SHUTDOWN_GRACE: '40', EXIFSTRIP_HEARTBEAT_FILE: '/tmp/hb', EXIFSTRIP_LOG_FORMAT: 'text', EXIFSTRIP_LOG_LEVEL: 'debug', EXIFSTRIP_DRAIN: 'true', EXIFSTRIP_PROPAGATE_DELETES: '1' };
            for (const [k, v] of Object.entries(follows)) if (changed[k] !== v) out.push(`${k}=${changed[k]} after changing its variable, expected ${v}`);
            return out;
        }],
        ['EXIFSTRIP_TRANSFORM_CONCURRENCY is the task\'s vCPUs (task_cpu / 1024, rounded up, at least 1)', (m) => {
            const out = [];
            for (const [cpu, want] of [[256, '1'], [512, '1'], [1024, '1'], [2048, '2'], [4096, '4'], [16384, '16']]) {
                const got = envOf(containers(world(m, { task_cpu: cpu }))[0]).EXIFSTRIP_TRANSFORM_CONCURRENCY;
                if (got !== want) out.push(`task_cpu=${cpu}: EXIFSTRIP_TRANSFORM_CONCURRENCY=${got}, expected ${want}`);
            }
            const def = envOf(containers(world(m))[0]).EXIFSTRIP_TRANSFORM_CONCURRENCY;
            if (def !== '1') out.push(`default task_cpu (512): EXIFSTRIP_TRANSFORM_CONCURRENCY=${def}, expected 1`);
            return out;
        }],
        ['queue visibility timeout >= the worker\'s, long polling 20 s, DLQ retention longer, redrive max_receive_count', (m) => {
            const out = [];
            for (const [vt, mrc] of [[60, 5], [300, 9]]) {
                const w = world(m, { visibility_timeout_seconds: vt, max_receive_count: mrc });
                const q = w.aws_sqs_queue.events, env = envOf(containers(w)[0]);
                if (!(q.visibility_timeout_seconds >= Number(env.EXIFSTRIP_VISIBILITY_TIMEOUT))) out.push(`queue visibility ${q.visibility_timeout_seconds} < worker ${env.EXIFSTRIP_VISIBILITY_TIMEOUT}`);
                if (q.receive_wait_time_seconds !== 20) out.push(`receive_wait_time_seconds ${q.receive_wait_time_seconds}`);
                const rp = JSON.parse(q.redrive_policy);
                if (rp.maxReceiveCount !== mrc || rp.deadLetterTargetArn !== w.aws_sqs_queue.events_dlq.arn) out.push(`redrive ${q.redrive_policy}`);
                if (!(w.aws_sqs_queue.events_dlq.message_retention_seconds > q.message_retention_seconds)) out.push('DLQ retention is not longer than the queue\'s');
                if (q.sqs_managed_sse_enabled !== true) out.push('event queue without SSE-SQS');
            }
            const d = world(m);
            if (d.var.max_receive_count !== 5 || d.var.visibility_timeout_seconds !== 60 || d.var.shutdown_grace_seconds !== 25) out.push('defaults differ from the worker\'s (max receive 5, visibility 60 s, grace 25 s)');
            return out;
        }],
        ['container: non-root, read-only root with writable /tmp, no privileges, all capabilities dropped, stopTimeout, health check, awslogs', (m) => {
            const out = [];
            for (const grace of [25, 60, 115]) {
                const w = world(m, { shutdown_grace_seconds: grace });
                const c = containers(w)[0], td = w.aws_ecs_task_definition.worker[0];
                if (!(c.stopTimeout >= grace + 5 && c.stopTimeout <= 120)) out.push(`grace ${grace}: stopTimeout ${c.stopTimeout}`);
                if (grace !== 25) continue;
                if (!/^[1-9][0-9]*(:[0-9]+)?$/.test(c.user || '')) out.push(`user ${c.user} is not a non-root numeric uid`);
                if (c.readonlyRootFilesystem !== true) out.push('root file system is writable');
                if (c.privileged) out.push('privileged');
                if (JSON.stringify(c.linuxParameters?.capabilities?.drop) !== '["ALL"]' || (c.linuxParameters?.capabilities?.add || []).length) out.push('capabilities not all dropped');
                const tmp = (c.mountPoints || []).find((p) => p.containerPath === '/tmp');
                if (!tmp || tmp.readOnly || !(td.volume || []).some((v) => v.name === tmp.sourceVolume)) out.push('no writable /tmp volume');
                if (JSON.stringify(c.healthCheck?.command) !== '["CMD","exifstrip","health"]') out.push(`health check ${JSON.stringify(c.healthCheck?.command)}`);
                if (c.logConfiguration?.logDriver !== 'awslogs' || c.logConfiguration.options['awslogs-group'] !== w.aws_cloudwatch_log_group.worker[0].name) out.push('logs do not go to the module log group');
                if (td.network_mode !== 'awsvpc' || JSON.stringify(td.requires_compatibilities) !== '["FARGATE"]') out.push('not a Fargate task');
                if (td.runtime_platform?.[0]?.cpu_architecture !== 'X86_64') out.push('cpu_architecture default');
                if (td.task_role_arn === td.execution_role_arn) out.push('task and execution role are the same');
                if (!envOf(c).EXIFSTRIP_HEARTBEAT_FILE.startsWith('/tmp/')) out.push('heartbeat outside /tmp');
                const svc = services(w)[0].network_configuration[0];
                if (svc.assign_public_ip !== false) out.push('tasks get a public IP by default');
            }
            if (containers(world(m, { cpu_architecture: 'ARM64' }))[0] && world(m, { cpu_architecture: 'ARM64' }).aws_ecs_task_definition.worker[0].runtime_platform[0].cpu_architecture !== 'ARM64') out.push('cpu_architecture does not flow');
            return out;
        }],
        ['buckets: public access blocked, BucketOwnerEnforced, encryption (SSE-S3, KMS by variable), multipart aborted after 1 day, versioning on A optional', (m) => {
            const out = [];
            const w = world(m);
            for (const k of ['source', 'public']) {
                const pab = w.aws_s3_bucket_public_access_block.this[k];
                for (const f of ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets']) if (pab[f] !== true) out.push(`${k}: ${f}`);
                if (w.aws_s3_bucket_ownership_controls.this[k].rule[0].object_ownership !== 'BucketOwnerEnforced') out.push(`${k}: ownership`);
                if (w.aws_s3_bucket_server_side_encryption_configuration.this[k].rule[0].apply_server_side_encryption_by_default[0].sse_algorithm !== 'AES256') out.push(`${k}: not SSE-S3 by default`);
                const lc = w.aws_s3_bucket_lifecycle_configuration.this[k].rule[0];
                if (lc.status !== 'Enabled' || lc.abort_incomplete_multipart_upload[0].days_after_initiation !== 1) out.push(`${k}: multipart abort rule`);
            }
            const kms = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
            const wk = world(m, { kms_key_arn: kms, source_versioning: true });
            const enc = wk.aws_s3_bucket_server_side_encryption_configuration.this.public.rule[0].apply_server_side_encryption_by_default[0];
            if (enc.sse_algorithm !== 'aws:kms' || enc.kms_master_key_id !== kms) out.push('kms_key_arn does not switch the buckets to SSE-KMS');
            if (wk.aws_s3_bucket_versioning.source.length !== 1 || w.aws_s3_bucket_versioning.source.length !== 0) out.push('source_versioning does not toggle versioning on A');
            const named = world(m, { source_bucket_name: null });
            if (named.aws_s3_bucket.this.source.bucket_prefix !== 'exifstrip-upload-' || named.aws_s3_bucket.this.source.bucket !== null) out.push('without a name, bucket A does not use a prefix');
            return out;
        }],
        ['notification: bucket A -> event queue, s3:ObjectCreated:* (+ s3:ObjectRemoved:* only with propagate_deletes), one rule per suffix from event_suffixes, after the queue policy and (with propagate_deletes) the rollout of the workers', (m) => {
            const out = [];
            const n = m.resource['aws_s3_bucket_notification.source'];
            if (!n) return ['aws_s3_bucket_notification.source missing'];
            if (!JSON.stringify(n.body.depends_on || []).includes('aws_sqs_queue_policy.events')) out.push('no depends_on the queue policy');
            for (const svc of ['aws_ecs_service.fixed', 'aws_ecs_service.autoscaled']) {
                if (!JSON.stringify(n.body.depends_on || []).includes(svc)) out.push(`no depends_on ${svc}: removals could reach tasks without the setting`);
                // a circuit-breaker rollback is "steady" too: the service must run this apply's task definition
                const post = JSON.stringify((m.resource[svc]?.body.lifecycle || []).flatMap((lc) => lc.postcondition || []));
                if (!/self\.task_definition *== *aws_ecs_task_definition\.worker\[0\]\.arn/.test(post) || !/local\.wait_for_rollout/.test(post)) {
                    out.push(`${svc}: no postcondition that it runs this apply's task definition (a rolled-back rollout would pass as steady)`);
                }
            }
            // with propagate_deletes the services' apply waits for the rollout (not with drain), so the
            // notification sends s3:ObjectRemoved:* only to tasks that propagate them
            for (const [vars, wait] of [[{ propagate_deletes: true }, true], [{ propagate_deletes: false }, false],
                [{ propagate_deletes: true, drain: true }, false], [{ propagate_deletes: true, worker_count: 1, max_worker_count: 4 }, true]]) {
                const s = services(world(m, vars));
                if (s.length !== 1 || s[0].wait_for_steady_state !== wait) out.push(`${JSON.stringify(vars)}: wait_for_steady_state ${s.map((x) => x.wait_for_steady_state)}, expected ${wait}`);
            }
            const w = world(m, { event_suffixes: ['.jpg', '.JPG', '.jpeg', '.JPEG', '.Jpg'] });
            const dyn = n.body.dynamic?.queue?.[0];
            if (!dyn || !/var\.event_suffixes/.test(dyn.for_each)) out.push('queue rules are not generated from var.event_suffixes');
            if (w.aws_s3_bucket_notification.source.bucket !== 'photos-upload') out.push('not on bucket A');
            const c = dyn?.content?.[0] || {};
            if (!/aws_sqs_queue\.events\.arn/.test(c.queue_arn) || c.events !== '${local.source_events}' || !/queue\.value/.test(c.filter_suffix)) out.push('rule content');
            for (const [propagate, events] of [[false, '["s3:ObjectCreated:*"]'], [true, '["s3:ObjectCreated:*","s3:ObjectRemoved:*"]']]) {
                const got = JSON.stringify(world(m, { propagate_deletes: propagate }).local.source_events);
                if (got !== events) out.push(`propagate_deletes=${propagate}: events ${got}, expected ${events}`);
            }
            if (JSON.stringify(world(m).var.event_suffixes) !== '[".jpg",".JPG",".jpeg",".JPEG"]') out.push('default suffixes');
            return out;
        }],
        ['alarms: DLQ not empty, oldest message age, report queue not empty', (m) => {
            const w = world(m, { oldest_message_alarm_seconds: 600 });
            const alarms = Object.values(w.aws_cloudwatch_metric_alarm.queue);
            const has = (queue, metric, threshold) => alarms.some((a) => a.dimensions.QueueName === queue && a.metric_name === metric && a.threshold === threshold);
            const out = [];
            if (!has(w.aws_sqs_queue.events_dlq.name, 'ApproximateNumberOfMessagesVisible', 0)) out.push('no DLQ alarm');
            if (!has(w.aws_sqs_queue.events.name, 'ApproximateAgeOfOldestMessage', 600)) out.push('no age alarm following oldest_message_alarm_seconds');
            if (!has(w.aws_sqs_queue.reports.name, 'ApproximateNumberOfMessagesVisible', 0)) out.push('no report queue alarm');
            return out;
        }],
        ['users: no console login, access keys only with create_access_keys and a PGP key', (m) => {
            const out = [];
            if (Object.values(m.resource).some((e) => e.type === 'aws_iam_user_login_profile')) out.push('a login profile exists');
            if (Object.keys(world(m).aws_iam_access_key.user).length) out.push('access keys by default');
            const k = world(m, { create_access_keys: true, pgp_key: 'keybase:someone' }).aws_iam_access_key.user;
            if (Object.keys(k).length !== 2 || k.a.pgp_key !== 'keybase:someone') out.push('create_access_keys does not create PGP-encrypted keys');
            return out;
        }],
        ['network: S3 gateway endpoint on the route tables, optional interface endpoints', (m) => {
            const out = [];
            const w = world(m, { route_table_ids: ['rtb-1'], interface_endpoint_services: ['sqs', 'logs'] });
            const s3 = w.aws_vpc_endpoint.s3[0];
            if (!s3 || s3.vpc_endpoint_type !== 'Gateway' || s3.service_name !== 'com.amazonaws.eu-west-1.s3' || s3.route_table_ids[0] !== 'rtb-1') out.push('no S3 gateway endpoint');
            if (Object.keys(w.aws_vpc_endpoint.interface).join() !== 'logs,sqs') out.push('interface endpoints do not follow the variable');
            if (Object.keys(world(m).aws_vpc_endpoint.interface).length) out.push('interface endpoints by default');
            return out;
        }],
    ];
}

// Conventions of a module directory: typed and described variables, described outputs, versions.
export function conventionChecks(model, schemaVersion, { root }) {
    const out = [];
    for (const v of Object.values(model.variable)) {
        if (!v.body.type) out.push(`${v.file}: variable ${v.name} has no type`);
        if (!v.body.description) out.push(`${v.file}: variable ${v.name} has no description`);
        for (const val of v.body.validation || []) {
            const refs = [...String(val.condition).matchAll(/var\.([a-z0-9_]+)/g)].map((x) => x[1]);
            if (refs.some((r) => r !== v.name)) out.push(`${v.file}: variable ${v.name}: validation refers to other variables (Terraform < 1.9 rejects that)`);
        }
    }
    for (const o of Object.values(model.output)) if (!o.body.description) out.push(`${o.file}: output ${o.name} has no description`);
    const tf = model.terraform.map((t) => t.body);
    const rv = tf.map((b) => b.required_version).find(Boolean);
    const aws = tf.flatMap((b) => b.required_providers || []).map((p) => p.aws).find(Boolean);
    if (!rv || !/>= ?1\.([5-9]|[1-9][0-9])/.test(rv)) out.push(`required_version ${rv} is not ">= 1.5" or later`);
    if (!aws || aws.source !== 'hashicorp/aws') out.push('required_providers.aws is not hashicorp/aws');
    else if (!versionAllowed(aws.version, schemaVersion)) out.push(`aws provider constraint "${aws.version}" excludes ${schemaVersion}, the schema the checks use`);
    if (root && Object.keys(model.provider).length) out.push('the root module configures a provider (callers do that)');
    if (root) out.push(...readmeTableChecks(model));
    return out;
}

// terraform/README.md lists every variable (with its default) and every output, and nothing else.
function readmeTableChecks(model) {
    const out = [];
    let text;
    try { text = readFileSync(join(model.dir, 'README.md'), 'utf8'); } catch { return ['terraform/README.md is missing']; }
    const table = (part) => Object.fromEntries([...part.matchAll(/^\| `([a-z0-9_]+)` \|(.*)$/gm)].map((m) => [m[1], m[2]]));
    const [inputsPart, outputsPart = ''] = (text.split(/^## Inputs$/m)[1] || '').split(/^## Outputs$/m);
    const rows = table(inputsPart), outRows = table(outputsPart);
    for (const v of Object.values(model.variable)) {
        const row = rows[v.name];
        if (!row) { out.push(`README.md: variable ${v.name} is not in the inputs table`); continue; }
        const def = 'default' in v.body ? `\`${v.body.default === null ? 'null' : JSON.stringify(v.body.default)}\`` : 'required';
        if (!row.includes(def)) out.push(`README.md: variable ${v.name}: the table does not show the default ${def}`);
    }
    for (const o of Object.keys(model.output)) if (!outRows[o]) out.push(`README.md: output ${o} is not in the outputs table`);
    for (const name of Object.keys(rows)) if (!model.variable[name]) out.push(`README.md: ${name} in the inputs table is not a variable`);
    for (const name of Object.keys(outRows)) if (!model.output[name]) out.push(`README.md: ${name} in the outputs table is not an output`);
    return out;
}

function cmp(a, b) {
    const x = a.split('.').map(Number), y = b.split('.').map(Number);
    for (let i = 0; i < 3; i++) if ((x[i] || 0) !== (y[i] || 0)) return (x[i] || 0) - (y[i] || 0);
    return 0;
}
export function versionAllowed(constraint, v) {
    return String(constraint || '').split(',').every((c) => {
        const m = c.trim().match(/^(>=|<=|>|<|=|!=|~>)?\s*([0-9.]+)$/);
        if (!m) return false;
        const d = cmp(v, m[2]);
        switch (m[1] || '=') {
            case '>=': return d >= 0;
            case '<=': return d <= 0;
            case '>': return d > 0;
            case '<': return d < 0;
            case '!=': return d !== 0;
            case '~>': { const parts = m[2].split('.'); const upper = parts.length > 1 ? [...parts.slice(0, -2), Number(parts[parts.length - 2]) + 1].join('.') : String(Number(parts[0]) + 1); return d >= 0 && cmp(v, upper) < 0; }
            default: return d === 0;
        }
    });
}
