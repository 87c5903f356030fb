// extract-schema.mjs - builds aws-provider-schema.json.gz, the compact AWS provider
// schema the Terraform checker validates terraform/ against, from the .jsii type
// manifest inside @cdktf/provider-aws (the provider's own schema turned into jsii
// types). Run it only to move to another provider version:
//   node extract-schema.mjs [@cdktf/provider-aws version]   (downloads with `npm pack`)
//   node extract-schema.mjs --jsii path/to/.jsii
// Output, per resource and data source type:
//   { a: {argument: 1 required | 0 optional}, c: [computed-only attributes],
//     b: {block: {r: 1 if required, m: 1 if at most one, a, c, b: nested ...}} }
// and provider_config, the same for the provider block.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const DEFAULT_VERSION = '21.22.1';

function loadJsii(args) {
    if (args[0] === '--jsii') return JSON.parse(readFileSync(args[1], 'utf8'));
    const version = args[0] || DEFAULT_VERSION;
    const dir = mkdtempSync(join(tmpdir(), 'exifstrip-provider-aws-'));
    try {
        const tgz = execFileSync('npm', ['pack', '--silent', `@cdktf/provider-aws@${version}`], { cwd: dir, encoding: 'utf8' }).trim();
        execFileSync('tar', ['xzf', tgz, 'package/.jsii'], { cwd: dir });
        return JSON.parse(readFileSync(join(dir, 'package/.jsii'), 'utf8'));
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

const jsii = loadJsii(process.argv.slice(2));
const types = jsii.types;
const OWN = '@cdktf/provider-aws.';

// The Terraform name of a property: the anchor of its registry link ("...#bucket_prefix S3Bucket#...").
function tfName(prop) {
    const text = `${prop.docs?.summary || ''} ${prop.docs?.remarks || ''}`;
    const m = text.match(/#([a-z0-9_]+) [A-Za-z0-9]+#/);
    return m ? m[1] : snake(prop.name);
}
function snake(camel) {
    return camel.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}
// A block's struct type (and whether it is a single object rather than a list), or null for an attribute.
function blockType(type) {
    const options = type.union ? type.union.types : [type];
    for (const t of options) {
        if (t.fqn && t.fqn.startsWith(OWN) && types[t.fqn]?.datatype) return { fqn: t.fqn, single: true };
        const el = t.collection?.kind === 'array' && t.collection.elementtype;
        if (el?.fqn && el.fqn.startsWith(OWN) && types[el.fqn]?.datatype) return { fqn: el.fqn, single: false };
    }
    return null;
}
function allProperties(fqn) {
    const t = types[fqn];
    const props = [...(t.properties || [])];
    for (const parent of t.interfaces || []) if (parent.startsWith(OWN)) props.push(...allProperties(parent));
    return props;
}
function struct(fqn, depth = 0) {
    const out = { a: {} };
    for (const prop of allProperties(fqn)) {
        const name = tfName(prop);
        const block = depth < 12 && blockType(prop.type);
        if (block) {
            out.b ??= {};
            const nested = struct(block.fqn, depth + 1);
            if (!prop.optional) nested.r = 1;
            if (block.single) nested.m = 1;
            out.b[name] = nested;
        } else {
            out.a[name] = prop.optional ? 0 : 1;
        }
    }
    return out;
}
// Attributes only readable (id, arn, ...): getters of the class that are not configuration.
function computed(cls, config) {
    const known = new Set([...Object.keys(config.a), ...Object.keys(config.b || {})]);
    const names = [];
    for (const p of cls.properties || []) {
        if (p.static || p.name.endsWith('Input')) continue;
        const n = snake(p.name);
        if (!known.has(n)) names.push(n);
    }
    return names.sort();
}

const schema = { provider: 'registry.terraform.io/hashicorp/aws', version: null, source: `${jsii.name}@${jsii.version}`, resource: {}, data: {} };
for (const [fqn, cls] of Object.entries(types)) {
    if (cls.kind !== 'class' || !['cdktf.TerraformResource', 'cdktf.TerraformDataSource'].includes(cls.base)) continue;
    const m = (cls.docs?.summary || '').match(/hashicorp\/aws\/([0-9.]+)\/docs\/(resources|data-sources)\/[a-z0-9_]+ (aws_[a-z0-9_]+)\}/);
    if (!m) continue;
    schema.version = m[1];
    const configFqn = cls.initializer?.parameters?.find((p) => p.name === 'config')?.type?.fqn;
    if (!configFqn) continue;
    const config = struct(configFqn);
    // cdktf's meta-arguments (count, for_each, provider, lifecycle, depends_on, connection, provisioners) are not the provider's.
    for (const meta of ['connection', 'count', 'depends_on', 'for_each', 'lifecycle', 'provider', 'provisioners']) delete config.a[meta];
    const c = computed(cls, config);
    if (c.length) config.c = c;
    schema[m[2] === 'resources' ? 'resource' : 'data'][m[3]] = config;
}
// The provider block itself (endpoints, skip flags, default_tags ...).
const providerClass = Object.values(types).find((c) => c.kind === 'class' && c.base === 'cdktf.TerraformProvider' && c.fqn.startsWith(OWN));
schema.provider_config = struct(providerClass.initializer.parameters.find((p) => p.name === 'config').type.fqn);
delete schema.provider_config.a.alias;
const json = JSON.stringify(schema);
const out = join(here, 'aws-provider-schema.json.gz');
writeFileSync(out, gzipSync(json, { level: 9 }));
console.log(`${out}: hashicorp/aws ${schema.version} from ${schema.source}: ` +
    `${Object.keys(schema.resource).length} resources, ${Object.keys(schema.data).length} data sources, ${json.length} bytes of JSON`);
