// load.mjs - reads a Terraform module directory: parses every .tf file with
// @cdktf/hcl2json (syntax errors are reported per file) and merges the files
// into one model of variables, locals, resources, data sources, outputs,
// modules, providers and terraform blocks, reporting duplicate names.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from '@cdktf/hcl2json';

export async function loadModule(dir, root = dir) {
    const model = {
        dir, name: relative(root, dir) || '.', files: [], errors: [],
        variable: {}, locals: {}, resource: {}, data: {}, output: {}, module: {}, provider: {}, terraform: [],
    };
    const add = (kind, key, entry) => {
        if (model[kind][key]) model.errors.push(`${entry.file}: duplicate ${kind} "${key}" (first in ${model[kind][key].file})`);
        else model[kind][key] = entry;
    };
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.tf')).sort()) {
        const file = join(model.name, f);
        let json;
        try {
            json = await parse(file, readFileSync(join(dir, f), 'utf8'));
        } catch (e) {
            model.errors.push(`${file}: ${String(e.message || e).replace(/^parse config: /, '')}`);
            continue;
        }
        model.files.push(file);
        for (const [name, bodies] of Object.entries(json.variable || {})) for (const body of bodies) add('variable', name, { file, name, body });
        for (const block of json.locals || []) for (const [name, expr] of Object.entries(block)) add('locals', name, { file, name, expr });
        for (const kind of ['resource', 'data']) {
            for (const [type, byName] of Object.entries(json[kind] || {})) {
                for (const [name, bodies] of Object.entries(byName)) {
                    for (const body of bodies) add(kind, `${type}.${name}`, { file, type, name, body });
                }
            }
        }
        for (const [name, bodies] of Object.entries(json.output || {})) for (const body of bodies) add('output', name, { file, name, body });
        for (const [name, bodies] of Object.entries(json.module || {})) for (const body of bodies) add('module', name, { file, name, body });
        for (const [name, bodies] of Object.entries(json.provider || {})) {
            for (const body of bodies) {
                const key = body.alias ? `${name}.${body.alias}` : name;
                add('provider', key, { file, name, body });
            }
        }
        for (const body of json.terraform || []) model.terraform.push({ file, body });
    }
    return model;
}

// Every directory holding a module: the root and each example.
export function moduleDirs(tfRoot) {
    const dirs = [tfRoot];
    let examples = [];
    try { examples = readdirSync(join(tfRoot, 'examples'), { withFileTypes: true }).filter((d) => d.isDirectory()); } catch { /* none */ }
    for (const d of examples.sort((a, b) => a.name.localeCompare(b.name))) dirs.push(join(tfRoot, 'examples', d.name));
    return dirs;
}
