// sqs_receipts.mjs - AWS's receipt-handle validation, which fauxqs skips (it
// treats every unknown handle on delete as success): a handle that is not even
// of the form the queue issues (fauxqs issues UUIDs) is ReceiptHandleIsInvalid
// - an error for DeleteMessage / ChangeMessageVisibility, a Failed entry in
// the *Batch forms. A well-formed handle of a message that is gone is still a
// successful delete, as on AWS. fauxqs still sees the request (with such
// handles swapped for a fresh UUID that matches nothing), so its own checks -
// queue exists, batch ids - come first, as they do on AWS.
import { randomUUID } from "node:crypto";

const HANDLE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SINGLE = new Set(["DeleteMessage", "ChangeMessageVisibility"]);
const BATCH = new Set(["DeleteMessageBatch", "ChangeMessageVisibilityBatch"]);

function malformed(h) {
    return typeof h === "string" && h !== "" && !HANDLE.test(h);
}

function invalidMessage(handle) {
    return `The input receipt handle "${handle}" is not a valid receipt handle.`;
}

// Returns { input, invalid }: input to forward (malformed handles replaced),
// invalid = null, { handle } for the single forms, or a Map Id -> { code,
// message } (the Failed entry each gets).
export function maskInvalidHandles(action, input) {
    if (!input || typeof input !== "object") return { input, invalid: null };
    if (SINGLE.has(action)) {
        if (!malformed(input.ReceiptHandle)) return { input, invalid: null };
        return { input: { ...input, ReceiptHandle: randomUUID() }, invalid: { handle: input.ReceiptHandle } };
    }
    if (!BATCH.has(action) || !Array.isArray(input.Entries)) return { input, invalid: null };
    const masked = maskBatchEntries(input, (e) => (malformed(e.ReceiptHandle)
        ? { code: "ReceiptHandleIsInvalid", message: invalidMessage(e.ReceiptHandle) } : null));
    return { input: masked.input, invalid: masked.refused };
}

// The entries of a batch input that refuse(entry) refuses ({ code, message },
// else null), their handles replaced by ones that match nothing so fauxqs
// still judges the request: { input, refused } with refused a Map Id ->
// { code, message }, or null (and input unchanged) when none is.
export function maskBatchEntries(input, refuse) {
    const refused = new Map();
    const entries = input.Entries.map((e) => {
        const failure = e ? refuse(e) : null;
        if (!failure) return e;
        refused.set(e.Id, failure);
        return { ...e, ReceiptHandle: randomUUID() };
    });
    return refused.size ? { input: { ...input, Entries: entries }, refused } : { input, refused: null };
}

// Given fauxqs's answer (status, parsed JSON), the answer AWS would give:
// { json } (status unchanged) or { error } to render instead. invalid is
// maskInvalidHandles's (a batch's Map may also hold other refused entries:
// sqs_visibility_limit.mjs).
export function applyInvalidHandles(invalid, status, json) {
    if (!invalid) return { json };
    if (!(invalid instanceof Map)) {
        const code = String(json?.__type || "");
        if (status < 300 || code.endsWith("#MessageNotInflight")) {
            return { error: { status: 400, code: "ReceiptHandleIsInvalid", message: invalidMessage(invalid.handle) } };
        }
        return { json };
    }
    if (status >= 300 || !json) return { json };
    const keep = (list) => (list ?? []).filter((e) => !invalid.has(e.Id));
    const failed = [...invalid].map(([Id, f]) => ({ Id, SenderFault: true, Code: f.code, Message: f.message }));
    return { json: { ...json, Successful: keep(json.Successful), Failed: [...keep(json.Failed), ...failed] } };
}
