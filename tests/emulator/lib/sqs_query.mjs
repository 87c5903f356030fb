// sqs_query.mjs - adapts SQS's query protocol (form-encoded Action=... with
// flattened "Attribute.1.Name" style parameters, XML responses; used by
// Debian's awscli 2.9) to fauxqs, which speaks only the JSON protocol:
// toJsonInput() builds the JSON request, toXmlResponse() turns the JSON result
// into <ActionResponse><ActionResult>...</ActionResult><ResponseMetadata/>.
import { xmlEscape } from "./errors.mjs";

const XMLNS = "http://queue.amazonaws.com/doc/2012-11-05/";
const NUMBERS = new Set(["DelaySeconds", "MaxNumberOfMessages", "VisibilityTimeout", "WaitTimeSeconds", "MaxResults", "MaxNumberOfMessagesPerSecond"]);

// Flattened name -> JSON member name, and how to rebuild it.
const LISTS = { AttributeName: "AttributeNames", MessageAttributeName: "MessageAttributeNames",
    MessageSystemAttributeName: "MessageSystemAttributeNames", TagKey: "TagKeys", AWSAccountId: "AWSAccountIds", ActionName: "Actions" };
const ENTRY_LISTS = { SendMessageBatchRequestEntry: "Entries", DeleteMessageBatchRequestEntry: "Entries", ChangeMessageVisibilityBatchRequestEntry: "Entries" };
const MAPS = { Attribute: ["Attributes", "Name", "Value"], MessageAttribute: ["MessageAttributes", "Name", "Value"],
    MessageSystemAttribute: ["MessageSystemAttributes", "Name", "Value"] };

// "A.1.B.2.C" = v  ->  { A: { 1: { B: { 2: { C: v } } } } }
function nest(params) {
    const root = {};
    for (const [name, value] of Object.entries(params)) {
        if (name === "Action" || name === "Version") continue;
        const path = name.split(".");
        let node = root;
        for (let i = 0; i < path.length - 1; i++) {
            if (typeof node[path[i]] !== "object" || node[path[i]] === null) node[path[i]] = {};
            node = node[path[i]];
        }
        node[path[path.length - 1]] = value;
    }
    return root;
}

function ordered(obj) {
    return Object.keys(obj).filter((k) => /^\d+$/.test(k)).sort((a, b) => a - b).map((k) => obj[k]);
}

function convertValue(v) {
    // A MessageAttribute value: StringValue/BinaryValue/DataType (+ lists).
    const out = {};
    for (const [k, x] of Object.entries(v || {})) {
        if ((k === "StringListValue" || k === "BinaryListValue") && typeof x === "object") out[`${k}s`] = ordered(x);
        else out[k] = x;
    }
    return out;
}

function convert(node, action) {
    const out = {};
    for (const [k, v] of Object.entries(node)) {
        if (LISTS[k] && typeof v === "object") out[LISTS[k]] = ordered(v);
        else if (ENTRY_LISTS[k] && typeof v === "object") out[ENTRY_LISTS[k]] = ordered(v).map((e) => convert(e, action));
        else if (MAPS[k] && typeof v === "object") {
            const [member, keyName, valueName] = MAPS[k];
            out[member] = {};
            for (const e of ordered(v)) {
                if (e && typeof e === "object" && typeof e[keyName] === "string") {
                    out[member][e[keyName]] = k === "Attribute" ? e[valueName] : convertValue(e[valueName]);
                }
            }
        } else if (k === "Tag" && typeof v === "object") {
            const tags = {};
            for (const e of ordered(v)) if (e && typeof e.Key === "string") tags[e.Key] = e.Value ?? "";
            out[action === "CreateQueue" ? "tags" : "Tags"] = tags;
        } else if (NUMBERS.has(k) && typeof v === "string" && /^-?\d+$/.test(v)) out[k] = Number(v);
        else out[k] = v;
    }
    return out;
}

export function toJsonInput(action, params) {
    return convert(nest(params), action);
}

// JSON response member -> how it is written in the query protocol's XML.
const ELEMENT_LISTS = { QueueUrls: "QueueUrl", queueUrls: "QueueUrl", Messages: "Message", Failed: "BatchResultErrorEntry", Results: "ListMessageMoveTasksResultEntry" };
const SUCCESS_ENTRY = { SendMessageBatch: "SendMessageBatchResultEntry", DeleteMessageBatch: "DeleteMessageBatchResultEntry",
    ChangeMessageVisibilityBatch: "ChangeMessageVisibilityBatchResultEntry" };
const XML_MAPS = { Attributes: ["Attribute", "Name", "Value"], MessageAttributes: ["MessageAttribute", "Name", "Value"], Tags: ["Tag", "Key", "Value"] };

function scalar(v) {
    return typeof v === "boolean" ? (v ? "true" : "false") : xmlEscape(v);
}

function toXml(obj, action) {
    let out = "";
    for (const [k, v] of Object.entries(obj || {})) {
        if (v === undefined || v === null) continue;
        if (Array.isArray(v)) {
            const el = k === "Successful" ? SUCCESS_ENTRY[action] || "member" : ELEMENT_LISTS[k] || k;
            for (const item of v) out += `<${el}>${typeof item === "object" ? toXml(item, action) : scalar(item)}</${el}>`;
        } else if (XML_MAPS[k] && typeof v === "object") {
            const [el, keyName, valueName] = XML_MAPS[k];
            for (const [mk, mv] of Object.entries(v)) {
                const value = typeof mv === "object" ? toXml(mv, action) : scalar(mv);
                out += `<${el}><${keyName}>${xmlEscape(mk)}</${keyName}><${valueName}>${value}</${valueName}></${el}>`;
            }
        } else if (typeof v === "object") {
            out += `<${k}>${toXml(v, action)}</${k}>`;
        } else {
            out += `<${k}>${scalar(v)}</${k}>`;
        }
    }
    return out;
}

// Actions whose answer always has a <ActionResult> element, even an empty one
// (SQS answers an empty receive with <ReceiveMessageResult/>; botocore needs it).
const RESULT_ACTIONS = new Set(["ReceiveMessage", "ListQueues", "GetQueueAttributes", "ListDeadLetterSourceQueues",
    "ListQueueTags", "ListMessageMoveTasks", "GetQueueUrl", "CreateQueue", "SendMessage", "SendMessageBatch",
    "DeleteMessageBatch", "ChangeMessageVisibilityBatch", "StartMessageMoveTask", "CancelMessageMoveTask"]);

export function toXmlResponse(action, json, requestId) {
    const inner = toXml(json, action);
    const result = inner || RESULT_ACTIONS.has(action) ? `<${action}Result>${inner}</${action}Result>` : "";
    return `<?xml version="1.0"?><${action}Response xmlns="${XMLNS}">${result}` +
        `<ResponseMetadata><RequestId>${xmlEscape(requestId)}</RequestId></ResponseMetadata></${action}Response>`;
}

// A fauxqs JSON error -> the error object errors.mjs renders (query form uses
// the legacy code from x-amzn-query-error when there is one).
export function jsonErrorToApiError(status, headers, json) {
    const type = String(json?.__type || "InternalFailure");
    const code = type.includes("#") ? type.slice(type.indexOf("#") + 1) : type;
    const queryHeader = String(headers["x-amzn-query-error"] || "");
    const queryCode = queryHeader ? queryHeader.split(";")[0] : code;
    return { status, code, queryCode, message: String(json?.message ?? json?.Message ?? "") };
}
