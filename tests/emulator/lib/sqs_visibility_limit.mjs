// sqs_visibility_limit.mjs - SQS's 12-hour limit on hiding a message, which
// fauxqs does not keep: a ChangeMessageVisibility(Batch) that would hide a
// message past 12 hours from the receive that gave its receipt handle is
// refused ("If you attempt to set the VisibilityTimeout to a value greater
// than the maximum time left, Amazon SQS returns an error", SQS API
// Reference). The error code is InvalidParameterValue as AWS is commonly seen
// to answer; the documentation names none. Receipt handles are remembered from
// ReceiveMessage answers, with the time of the receive, for 12 hours or until
// their message is deleted.
import { maskBatchEntries } from "./sqs_receipts.mjs";

export const MAX_HIDDEN_S = 43200;
const MAX_HIDDEN_MS = MAX_HIDDEN_S * 1000;

function refusal(seconds) {
    return {
        code: "InvalidParameterValue",
        message: `Value ${seconds} for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [${MAX_HIDDEN_S} seconds].`,
    };
}

export class VisibilityLimit {
    constructor(now = () => Date.now()) {
        this.now = now;
        this.received = new Map(); // receipt handle -> ms of its receive, oldest first
    }

    // Remembers the receipt handles of a ReceiveMessage answer (its JSON form).
    noteReceive(json) {
        const t = this.now();
        for (const m of Array.isArray(json?.Messages) ? json.Messages : []) {
            if (typeof m?.ReceiptHandle === "string") this.received.set(m.ReceiptHandle, t);
        }
        for (const [handle, at] of this.received) { // insertion order: the oldest first
            if (t - at <= MAX_HIDDEN_MS) break;
            this.received.delete(handle);
        }
    }

    // Forgets the handles a successful DeleteMessage(Batch) named (its JSON input).
    noteDelete(action, input) {
        if (action === "DeleteMessage") this.received.delete(input?.ReceiptHandle);
        if (action === "DeleteMessageBatch" && Array.isArray(input?.Entries)) {
            for (const e of input.Entries) this.received.delete(e?.ReceiptHandle);
        }
    }

    // The refusal for hiding handle for seconds from now, or null.
    judge(handle, seconds) {
        const at = this.received.get(handle);
        const s = Number(seconds);
        if (at === undefined || !Number.isFinite(s)) return null;
        return this.now() + s * 1000 > at + MAX_HIDDEN_MS ? refusal(seconds) : null;
    }

    // For ChangeMessageVisibility: { error } when refused. For the batch form:
    // maskBatchEntries's { input, refused }.
    check(action, input) {
        if (action === "ChangeMessageVisibility") {
            const r = this.judge(input?.ReceiptHandle, input?.VisibilityTimeout);
            return r ? { error: { status: 400, ...r } } : { input, refused: null };
        }
        if (action !== "ChangeMessageVisibilityBatch" || !Array.isArray(input?.Entries)) return { input, refused: null };
        return maskBatchEntries(input, (e) => this.judge(e.ReceiptHandle, e.VisibilityTimeout));
    }
}
