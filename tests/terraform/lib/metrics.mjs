// metrics.mjs - the dashboard and the alarms against what the worker emits.
// The worker's side is read from its source, the one place it is defined:
// metric names and units (ES_METRICS_LIST), dimension names, the default
// namespace and the metric also published by outcome from
// src/worker/metrics.h; outcome names from es_job_outcome_name in
// src/worker/*.c. A metric renamed on either side fails here.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { world } from './flow.mjs';

// The worker's metrics: { names: {Name: Unit}, namespace, queueDim, outcomeDim, byOutcome, outcomes }.
export function workerMetrics(header, srcDir) {
    const h = readFileSync(header, 'utf8');
    const names = Object.fromEntries([...h.matchAll(/X\(([A-Z_]+),\s*"([A-Za-z]+)",\s*"([A-Za-z/]+)"\)/g)].map((m) => [m[2], m[3]]));
    const ids = Object.fromEntries([...h.matchAll(/X\(([A-Z_]+),\s*"([A-Za-z]+)",/g)].map((m) => [m[1], m[2]]));
    const define = (name) => h.match(new RegExp(`#define ${name} "?([^"\\s]*)"?`))?.[1];
    const byOutcomeId = define('ES_METRICS_BY_OUTCOME')?.replace(/^ES_METRIC_/, '');
    const outcomes = readdirSync(srcDir).filter((f) => f.endsWith('.c'))
        .flatMap((f) => [...readFileSync(join(srcDir, f), 'utf8').matchAll(/case ES_JOB_[A-Z_]+: return "([a-z]+)";/g)].map((m) => m[1]));
    const wm = {
        names, namespace: define('ES_METRICS_DEFAULT_NAMESPACE'), queueDim: define('ES_METRICS_DIM_QUEUE'),
        outcomeDim: define('ES_METRICS_DIM_OUTCOME'), byOutcome: ids[byOutcomeId], outcomes: [...new Set(outcomes)],
    };
    const missing = Object.entries(wm).filter(([, v]) => !v || (typeof v === 'object' && !Object.keys(v).length)).map(([k]) => k);
    if (missing.length || Object.keys(names).length < 5) throw new Error(`could not read ${missing.join(', ') || 'the metric list'} from ${header} / ${srcDir}`);
    return wm;
}

// Every metric the module reads: { where, namespace, name, dims: {k: v}, stat, id } and expressions { where, expression, ids }.
export function metricReferences(w) {
    const refs = [], exprs = [];
    const body = JSON.parse(w.aws_cloudwatch_dashboard.this.dashboard_body);
    for (const [i, widget] of (body.widgets || []).entries()) {
        const p = widget.properties || {};
        for (const entry of p.metrics || []) {
            const where = `dashboard widget ${i} "${p.title}"`;
            const opts = entry.find((e) => typeof e === 'object') || {};
            if (opts.expression) { exprs.push({ where, expression: opts.expression, ids: p.metrics.map((e) => e.find((x) => typeof x === 'object')?.id).filter(Boolean) }); continue; }
            const [namespace, name, ...rest] = entry.filter((e) => typeof e !== 'object');
            const dims = {};
            for (let k = 0; k + 1 < rest.length; k += 2) dims[rest[k]] = rest[k + 1];
            if (rest.length % 2) refs.push({ where, namespace, name, dims, bad: `odd dimension list ${JSON.stringify(rest)}` });
            else refs.push({ where, namespace, name, dims, stat: opts.stat || p.stat, id: opts.id });
        }
    }
    for (const [key, r] of Object.entries(w.aws_cloudwatch_metric_alarm || {})) {
        // count: an array of instances; for_each: an object of them; neither: the instance itself
        const instances = Array.isArray(r) ? r : 'alarm_name' in r ? [r] : Object.values(r);
        for (const a of instances) {
            const where = `alarm ${a.alarm_name || key}`;
            if (a.metric_name) refs.push({ where, namespace: a.namespace, name: a.metric_name, dims: a.dimensions || {}, stat: a.statistic || a.extended_statistic });
            for (const q of a.metric_query || []) {
                if (q.expression) exprs.push({ where, expression: q.expression, ids: (a.metric_query || []).map((x) => x.id), returns: q.return_data });
                for (const mm of q.metric || []) refs.push({ where, namespace: mm.namespace, name: mm.metric_name, dims: mm.dimensions || {}, stat: mm.stat, id: q.id, period: mm.period });
            }
        }
    }
    return { refs, exprs };
}

const containerEnv = (w) => Object.fromEntries((JSON.parse(w.aws_ecs_task_definition.worker[0].container_definitions)[0].environment || []).map((e) => [e.name, e.value]));

// Problems with the references of world w against the worker's metrics wm.
function referenceProblems(w, wm) {
    const out = [];
    const ns = w.var.metrics_namespace, queue = w.aws_sqs_queue.events.name;
    const queues = [w.aws_sqs_queue.events.name, w.aws_sqs_queue.events_dlq.name, w.aws_sqs_queue.reports.name];
    const { refs, exprs } = metricReferences(w);
    for (const r of refs) {
        const at = `${r.where}: ${r.namespace} ${r.name}`;
        if (r.bad) out.push(`${at}: ${r.bad}`);
        else if (r.namespace === 'AWS/SQS') {
            if (JSON.stringify(Object.keys(r.dims)) !== '["QueueName"]' || !queues.includes(r.dims.QueueName)) out.push(`${at}: dimensions ${JSON.stringify(r.dims)} name no queue of the module`);
        } else if (r.namespace !== ns) {
            out.push(`${at}: namespace is neither metrics_namespace ("${ns}") nor AWS/SQS`);
        } else {
            if (!(r.name in wm.names)) out.push(`${at}: the worker emits no such metric (src/worker/metrics.h has ${Object.keys(wm.names).join(', ')})`);
            const keys = Object.keys(r.dims).sort();
            const byOutcome = JSON.stringify(keys) === JSON.stringify([wm.outcomeDim, wm.queueDim].sort());
            if (!(JSON.stringify(keys) === JSON.stringify([wm.queueDim]) || (byOutcome && r.name === wm.byOutcome))) out.push(`${at}: dimensions ${JSON.stringify(keys)}; the worker publishes [${wm.queueDim}] (and [${wm.queueDim}, ${wm.outcomeDim}] for ${wm.byOutcome} only)`);
            if (r.dims[wm.queueDim] !== undefined && r.dims[wm.queueDim] !== queue) out.push(`${at}: ${wm.queueDim}=${r.dims[wm.queueDim]}, the worker's queue is ${queue}`);
            if (byOutcome && !wm.outcomes.includes(r.dims[wm.outcomeDim])) out.push(`${at}: ${wm.outcomeDim}=${r.dims[wm.outcomeDim]} is not an outcome (${wm.outcomes.join(', ')})`);
        }
        if (r.stat && !/^(Sum|Average|Minimum|Maximum|SampleCount|p\d{1,2}(\.\d+)?)$/.test(r.stat)) out.push(`${at}: statistic ${r.stat}`);
    }
    for (const e of exprs) {
        // Identifiers not followed by "(" (IF(...) and the like are functions).
        const used = [...e.expression.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(\()?/g)].filter((x) => !x[2]).map((x) => x[1]);
        for (const id of used) if (!e.ids.includes(id)) out.push(`${e.where}: expression "${e.expression}" uses ${id}, which is no metric id there`);
    }
    return { out, refs, exprs };
}

// Evaluates a metric-math expression of numbers, ids, + - * / ( ), comparisons
// and IF(condition, a, b) with the given values (one data point per id).
function evalMath(expression, values) {
    if (!/^[A-Za-z0-9_ .,+\-*/()<>=!]+$/.test(expression)) throw new Error(`expression "${expression}" uses more than + - * / ( ), comparisons and IF`);
    const js = expression.replace(/[A-Za-z_][A-Za-z0-9_]*/g, (id) => (id === 'IF' ? 'IF' : id in values ? `(${values[id]})` : 'NaN'));
    return Function('IF', `"use strict"; return (${js});`)((c, a, b) => (c ? a : b));
}

// Each check: [name, fn(model) -> list of problems].
export function metricsChecks(header, srcDir) {
    return [
        ['metrics: the dashboard and the alarms use only metrics, dimensions and outcomes the worker emits (src/worker/metrics.h)', (m) => {
            const wm = workerMetrics(header, srcDir);
            const out = [];
            for (const vars of [{}, { metrics_namespace: 'Team/photos prod' }]) {
                const w = world(m, vars);
                const { out: problems, refs } = referenceProblems(w, wm);
                out.push(...problems.map((p) => (vars.metrics_namespace ? `metrics_namespace="${vars.metrics_namespace}": ${p}` : p)));
                const shown = (name, extra = () => true) => refs.some((r) => r.namespace === w.var.metrics_namespace && r.name === name && r.where.startsWith('dashboard') && extra(r));
                for (const name of ['JobsDone', 'JobsSkipped', 'JobsGone', 'JobsRefused', 'JobsRetried', 'JobsDeleted', 'BytesIn', 'BytesOut', 'BytesRemoved', 'QueueWait']) if (!shown(name)) out.push(`the dashboard does not show ${name}`);
                for (const p of ['p50', 'p99']) if (!shown(wm.byOutcome, (r) => r.stat === p && r.dims[wm.outcomeDim] === 'stripped')) out.push(`the dashboard does not show the ${p} of ${wm.byOutcome} of stripped jobs`);
                const sqs = (metric, queue) => refs.some((r) => r.namespace === 'AWS/SQS' && r.name === metric && r.dims.QueueName === queue && r.where.startsWith('dashboard'));
                if (!sqs('ApproximateAgeOfOldestMessage', w.aws_sqs_queue.events.name)) out.push('the dashboard does not show the event queue\'s age');
                if (!sqs('ApproximateNumberOfMessagesVisible', w.aws_sqs_queue.events_dlq.name)) out.push('the dashboard does not show the dead-letter queue\'s depth');
                if (containerEnv(w).EXIFSTRIP_METRICS_NAMESPACE !== w.var.metrics_namespace) out.push(`EXIFSTRIP_METRICS_NAMESPACE=${containerEnv(w).EXIFSTRIP_METRICS_NAMESPACE}, the dashboard reads ${w.var.metrics_namespace}`);
            }
            return out;
        }],
        ['metrics: namespace default is the worker\'s; EXIFSTRIP_METRICS follows metrics; no worker widgets nor refusal alarm when the worker writes no EMF (off, text logs)', (m) => {
            const wm = workerMetrics(header, srcDir);
            const out = [];
            const d = world(m);
            if (d.var.metrics_namespace !== wm.namespace) out.push(`metrics_namespace defaults to "${d.var.metrics_namespace}", the worker to "${wm.namespace}"`);
            if (containerEnv(d).EXIFSTRIP_METRICS !== 'emf' || d.aws_cloudwatch_metric_alarm.refusal_rate.length !== 1) out.push('by default: EXIFSTRIP_METRICS is not emf or there is no refusal-rate alarm');
            for (const vars of [{ metrics: 'off' }, { log_format: 'text' }]) {
                const w = world(m, vars);
                const tag = JSON.stringify(vars);
                if (vars.metrics && containerEnv(w).EXIFSTRIP_METRICS !== 'off') out.push(`${tag}: EXIFSTRIP_METRICS=${containerEnv(w).EXIFSTRIP_METRICS}`);
                if (w.aws_cloudwatch_metric_alarm.refusal_rate.length) out.push(`${tag}: a refusal-rate alarm on metrics nobody writes`);
                const { refs } = metricReferences(w);
                if (refs.some((r) => r.namespace === w.var.metrics_namespace)) out.push(`${tag}: the dashboard shows worker metrics nobody writes`);
                if (!refs.some((r) => r.namespace === 'AWS/SQS')) out.push(`${tag}: the dashboard lost the queue widgets`);
            }
            return out;
        }],
        ['metrics: refusal-rate alarm = 100 * refused / (done + refused) per period (0 below min_jobs), threshold, period and actions from variables', (m) => {
            const out = [];
            const topic = 'arn:aws:sns:eu-west-1:123456789012:exifstrip-alarms';
            const w = world(m, { refusal_rate_alarm_percent: 25, refusal_rate_alarm_period_seconds: 600, refusal_rate_alarm_min_jobs: 4, alarm_actions: [topic] });
            const a = w.aws_cloudwatch_metric_alarm.refusal_rate[0];
            if (!a) return ['no refusal-rate alarm'];
            const returned = a.metric_query.filter((q) => q.return_data);
            if (returned.length !== 1 || !returned[0].expression) return ['the alarm does not return exactly one expression'];
            const byName = Object.fromEntries(a.metric_query.filter((q) => q.metric).map((q) => [q.metric[0].metric_name, q]));
            if (!byName.JobsRefused || !byName.JobsDone) return ['the alarm does not read JobsRefused and JobsDone'];
            const rate = (refused, done) => evalMath(returned[0].expression, { [byName.JobsRefused.id]: refused, [byName.JobsDone.id]: done });
            for (const [refused, done, want] of [[1, 3, 25], [0, 9, 0], [5, 0, 100], [2, 98, 2], [1, 2, 0], [3, 0, 0]]) {
                const got = rate(refused, done);
                if (Math.abs(got - want) > 1e-9) out.push(`${refused} refused, ${done} done: the expression gives ${got}, expected ${want} (%)`);
            }
            for (const q of Object.values(byName)) {
                if (q.metric[0].stat !== 'Sum') out.push(`${q.metric[0].metric_name}: stat ${q.metric[0].stat}, expected Sum`);
                if (q.metric[0].period !== 600) out.push(`${q.metric[0].metric_name}: period ${q.metric[0].period} after refusal_rate_alarm_period_seconds = 600`);
            }
            if (a.threshold !== 25 || a.comparison_operator !== 'GreaterThanThreshold') out.push(`threshold ${a.comparison_operator} ${a.threshold} after refusal_rate_alarm_percent = 25`);
            if (!a.alarm_actions.includes(topic) || !a.ok_actions.includes(topic)) out.push('alarm_actions do not reach the alarm');
            if (a.treat_missing_data !== 'notBreaching') out.push(`treat_missing_data ${a.treat_missing_data}: periods without jobs must not alarm`);
            return out;
        }],
    ];
}
