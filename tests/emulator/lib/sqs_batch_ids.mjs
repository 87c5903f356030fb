// sqs_batch_ids.mjs - the length limit of SQS batch entry ids, which fauxqs
// does not keep (it checks their characters only): "This identifier can have
// up to 80 characters" (SQS API Reference, the *BatchRequestEntry types). A
// longer one fails the whole request with InvalidBatchEntryId, as a bad
// character does.
const BATCH = new Set(["SendMessageBatch", "DeleteMessageBatch", "ChangeMessageVisibilityBatch"]);
const MAX_ID = 80;

// The error for input's entries, or null.
export function batchIdError(action, input) {
    if (!BATCH.has(action) || !Array.isArray(input?.Entries)) return null;
    const long = input.Entries.find((e) => typeof e?.Id === "string" && e.Id.length > MAX_ID);
    if (!long) return null;
    return {
        status: 400,
        code: "InvalidBatchEntryId",
        message: "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.",
    };
}
