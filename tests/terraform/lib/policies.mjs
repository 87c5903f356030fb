// policies.mjs - renders aws_iam_policy_document data sources to IAM JSON the
// way the provider does (statement/principals/condition blocks, dynamic
// statements), and finds every IAM policy the module hands to AWS.
import { evaluate, EvalError } from './expr.mjs';

const asList = (v) => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

function renderStatement(st, scope) {
    const v = (k) => (k in st ? evaluate(st[k], scope) : undefined);
    const out = { Effect: v('effect') ?? 'Allow' };
    if (v('sid')) out.Sid = v('sid');
    for (const [tf, json] of [['actions', 'Action'], ['not_actions', 'NotAction'], ['resources', 'Resource'], ['not_resources', 'NotResource']]) {
        if (v(tf) !== undefined) out[json] = asList(v(tf));
    }
    for (const [tf, json] of [['principals', 'Principal'], ['not_principals', 'NotPrincipal']]) {
        for (const p of st[tf] || []) {
            const type = evaluate(p.type, scope), ids = asList(evaluate(p.identifiers, scope));
            if (type === '*' && ids.length === 1 && ids[0] === '*') { out[json] = '*'; continue; }
            out[json] ??= {};
            if (typeof out[json] === 'string') throw new EvalError('"*" principal mixed with others');
            out[json][type] = [...(out[json][type] || []), ...ids];
        }
    }
    for (const c of st.condition || []) {
        const test = evaluate(c.test, scope), variable = evaluate(c.variable, scope);
        out.Condition ??= {};
        out.Condition[test] ??= {};
        out.Condition[test][variable] = [...(out.Condition[test][variable] || []), ...asList(evaluate(c.values, scope))];
    }
    return out;
}

export function renderPolicyDocument(body, scope) {
    for (const k of ['source_policy_documents', 'override_policy_documents', 'source_json', 'override_json']) {
        if (k in body) throw new EvalError(`aws_iam_policy_document: ${k} is outside what the checker evaluates`);
    }
    const statements = [];
    for (const st of body.statement || []) statements.push(renderStatement(st, scope));
    for (const dyn of body.dynamic?.statement || []) {
        const name = dyn.iterator ? evaluate(dyn.iterator, {}) : 'statement';
        let coll = evaluate(dyn.for_each, scope);
        const items = Array.isArray(coll) ? coll.map((v, i) => [i, v]) : Object.entries(coll);
        for (const [key, value] of items) {
            const inner = Object.assign(Object.create(scope), { [name]: { key, value } });
            for (const c of dyn.content || []) statements.push(renderStatement(c, inner));
        }
    }
    return { Version: evaluate(body.version ?? '2012-10-17', scope), Statement: statements };
}

// Arguments that carry an IAM policy, per resource type.
export const POLICY_ARGUMENTS = {
    aws_iam_role: ['assume_role_policy'],
    aws_iam_role_policy: ['policy'],
    aws_iam_policy: ['policy'],
    aws_iam_user_policy: ['policy'],
    aws_iam_group_policy: ['policy'],
    aws_s3_bucket_policy: ['policy'],
    aws_sqs_queue_policy: ['policy'],
    aws_kms_key: ['policy'],
    aws_ecr_repository_policy: ['policy'],
};

// Every (address, argument, JSON) the module would send to AWS with the given world.
export function modulePolicies(model, world) {
    const out = [];
    for (const e of Object.values(model.resource)) {
        for (const arg of POLICY_ARGUMENTS[e.type] || []) {
            if (!(arg in e.body)) continue;
            const inst = world[e.type][e.name];
            const entries = Array.isArray(inst) ? inst.map((v, i) => [`[${i}]`, v]) : 'for_each' in e.body ? Object.entries(inst).map(([k, v]) => [`["${k}"]`, v]) : [['', inst]];
            for (const [suffix, i] of entries) out.push({ address: `${e.type}.${e.name}${suffix}`, arg, instance: i, policy: JSON.parse(i[arg]) });
        }
    }
    return out;
}
