// tf_check.mjs - the offline checks of terraform/ (make tf-check; run by
// tests/terraform/terraform_test.sh in make test). No terraform binary and no
// AWS account: HCL is parsed with @cdktf/hcl2json, validated against the AWS
// provider schema in aws-provider-schema.json.gz, the IAM policies are rendered
// and evaluated with @cloud-copilot/iam-simulate, and variable flow is checked
// by evaluating the module with different inputs. Prints one line per check,
// the IAM allow/deny table, and "# summary: N passed, N failed, N skipped".
//   node tf_check.mjs [--root DIR] [--readme FILE] [--init FILE] [--compose FILE] [--dockerfile FILE] [--metrics-header FILE] [--no-self-test] [--quiet]
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModule, moduleDirs } from './lib/load.mjs';
import { loadSchema, checkAgainstSchema } from './lib/schema.mjs';
import { checkReferences } from './lib/refs.mjs';
import { modulePolicies } from './lib/policies.mjs';
import { evaluateTable, allowedActions, taskRoleUnderBroadAllow, TASK_ACTIONS, KMS_KEY } from './lib/iam.mjs';
import { flowChecks, conventionChecks, world } from './lib/flow.mjs';
import { checkModuleCalls, checkLocalstackMatchesInit } from './lib/examples.mjs';
import { metricsChecks } from './lib/metrics.mjs';
import { checkBindMountsDeclared } from './lib/image.mjs';
import { workerLimitChecks } from './lib/validations.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');

function options(argv) {
    const o = {
        root: join(repo, 'terraform'), readme: join(repo, 'README.md'),
        init: join(repo, 'docker', 'localstack', 'ready.d', 'exifstrip-init.sh'), compose: join(repo, 'docker', 'compose.yaml'), dockerfile: join(repo, 'docker', 'Dockerfile'),
        metricsHeader: join(repo, 'src', 'worker', 'metrics.h'), workerSrc: join(repo, 'src', 'worker'),
        selfTest: true, quiet: false,
    };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === '--no-self-test') o.selfTest = false;
        else if (a === '--quiet') o.quiet = true;
        else if (['--root', '--readme', '--init', '--compose', '--dockerfile'].includes(a)) o[a.slice(2)] = resolve(argv[++i]);
        else if (a === '--metrics-header') o.metricsHeader = resolve(argv[++i]);
        else throw new Error(`unknown option ${a}`);
    }
    return o;
}

function names(w) {
    return {
        sourceArn: w.aws_s3_bucket.this.source.arn, publicArn: w.aws_s3_bucket.this.public.arn,
        userA: w.aws_iam_user.user.a.arn, userB: w.aws_iam_user.user.b.arn,
        task: w.aws_iam_role.task.arn, execution: w.aws_iam_role.execution[0].arn,
        eventsArn: w.aws_sqs_queue.events.arn, reportsArn: w.aws_sqs_queue.reports.arn, dlqArn: w.aws_sqs_queue.events_dlq.arn,
        ecrArn: w.aws_ecr_repository.worker[0].arn, logGroupArn: w.aws_cloudwatch_log_group.worker[0].arn,
    };
}

// Runs every check; returns [{name, problems}] and the IAM table.
export async function runChecks(o) {
    const results = [];
    const check = async (name, fn) => {
        if (o.only && !name.includes(o.only)) return [];
        let problems;
        try { problems = await fn(); } catch (e) { problems = [`checker error: ${e.message}`]; }
        results.push({ name, problems });
        return problems;
    };
    const schema = loadSchema();
    const models = {};
    for (const dir of moduleDirs(o.root)) {
        const m = await loadModule(dir, o.root);
        models[m.name] = m;
        await check(`${m.name}: every .tf parses, no duplicate names`, () => (m.files.length ? m.errors : [...m.errors, 'no .tf files']));
        await check(`${m.name}: resources, data sources and provider blocks match hashicorp/aws ${schema.version}`, () => checkAgainstSchema(m, schema).errors);
        await check(`${m.name}: every reference is declared (variables, locals, resources, data, attributes)`, async () => (await checkReferences(m, schema)).errors);
        await check(`${m.name}: variables typed and described, outputs described, versions include ${schema.version}`, () => conventionChecks(m, schema.version, { root: m.name === '.' }));
    }
    const root = models['.'];
    for (const required of ['examples/complete', 'examples/localstack']) {
        await check(`${required}: calls the root module with declared inputs and outputs`, () => (models[required] ? checkModuleCalls(models[required], root) : [`${required} is missing`]));
    }
    await check('examples/localstack creates the resources of docker/localstack/ready.d/exifstrip-init.sh (docker/compose.yaml)', () =>
        (models['examples/localstack'] ? checkLocalstackMatchesInit(models['examples/localstack'], root, o.init, o.compose) : ['examples/localstack is missing']));

    let table = [];
    await check('every IAM policy of the module renders and is valid policy JSON', () => {
        const out = [];
        const ps = modulePolicies(root, world(root));
        for (const want of ['aws_iam_role.task', 'aws_iam_role_policy.task', 'aws_iam_role_policy.execution[0]', 'aws_sqs_queue_policy.events', 'aws_s3_bucket_policy.this["source"]', 'aws_s3_bucket_policy.this["public"]', 'aws_iam_policy.user["a"]', 'aws_iam_policy.user["b"]']) {
            if (!ps.some((p) => p.address === want)) out.push(`${want}: no policy rendered`);
        }
        for (const p of ps) if (p.policy.Version !== '2012-10-17' || !Array.isArray(p.policy.Statement) || !p.policy.Statement.length) out.push(`${p.address}.${p.arg}: not a policy document`);
        return out;
    });
    await check('IAM allow/deny table (iam-simulate), with propagate_deletes false and true, and with kms_key_arn', async () => {
        table = [];
        const variants = [[{ propagate_deletes: false }, null], [{ propagate_deletes: true }, 'propagate_deletes='], [{ kms_key_arn: KMS_KEY }, 'KMS on']];
        for (const [settings, tag] of variants) {
            const w = world(root, settings);
            const rows = await evaluateTable(w, names(w), settings);
            // Later settings only add the rows they change to the printed table.
            table.push(...(tag ? rows.filter((r) => r.note?.startsWith(tag) || r.got !== r.expect) : rows));
        }
        return table.filter((r) => r.got !== r.expect).map((r) => `${r.who} ${r.action} ${r.resource}${r.note ? ` (${r.note})` : ''}: expected ${r.expect}, got ${r.got}`);
    });
    await check('task role allows exactly its list (KMS only when kms_key_arn is set, DeleteObject on B only with propagate_deletes, ListBucket on A and B always)', () => {
        const out = [];
        const pol = (w) => modulePolicies(root, w).filter((p) => p.address === 'aws_iam_role_policy.task').map((p) => p.policy);
        const plain = allowedActions(pol(world(root)));
        if (JSON.stringify(plain) !== JSON.stringify([...TASK_ACTIONS].sort())) out.push(`allowed actions ${plain.join(' ')}`);
        const kms = KMS_KEY;
        const withKms = pol(world(root, { kms_key_arn: kms }));
        const extra = allowedActions(withKms).filter((a) => !TASK_ACTIONS.includes(a));
        if (JSON.stringify(extra) !== '["kms:Decrypt","kms:GenerateDataKey"]') out.push(`with KMS the extra actions are ${extra.join(' ')}`);
        const kmsStatements = withKms.flatMap((p) => p.Statement).filter((s) => [].concat(s.Action || []).some((a) => a.startsWith('kms:')));
        if (kmsStatements.some((s) => JSON.stringify([].concat(s.Resource)) !== JSON.stringify([kms]))) out.push('KMS permissions are not limited to kms_key_arn');
        const withDeletes = pol(world(root, { propagate_deletes: true }));
        const added = allowedActions(withDeletes).filter((a) => !TASK_ACTIONS.includes(a));
        if (JSON.stringify(added) !== '["s3:DeleteObject"]') out.push(`with propagate_deletes the extra actions are ${added.join(' ')}`);
        const deleteStatements = withDeletes.flatMap((p) => p.Statement).filter((s) => s.Effect === 'Allow' && [].concat(s.Action).includes('s3:DeleteObject'));
        const publicObjects = `${world(root).aws_s3_bucket.this.public.arn}/*`;
        if (deleteStatements.some((s) => JSON.stringify([].concat(s.Resource)) !== JSON.stringify([publicObjects]))) out.push('s3:DeleteObject is not limited to bucket B\'s objects');
        const listed = (ps) => ps.flatMap((p) => p.Statement).filter((s) => s.Effect === 'Allow' && [].concat(s.Action).includes('s3:ListBucket')).flatMap((s) => [].concat(s.Resource)).sort();
        const w0 = world(root);
        const bothBuckets = JSON.stringify([w0.aws_s3_bucket.this.public.arn, w0.aws_s3_bucket.this.source.arn].sort());
        for (const [setting, ps] of [['with', withDeletes], ['without', pol(w0)]]) {
            if (JSON.stringify(listed(ps)) !== bothBuckets) out.push(`${setting} propagate_deletes s3:ListBucket is on ${listed(ps).join(' ')}, expected buckets B and A`);
        }
        return out;
    });
    await check('task role with an added Allow s3:* (AmazonS3FullAccess, say): every bucket- and object-level write to bucket A ExplicitlyDenied, its reads there (GetObject, GetObjectVersion, ListBucket) still allowed', async () => {
        const w = world(root);
        return (await taskRoleUnderBroadAllow(w, names(w))).filter((r) => r.got !== r.expect).map((r) => `${r.action} ${r.resource}: expected ${r.expect}, got ${r.got}`);
    });
    for (const [name, fn] of [...flowChecks(o.readme), ...workerLimitChecks()]) await check(name, () => fn(root));
    await check('the task\'s /tmp volume is a VOLUME of docker/Dockerfile, mode 1777 (Fargate copies the image\'s permissions only then)', () => checkBindMountsDeclared(world(root), o.dockerfile));
    for (const [name, fn] of metricsChecks(o.metricsHeader, o.workerSrc)) await check(name, () => fn(root));
    return { results, table, schema };
}

// The checker must catch what it claims to: each mutation of a copy of terraform/ must fail the named check.
const MUTATIONS = [
    { what: 'the Deny on bucket A without the bucket-level writes', file: 'iam_task.tf', from: 'resources   = [local.source_bucket.arn, "${local.source_bucket.arn}/*"]', to: 'resources   = ["${local.source_bucket.arn}/*"]', fails: 'task role with an added Allow s3:*' },
    { what: 'the Deny on bucket A also denying the worker\'s reads', file: 'iam_task.tf', from: 'not_actions = ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"]', to: 'not_actions = ["s3:GetObject", "s3:ListBucket"]', fails: 'task role with an added Allow s3:*' },
    { what: 'task role may also write bucket A (Deny removed)', file: 'iam_task.tf', from: 'sid         = "NeverWriteToUploads"\n    effect      = "Deny"', to: 'sid         = "NeverWriteToUploads"\n    effect      = "Allow"', fails: 'IAM allow/deny table' },
    { what: 'queue policy without aws:SourceAccount', file: 'sqs.tf', from: '    condition {\n      test     = "StringEquals"\n      variable = "aws:SourceAccount"\n      values   = [local.account_id]\n    }\n', to: '', fails: 'IAM allow/deny table' },
    { what: 'User B may upload', file: 'iam_users.tf', from: 'ReadPublic = { actions = ["s3:GetObject"]', to: 'ReadPublic = { actions = ["s3:GetObject", "s3:PutObject"]', fails: 'IAM allow/deny table' },
    { what: 'User A without kms:GenerateDataKey on kms_key_arn', file: 'iam_users.tf', from: 'UseBucketKey = { actions = ["kms:Decrypt", "kms:GenerateDataKey"]', to: 'UseBucketKey = { actions = ["kms:Decrypt"]', fails: 'IAM allow/deny table' },
    { what: 'the users\' KMS grant on every key', file: 'iam_users.tf', from: 'UseBucketKey = { actions = ["kms:Decrypt"], resources = [var.kms_key_arn]', to: 'UseBucketKey = { actions = ["kms:Decrypt"], resources = ["*"]', fails: 'IAM allow/deny table' },
    { what: 'bucket policy allows plain HTTP', file: 's3.tf', from: 'value = "false"', to: 'value = "maybe"', fails: 'IAM allow/deny table' },
    { what: 'an unknown argument on the event queue', file: 'sqs.tf', from: 'receive_wait_time_seconds  = 20', to: 'receive_wait_time_seconds  = 20\n  long_polling_seconds       = 20', fails: 'match hashicorp/aws' },
    { what: 'an unknown resource attribute in a reference', file: 'outputs.tf', from: 'value       = aws_sqs_queue.events.url', to: 'value       = aws_sqs_queue.events.queue_url_typo', fails: 'every reference is declared' },
    { what: 'an undeclared variable', file: 'sqs.tf', from: 'var.max_receive_count', to: 'var.max_receive_counts', fails: 'every reference is declared' },
    { what: 'a syntax error', file: 'alarms.tf', from: 'statistic           = "Maximum"', to: 'statistic           = ', fails: 'every .tf parses' },
    { what: 'desired_count not from worker_count', file: 'ecs.tf', from: 'desired_count                      = var.worker_count', to: 'desired_count                      = 2', fails: 'worker_count sets the service desired_count' },
    { what: 'an EXIFSTRIP_* setting dropped from the container', file: 'main.tf', from: '    EXIFSTRIP_PART_SIZE          = var.part_size\n', to: '', fails: 'EXIFSTRIP_* variable' },
    { what: 'transform concurrency not following task_cpu', file: 'main.tf', from: 'tostring(max(1, ceil(var.task_cpu / 1024)))', to: '"auto"', fails: 'EXIFSTRIP_TRANSFORM_CONCURRENCY is the task' },
    { what: 'transform concurrency a fraction of a vCPU', file: 'main.tf', from: 'tostring(max(1, ceil(var.task_cpu / 1024)))', to: 'tostring(var.task_cpu / 1024)', fails: 'EXIFSTRIP_TRANSFORM_CONCURRENCY is the task' },
    { what: 'the LocalStack example naming its queues differently from the init script', file: 'examples/localstack/main.tf', from: 'name_prefix           = "photos"', to: 'name_prefix           = "photo"', fails: 'examples/localstack creates' },
    { what: 'a missing LocalStack init script', options: { init: '/nonexistent/exifstrip-init.sh' }, fails: 'examples/localstack creates' },
    { what: 'a planted s3:DeleteObject on bucket B with propagate_deletes false', file: 'iam_task.tf', from: 'actions   = ["s3:PutObject", "s3:AbortMultipartUpload"]', to: 'actions   = ["s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject"]', fails: 'IAM allow/deny table' },
    { what: 'the delete-propagation grants whatever propagate_deletes says', file: 'iam_task.tf', from: 'sid => grant if var.propagate_deletes }', to: 'sid => grant }', fails: 'IAM allow/deny table' },
    { what: 'propagate_deletes without s3:DeleteObject', file: 'iam_task.tf', from: 'actions = ["s3:DeleteObject"]', to: 'actions = ["s3:GetObject"]', fails: 'IAM allow/deny table' },
    { what: 'the task role without s3:ListBucket on bucket A', file: 'iam_task.tf', from: 'sid       = "TellGoneUploadsApart"\n    effect    = "Allow"', to: 'sid       = "TellGoneUploadsApart"\n    effect    = "Deny"', fails: 'IAM allow/deny table' },
    { what: 'the notification without s3:ObjectRemoved:* when propagate_deletes', file: 'notification.tf', from: 'var.propagate_deletes ? ["s3:ObjectRemoved:*"] : []', to: '[]', fails: 'notification' },
    { what: 'the refusal alarm reading a metric the worker does not emit', file: 'metrics.tf', from: '{ refused = "JobsRefused", done = "JobsDone" }', to: '{ refused = "JobsRejected", done = "JobsDone" }', fails: 'use only metrics, dimensions and outcomes the worker emits' },
    { what: 'the refusal alarm with a hard-coded namespace', file: 'metrics.tf', from: 'namespace   = var.metrics_namespace', to: 'namespace   = "exifstrip"', fails: 'use only metrics, dimensions and outcomes the worker emits' },
    { what: 'a dimension the worker does not publish', file: 'metrics.tf', from: 'dimensions  = { Queue = aws_sqs_queue.events.name }', to: 'dimensions  = { QueueName = aws_sqs_queue.events.name }', fails: 'use only metrics, dimensions and outcomes the worker emits' },
    { what: 'an outcome the worker does not have', file: 'metrics.tf', from: '["Outcome", "stripped", { stat = "p99"', to: '["Outcome", "done", { stat = "p99"', fails: 'use only metrics, dimensions and outcomes the worker emits' },
    { what: 'a dashboard without the dead-letter queue', file: 'metrics.tf', from: '        concat(local.sqs_metric.dlq, [{ label = "dead-letter queue" }]),\n', to: '', fails: 'use only metrics, dimensions and outcomes the worker emits' },
    { what: 'a refusal rate of refused / done', file: 'metrics.tf', from: ', 100 * refused / (done + refused), 0)"', to: ', 100 * refused / done, 0)"', fails: 'refusal-rate alarm =' },
    { what: 'a refusal-rate alarm without its minimum of jobs', file: 'metrics.tf', from: '"IF(done + refused >= ${var.refusal_rate_alarm_min_jobs}, ', to: '"IF(done + refused >= 1, ', fails: 'refusal-rate alarm =' },
    { what: 'a refusal alarm with EXIFSTRIP_METRICS=off', file: 'metrics.tf', from: 'count = local.metrics_on ? 1 : 0', to: 'count = 1', fails: 'no worker widgets nor refusal alarm' },
    { what: 'a worker metric renamed in the worker only', options: { metricsHeader: 'RENAMED' }, fails: 'use only metrics, dimensions and outcomes the worker emits' },
    { what: 'part_size accepting 1MiB parts', file: 'variables.tf', from: 'n >= 5242880 && n <= 5368709120', to: 'n >= 1048576 && n <= 5368709120', fails: 'variable validations and preconditions' },
    { what: 'no check of max_object_bytes against 10000 parts of part_size', file: 'ecs.tf', from: 'local.size_bytes.part_size * 10000', to: 'local.size_bytes.part_size * 100000', fails: 'variable validations and preconditions' },
    { what: 'a duplicate variable', file: 'versions.tf', from: 'terraform {', to: 'variable "tags" {\n  type = string\n}\n\nterraform {', fails: 'no duplicate names' },
];

export async function selfTests(o) {
    const out = [];
    for (const m of MUTATIONS) {
        const dir = mkdtempSync(join(tmpdir(), 'exifstrip-tfcheck-'));
        let problems = [];
        try {
            cpSync(o.root, dir, { recursive: true });
            let options = m.options;
            if (options?.metricsHeader === 'RENAMED') { // the worker renames a metric the module reads
                options = { ...options, metricsHeader: join(dir, 'metrics.h') };
                writeFileSync(options.metricsHeader, readFileSync(o.metricsHeader, 'utf8').replace('"JobsRefused"', '"JobsRejected"'));
            }
            const path = m.file && join(dir, m.file);
            const text = m.file ? readFileSync(path, 'utf8') : '';
            if (m.file && !text.includes(m.from)) problems.push(`mutation target not found in ${m.file}: ${JSON.stringify(m.from)}`);
            else {
                if (m.file) writeFileSync(path, text.replace(m.from, m.to));
                const { results } = await runChecks({ ...o, ...options, root: dir, only: m.fails });
                const hit = results.filter((r) => r.name.includes(m.fails) && r.problems.length);
                if (!hit.length) problems.push(`the checker did not fail "${m.fails}"`);
                else if (!o.quiet) problems.detail = hit[0].problems[0];
            }
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
        out.push({ name: `self-test: ${m.what} is caught`, problems });
    }
    return out;
}

function printTable(table) {
    const w = [16, 27, 0];
    console.log('# IAM decisions (iam-simulate, policies as rendered by the module, account 123456789012):');
    console.log(`#   ${'principal'.padEnd(24)} ${'action'.padEnd(w[1])} ${'expect'.padEnd(6)} ${'got'.padEnd(6)} resource`);
    for (const r of table) {
        const res = r.resource.replace(/^arn:aws:/, '') + (r.note ? `  [${r.note}]` : '');
        console.log(`#   ${r.who.padEnd(24)} ${r.action.padEnd(w[1])} ${r.expect.padEnd(6)} ${(r.got === r.expect ? r.got : `${r.got}!!`).padEnd(6)} ${res}`);
    }
}

async function main() {
    const o = options(process.argv.slice(2));
    const started = Date.now();
    const { results, table, schema } = await runChecks(o);
    console.log(`# terraform checks: ${o.root} against hashicorp/aws ${schema.version} (${schema.source})`);
    if (o.selfTest) results.push(...(await selfTests(o)));
    let pass = 0, fail = 0;
    results.forEach((r, i) => {
        if (r.problems.length) {
            fail++;
            console.log(`not ok ${i + 1} - ${r.name}`);
            for (const p of r.problems.slice(0, 20)) console.log(`#   ${p}`);
            if (r.problems.length > 20) console.log(`#   ... ${r.problems.length - 20} more`);
        } else {
            pass++;
            console.log(`ok ${i + 1} - ${r.name}${r.problems.detail ? `  (${r.problems.detail})` : ''}`);
        }
    });
    if (table.length) printTable(table);
    console.log(`# ${((Date.now() - started) / 1000).toFixed(1)} s`);
    console.log(`# summary: ${pass} passed, ${fail} failed, 0 skipped`);
    process.exitCode = fail ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
