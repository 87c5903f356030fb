// world.mjs - a simulated plan of one module: given variable values, it
// evaluates locals, for_each/count instances, arguments (dynamic blocks of
// resources expanded) and policy documents
// lazily with expr.mjs. Attributes only AWS knows after apply (ARNs, URLs, ids)
// get example values built from the resource's own arguments, so rendered
// policies carry realistic ARNs (account 123456789012, region eu-west-1).
import { evaluate, EvalError } from './expr.mjs';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';

function lazy(obj, key, fn) {
    let state = 0, value;
    Object.defineProperty(obj, key, {
        enumerable: true,
        get() {
            if (state === 2) return value;
            if (state === 1) throw new EvalError(`cycle while evaluating ${key}`);
            state = 1;
            try { value = fn(); state = 2; return value; } finally { if (state === 1) state = 0; }
        },
    });
}

// Example values of computed attributes, per resource type (self = the instance).
const arnOf = (service, rest) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${rest}`;
const COMPUTED = {
    aws_s3_bucket: (s) => {
        const bucket = () => s.bucket ?? `${s.bucket_prefix}20250101000000000000000001`;
        return { bucket, id: bucket, arn: () => `arn:aws:s3:::${bucket()}` };
    },
    aws_sqs_queue: (s) => ({
        arn: () => arnOf('sqs', s.name),
        url: () => `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${s.name}`,
        id: () => `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${s.name}`,
    }),
    aws_ecr_repository: (s) => ({
        arn: () => arnOf('ecr', `repository/${s.name}`),
        repository_url: () => `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${s.name}`,
    }),
    aws_cloudwatch_log_group: (s) => ({ arn: () => arnOf('logs', `log-group:${s.name}`) }),
    aws_iam_role: (s) => ({ arn: () => `arn:aws:iam::${ACCOUNT}:role/${s.name}`, id: () => s.name }),
    aws_iam_policy: (s) => ({ arn: () => `arn:aws:iam::${ACCOUNT}:policy/${s.name}`, id: () => `arn:aws:iam::${ACCOUNT}:policy/${s.name}` }),
    aws_iam_user: (s) => ({ arn: () => `arn:aws:iam::${ACCOUNT}:user/${s.name}`, id: () => s.name }),
    aws_iam_group: (s) => ({ arn: () => `arn:aws:iam::${ACCOUNT}:group/${s.name}`, id: () => s.name }),
    aws_ecs_cluster: (s) => ({ arn: () => arnOf('ecs', `cluster/${s.name}`), id: () => arnOf('ecs', `cluster/${s.name}`) }),
    aws_ecs_service: (s) => ({ id: () => arnOf('ecs', `service/${s.name}`) }),
    aws_ecs_task_definition: (s) => ({ arn: () => arnOf('ecs', `task-definition/${s.family}:1`) }),
    aws_appautoscaling_policy: (s) => ({ arn: () => arnOf('autoscaling', `scalingPolicy:example:resource/${s.name}`) }),
    aws_security_group: () => ({ id: () => 'sg-0123456789abcdef0' }),
    aws_iam_access_key: () => ({ id: () => 'AKIAEXAMPLEEXAMPLE00', encrypted_secret: () => 'wcBMA...' }),
    aws_vpc: () => ({ id: () => 'vpc-0123456789abcdef0' }),
    aws_subnet: () => ({ id: () => 'subnet-0123456789abcdef0' }),
    aws_route_table: () => ({ id: () => 'rtb-0123456789abcdef0' }),
};
const DATA = {
    aws_caller_identity: () => ({ account_id: () => ACCOUNT, arn: () => `arn:aws:iam::${ACCOUNT}:user/terraform` }),
    aws_partition: () => ({ partition: () => 'aws', dns_suffix: () => 'amazonaws.com' }),
    aws_region: () => ({ region: () => REGION, name: () => REGION }),
    aws_availability_zones: () => ({ names: () => [`${REGION}a`, `${REGION}b`, `${REGION}c`] }),
};

export function makeWorld(model, vars = {}, { renderPolicyDocument } = {}) {
    const scope = { path: { module: '.', root: '.' }, terraform: { workspace: 'default' } };
    scope.var = {};
    for (const [name, v] of Object.entries(model.variable)) {
        lazy(scope.var, name, () => {
            if (name in vars) return vars[name];
            if (!('default' in v.body)) throw new EvalError(`variable ${name} has no default and no test value`);
            return evaluate(v.body.default, {});
        });
    }
    scope.local = {};
    for (const [name, l] of Object.entries(model.locals)) lazy(scope.local, name, () => evaluate(l.expr, scope));

    const instance = (kind, e, extra) => {
        const inner = Object.assign(Object.create(scope), extra);
        const self = {};
        const dynamic = kind === 'resource' ? e.body.dynamic || {} : {};
        for (const [k, v] of Object.entries(e.body)) {
            if (['count', 'for_each', 'depends_on', 'lifecycle', 'provider', 'dynamic'].includes(k) || k in dynamic) continue;
            lazy(self, k, () => evaluate(v, inner));
        }
        // A resource's dynamic blocks are expanded after its literal blocks of the same name.
        for (const [block, specs] of Object.entries(dynamic)) {
            lazy(self, block, () => [...(block in e.body ? evaluate(e.body[block], inner) : []), ...specs.flatMap((spec) => {
                const name = spec.iterator ? evaluate(spec.iterator, {}) : block;
                const coll = evaluate(spec.for_each, inner);
                const items = Array.isArray(coll) ? coll.map((v, i) => [i, v]) : Object.entries(coll);
                return items.flatMap(([key, value]) => (spec.content || []).map((c) => evaluate(c, Object.assign(Object.create(inner), { [name]: { key, value } }))));
            })]);
        }
        const gen = (kind === 'data' ? DATA : COMPUTED)[e.type];
        const computed = gen ? gen(self) : {};
        if (kind === 'data' && e.type === 'aws_iam_policy_document') computed.json = () => JSON.stringify(renderPolicyDocument(e.body, inner));
        for (const [k, fn] of Object.entries(computed)) if (!Object.getOwnPropertyDescriptor(self, k)) lazy(self, k, fn);
        if (!('id' in self)) lazy(self, 'id', () => `${e.type}-${e.name}-example-id`);
        if (kind === 'resource' && !('arn' in self)) lazy(self, 'arn', () => arnOf(e.type.replace(/^aws_/, '').split('_')[0], `${e.name}`));
        return self;
    };
    const instances = (kind, e) => {
        if ('for_each' in e.body) {
            let coll = evaluate(e.body.for_each, scope);
            if (Array.isArray(coll)) coll = Object.fromEntries(coll.map((v) => [v, v]));
            const out = {};
            for (const [key, value] of Object.entries(coll)) lazy(out, key, () => instance(kind, e, { each: { key, value } }));
            return out;
        }
        if ('count' in e.body) {
            const n = evaluate(e.body.count, scope);
            const out = [];
            for (let i = 0; i < n; i++) out.push(instance(kind, e, { count: { index: i } }));
            return out;
        }
        return instance(kind, e, {});
    };
    scope.data = {};
    for (const kind of ['resource', 'data']) {
        for (const e of Object.values(model[kind])) {
            const holder = kind === 'data' ? (scope.data[e.type] ??= {}) : (scope[e.type] ??= {});
            lazy(holder, e.name, () => instances(kind, e));
        }
    }
    return scope;
}
