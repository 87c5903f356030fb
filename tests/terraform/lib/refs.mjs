// refs.mjs - every reference in every expression must name something declared:
// var.X, local.X, module.X, data.T.N and T.N (resources), each.* only under
// for_each, count.* only under count, dynamic-block iterators only inside
// their content; and an attribute read from a resource or data source of a
// known type must exist in the provider schema.
import { getReferencesInExpression } from '@cdktf/hcl2json';
import { attributeNames } from './schema.mjs';

const stripQuotes = (p) => p.replace(/^"(.*)"$/, '$1');
const isIndex = (p) => /^[0-9]+$/.test(p) || /^".*"$/.test(p) || p === '*';

async function* strings(value, ctx) {
    if (typeof value === 'string') { if (value.includes('${')) yield { expr: value, ctx }; return; }
    if (Array.isArray(value)) { for (const v of value) yield* strings(v, ctx); return; }
    if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) {
            if (k === 'dynamic') {
                for (const [name, dyns] of Object.entries(v)) {
                    for (const d of dyns) {
                        const iter = d.iterator ? String(d.iterator).replace(/^\$\{|\}$/g, '') : name;
                        yield* strings(d.for_each, ctx);
                        yield* strings(d.content, { ...ctx, iterators: [...ctx.iterators, iter] });
                    }
                }
                continue;
            }
            yield* strings(v, ctx);
        }
    }
}

export async function checkReferences(model, schema) {
    const errors = [];
    let count = 0;
    const units = [];
    for (const v of Object.values(model.variable)) {
        const { type, ...rest } = v.body; // type constraints are not references
        units.push({ where: `${v.file}: variable.${v.name}`, value: rest, ctx: { self: `var.${v.name}` } });
    }
    for (const l of Object.values(model.locals)) units.push({ where: `${l.file}: local.${l.name}`, value: l.expr, ctx: {} });
    for (const kind of ['resource', 'data']) {
        for (const e of Object.values(model[kind])) {
            const { lifecycle, ...rest } = e.body;
            units.push({ where: `${e.file}: ${kind === 'data' ? 'data.' : ''}${e.type}.${e.name}`, value: rest, ctx: { each: 'for_each' in e.body, count: 'count' in e.body } });
            // ignore_changes lists attribute names, not references; conditions are expressions.
            for (const lc of lifecycle || []) {
                // self (the resource's own attributes) is valid in its postconditions only
                for (const k of ['precondition', 'postcondition']) units.push({ where: `${e.file}: ${e.type}.${e.name} lifecycle`, value: lc[k] || [], ctx: { each: 'for_each' in e.body, count: 'count' in e.body, selfType: k === 'postcondition' && kind === 'resource' ? e.type : undefined } });
            }
        }
    }
    for (const o of Object.values(model.output)) units.push({ where: `${o.file}: output.${o.name}`, value: o.body, ctx: {} });
    for (const m of Object.values(model.module)) units.push({ where: `${m.file}: module.${m.name}`, value: m.body, ctx: {} });
    for (const p of Object.values(model.provider)) units.push({ where: `${p.file}: provider.${p.name}`, value: p.body, ctx: {} });

    for (const u of units) {
        for await (const { expr, ctx } of strings(u.value, { iterators: [], ...u.ctx })) {
            let refs;
            try { refs = await getReferencesInExpression(u.where, expr); } catch (e) { errors.push(`${u.where}: cannot parse ${expr}: ${e.message}`); continue; }
            for (const r of refs) {
                count++;
                const msg = resolve(model, schema, r.value.split('.'), ctx);
                if (msg) errors.push(`${u.where}: ${r.value.replace(/\."([^"]*)"/g, '["$1"]')}: ${msg}`);
            }
        }
    }
    return { errors, count };
}

function checkAttr(schema, kind, type, rest) {
    let i = 0;
    while (i < rest.length && isIndex(rest[i])) i++;
    if (i >= rest.length) return null;
    const names = attributeNames(schema, kind, type);
    if (names && !names.has(rest[i]) && rest[i] !== 'id') return `${type} has no attribute "${rest[i]}"`;
    return null;
}

function resolve(model, schema, parts, ctx) {
    const [head, a, b] = parts;
    switch (head) {
        case 'var': return model.variable[a] ? null : `undeclared variable "${a}"`;
        case 'local': return model.locals[a] ? null : `undeclared local "${a}"`;
        case 'module': return model.module[a] ? null : `undeclared module "${a}"`;
        case 'each': return ctx.each ? (['key', 'value'].includes(a) ? null : `each has no "${a}"`) : 'each.* outside a for_each resource';
        case 'count': return ctx.count ? (a === 'index' ? null : `count has no "${a}"`) : 'count.* outside a counted resource';
        case 'path': return ['module', 'root', 'cwd'].includes(a) ? null : `unknown path.${a}`;
        case 'terraform': return a === 'workspace' ? null : `unknown terraform.${a}`;
        case 'self': return ctx.selfType ? checkAttr(schema, 'resource', ctx.selfType, parts.slice(1)) : 'self is only valid in provisioners and postconditions';
        case 'data': {
            if (!model.data[`${a}.${stripQuotes(b ?? '')}`]) return `undeclared data source "${a}.${b}"`;
            return checkAttr(schema, 'data', a, parts.slice(3));
        }
        default: {
            if (ctx.iterators?.includes(head)) return ['key', 'value'].includes(a) ? null : `iterator ${head} has no "${a}"`;
            if (!a) return `unknown name "${head}"`;
            if (!model.resource[`${head}.${a}`]) return `undeclared resource "${head}.${a}"`;
            return checkAttr(schema, 'resource', head, parts.slice(2));
        }
    }
}
