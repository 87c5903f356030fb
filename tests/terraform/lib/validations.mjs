// validations.mjs - what `terraform plan` refuses for given variable values:
// every variable's validation blocks, then (when those pass, as Terraform
// stops there) the resources' lifecycle preconditions; and the check that the
// module refuses the settings the worker refuses at start (exit 78; bounds
// from src/worker/config.c) while it accepts the worker's limits themselves.
import { evaluate } from './expr.mjs';
import { world } from './flow.mjs';

// The error messages of the failing validations and preconditions ([] = accepted).
export function rejections(model, vars) {
    const w = world(model, vars);
    const out = [];
    for (const v of Object.values(model.variable)) {
        for (const val of v.body.validation || []) if (evaluate(val.condition, w) !== true) out.push(`${v.name}: ${evaluate(val.error_message, w)}`);
    }
    if (out.length) return out;
    for (const e of Object.values(model.resource)) {
        const preconditions = (e.body.lifecycle || []).flatMap((lc) => lc.precondition || []);
        if (!preconditions.length) continue;
        const scopes = 'for_each' in e.body ? Object.entries(evaluate(e.body.for_each, w)).map(([key, value]) => ({ each: { key, value } }))
            : 'count' in e.body ? Array.from({ length: evaluate(e.body.count, w) }, (_, index) => ({ count: { index } })) : [{}];
        for (const extra of scopes) {
            const scope = Object.assign(Object.create(w), extra);
            for (const p of preconditions) if (evaluate(p.condition, scope) !== true) out.push(`${e.type}.${e.name}: ${evaluate(p.error_message, scope)}`);
        }
    }
    return out;
}

const suffixes = (n, len = 4) => Array.from({ length: n }, (_, i) => `.${String(i).padStart(len - 1, 'x')}`);

// [variables, what must refuse them (a variable's or resource's name), or null: accepted].
const CASES = [
    [{}, null],
    [{ part_size: '5MiB' }, null], [{ part_size: '5GiB' }, null], [{ part_size: '5242880' }, null],
    [{ part_size: '1MiB' }, 'part_size'], [{ part_size: '4MiB' }, 'part_size'], [{ part_size: '5242879B' }, 'part_size'], [{ part_size: '5121MiB' }, 'part_size'],
    [{ max_object_bytes: '1' }, null], [{ max_object_bytes: '5120GiB', part_size: '1GiB' }, null],
    [{ max_object_bytes: '0' }, 'max_object_bytes'], [{ max_object_bytes: '5121GiB', part_size: '1GiB' }, 'max_object_bytes'],
    // At most 10000 parts of part_size.
    [{ max_object_bytes: '50000MiB', part_size: '5MiB' }, null],
    [{ max_object_bytes: '50001MiB', part_size: '5MiB' }, 'aws_ecs_task_definition.worker'], [{ max_object_bytes: '64GiB', part_size: '5MiB' }, 'aws_ecs_task_definition.worker'],
    [{ min_transfer_rate: '1' }, null], [{ min_transfer_rate: '1GiB' }, null],
    [{ min_transfer_rate: '0' }, 'min_transfer_rate'], [{ min_transfer_rate: '1073741825' }, 'min_transfer_rate'],
    [{ transform_memory: '1MiB' }, null], [{ transform_memory: '1024GiB' }, null], [{ transform_memory: 'auto' }, null],
    [{ transform_memory: 'Auto' }, null], [{ transform_memory: 'automatic' }, 'transform_memory'],
    [{ transform_memory: '512K' }, 'transform_memory'], [{ transform_memory: '1048575' }, 'transform_memory'], [{ transform_memory: '1025GiB' }, 'transform_memory'],
    [{ max_pixels: '1' }, null], [{ max_pixels: '9999999999999999999' }, null], [{ max_pixels: '9999999999999M' }, null],
    [{ max_pixels: '0' }, 'max_pixels'], [{ max_pixels: '99999999999999999999' }, 'max_pixels'], [{ max_pixels: '99999999999999M' }, 'max_pixels'],
    // The worker: a suffix of at most 31 bytes, at most 16 (lower-cased, distinct).
    [{ event_suffixes: suffixes(1, 31) }, null], [{ event_suffixes: suffixes(1, 32) }, 'event_suffixes'],
    // bytes, not characters: 15 two-byte characters after the dot are 31 bytes, 16 are 33
    [{ event_suffixes: [`.${'é'.repeat(15)}`] }, null], [{ event_suffixes: [`.${'é'.repeat(16)}`] }, 'event_suffixes'],
    [{ event_suffixes: [`.${'€'.repeat(10)}`] }, null], [{ event_suffixes: [`.${'€'.repeat(11)}`] }, 'event_suffixes'],
    [{ event_suffixes: [...suffixes(16), ...suffixes(16).map((s) => s.toUpperCase())] }, null], [{ event_suffixes: suffixes(17) }, 'event_suffixes'],
    // A removal of a key B does not hold yet is received twice (src/worker/propagate_delete.c).
    [{ propagate_deletes: true, max_receive_count: 2 }, null], [{ max_receive_count: 1 }, null],
    [{ propagate_deletes: true, max_receive_count: 1 }, 'aws_sqs_queue.events'],
];

export function workerLimitChecks() {
    return [['variable validations and preconditions refuse what the worker refuses at start (src/worker/config.c) and accept its limits', (m) => {
        const out = [];
        for (const [vars, by] of CASES) {
            const got = rejections(m, vars);
            if (by === null && got.length) out.push(`${JSON.stringify(vars)} refused: ${got.join('; ')}`);
            if (by !== null && !got.some((r) => r.startsWith(`${by}:`))) out.push(`${JSON.stringify(vars)} accepted${got.length ? ` (refused only by ${got.join('; ')})` : ''}, the worker refuses it`);
        }
        return out;
    }]];
}
