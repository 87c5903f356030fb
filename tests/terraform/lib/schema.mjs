// schema.mjs - the AWS provider schema extracted by extract-schema.mjs, and the
// check of every resource, data source and provider block against it:
// known types, known arguments and nested blocks, no read-only attributes set,
// required arguments and blocks present, single blocks not repeated.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
export function loadSchema(path = join(here, '..', 'aws-provider-schema.json.gz')) {
    return JSON.parse(gunzipSync(readFileSync(path)).toString('utf8'));
}

const META = { resource: ['count', 'for_each', 'provider', 'depends_on', 'lifecycle', 'provisioner', 'connection'], data: ['count', 'for_each', 'provider', 'depends_on', 'lifecycle'] };

// A block-typed value from hcl2json: a list of objects (one per block).
const isBlockList = (v) => Array.isArray(v) && v.every((b) => b && typeof b === 'object' && !Array.isArray(b));

function checkBody(body, sch, where, errors, meta = []) {
    const present = new Set();
    for (const [key, value] of Object.entries(body)) {
        if (meta.includes(key)) continue;
        if (key === 'dynamic') {
            for (const [name, dyns] of Object.entries(value)) {
                const b = sch.b?.[name];
                if (!b) { errors.push(`${where}: dynamic "${name}": no such block`); continue; }
                present.add(name);
                for (const d of dyns) {
                    for (const k of Object.keys(d)) if (!['for_each', 'iterator', 'labels', 'content'].includes(k)) errors.push(`${where}: dynamic "${name}": unknown argument ${k}`);
                    if (!('for_each' in d)) errors.push(`${where}: dynamic "${name}": for_each is required`);
                    for (const c of d.content || []) checkBody(c, b, `${where}.${name}`, errors);
                }
            }
            continue;
        }
        present.add(key);
        if (key in (sch.a || {})) continue;
        if (sch.b && key in sch.b) {
            const b = sch.b[key];
            if (!isBlockList(value)) { errors.push(`${where}: ${key} is a block, not an argument`); continue; }
            if (b.m && value.length > 1) errors.push(`${where}: at most one ${key} block is allowed, found ${value.length}`);
            value.forEach((v) => checkBody(v, b, `${where}.${key}`, errors));
            continue;
        }
        if ((sch.c || []).includes(key)) errors.push(`${where}: ${key} is read-only (computed by the provider)`);
        else errors.push(`${where}: unknown argument or block "${key}"`);
    }
    for (const [k, req] of Object.entries(sch.a || {})) if (req && !present.has(k)) errors.push(`${where}: missing required argument "${k}"`);
    for (const [k, b] of Object.entries(sch.b || {})) if (b.r && !present.has(k)) errors.push(`${where}: missing required block "${k}"`);
}

export function checkAgainstSchema(model, schema) {
    const errors = [];
    let checked = 0;
    for (const kind of ['resource', 'data']) {
        for (const e of Object.values(model[kind])) {
            const where = `${e.file}: ${kind === 'data' ? 'data.' : ''}${e.type}.${e.name}`;
            if (!e.type.startsWith('aws_')) { errors.push(`${where}: type ${e.type} is not from the AWS provider (the only provider the module may use)`); continue; }
            const sch = schema[kind][e.type];
            if (!sch) { errors.push(`${where}: unknown ${kind === 'data' ? 'data source' : 'resource'} type ${e.type} in hashicorp/aws ${schema.version}`); continue; }
            checkBody(e.body, sch, where, errors, META[kind]);
            checked++;
        }
    }
    for (const e of Object.values(model.provider)) {
        const where = `${e.file}: provider "${e.name}"`;
        if (e.name !== 'aws') { errors.push(`${where}: only the aws provider is used`); continue; }
        checkBody(e.body, schema.provider_config, where, errors, ['alias']);
        checked++;
    }
    return { errors, checked };
}

// All attribute names an expression may read from an instance of the type.
export function attributeNames(schema, kind, type) {
    const s = schema[kind][type];
    if (!s) return null;
    return new Set([...Object.keys(s.a || {}), ...Object.keys(s.b || {}), ...(s.c || [])]);
}
