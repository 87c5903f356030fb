// notify_config.mjs - S3 bucket notification configurations (the
// ?notification subresource): parses and validates the
// PutBucketNotificationConfiguration XML (QueueConfiguration: Id, Queue ARN,
// Event..., Filter/S3Key/FilterRule prefix|suffix), renders the
// GetBucketNotificationConfiguration XML, and decides which configurations an
// event matches. Only SQS destinations are supported; topic, Lambda and
// EventBridge destinations are refused with 501.
import { randomUUID } from "node:crypto";
import { parseXML } from "@aws-sdk/xml-builder";
import { apiError, xmlEscape } from "./errors.mjs";

const S3_XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/";

// Event types AWS accepts in a notification configuration.
const EVENT_TYPES = new Set([
    "s3:ObjectCreated:*", "s3:ObjectCreated:Put", "s3:ObjectCreated:Post", "s3:ObjectCreated:Copy",
    "s3:ObjectCreated:CompleteMultipartUpload",
    "s3:ObjectRemoved:*", "s3:ObjectRemoved:Delete", "s3:ObjectRemoved:DeleteMarkerCreated",
    "s3:ObjectRestore:*", "s3:ObjectRestore:Post", "s3:ObjectRestore:Completed", "s3:ObjectRestore:Delete",
    "s3:ReducedRedundancyLostObject",
    "s3:Replication:*", "s3:Replication:OperationFailedReplication", "s3:Replication:OperationNotTracked",
    "s3:Replication:OperationMissedThreshold", "s3:Replication:OperationReplicatedAfterThreshold",
    "s3:LifecycleExpiration:*", "s3:LifecycleExpiration:Delete", "s3:LifecycleExpiration:DeleteMarkerCreated",
    "s3:LifecycleTransition", "s3:IntelligentTiering",
    "s3:ObjectTagging:*", "s3:ObjectTagging:Put", "s3:ObjectTagging:Delete", "s3:ObjectAcl:Put",
]);

const malformed = () => apiError(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema");
const invalidArgument = (message, name, value) => apiError(400, "InvalidArgument", message, { extra: { ArgumentName: name, ArgumentValue: value } });

function asList(v) {
    if (v === undefined || v === "") return [];
    return Array.isArray(v) ? v : [v];
}

function text(v) {
    return typeof v === "string" ? v : "";
}

// "s3:ObjectCreated:*" covers "s3:ObjectCreated:Put" and itself.
function eventCovers(configured, eventName) {
    if (configured === eventName) return true;
    return configured.endsWith(":*") && eventName.startsWith(configured.slice(0, -1));
}

function eventsShare(a, b) {
    return a.some((x) => b.some((y) => eventCovers(x, y) || eventCovers(y, x)));
}

function ruleValue(rules, name) {
    return rules.find((r) => r.name === name)?.value ?? "";
}

function overlaps(a, b) {
    if (!eventsShare(a.events, b.events)) return false;
    const pa = ruleValue(a.rules, "Prefix"), pb = ruleValue(b.rules, "Prefix");
    const sa = ruleValue(a.rules, "Suffix"), sb = ruleValue(b.rules, "Suffix");
    const prefixOverlap = pa.startsWith(pb) || pb.startsWith(pa);
    const suffixOverlap = sa.endsWith(sb) || sb.endsWith(sa);
    return prefixOverlap && suffixOverlap;
}

function parseQueueArn(arn) {
    const m = /^arn:aws:sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,80}(\.fifo)?)$/.exec(arn);
    return m ? { region: m[1], account: m[2], name: m[3], fifo: !!m[4] } : null;
}

// Parses and validates a configuration document. queueExists(arn) tells
// whether a destination queue is there (skipped when skipValidation).
// Returns { configs } or { error }.
export function parseNotificationConfiguration(xml, queueExists, skipValidation) {
    let doc;
    try {
        doc = parseXML(xml);
    } catch {
        return { error: malformed() };
    }
    const root = doc.NotificationConfiguration;
    if (root === undefined) return { error: malformed() };
    const body = typeof root === "object" ? root : {};
    for (const name of ["TopicConfiguration", "CloudFunctionConfiguration", "LambdaFunctionConfiguration", "EventBridgeConfiguration"]) {
        if (body[name] !== undefined) {
            return { error: apiError(501, "NotImplemented", `${name} is not supported by this emulator; only QueueConfiguration (SQS) destinations are.`) };
        }
    }
    const configs = [];
    for (const qc of asList(body.QueueConfiguration)) {
        if (!qc || typeof qc !== "object") return { error: malformed() };
        const arn = text(qc.Queue).trim();
        const events = asList(qc.Event).map((e) => text(e).trim());
        if (!arn || events.length === 0) return { error: malformed() };
        for (const e of events) {
            if (!EVENT_TYPES.has(e)) return { error: invalidArgument("The event is not supported for notifications", "Event", e) };
        }
        const parsedArn = parseQueueArn(arn);
        if (!parsedArn) return { error: invalidArgument("The ARN could not be parsed", "Queue", arn) };
        if (parsedArn.fifo) return { error: invalidArgument("FIFO SQS queues are not supported as S3 event notification destinations", "Queue", arn) };
        if (!skipValidation && !queueExists(arn)) {
            return { error: invalidArgument("Unable to validate the following destination configurations", arn, "The destination queue does not exist") };
        }
        const rules = [];
        const filter = qc.Filter;
        if (filter !== undefined && filter !== "") {
            const key = typeof filter === "object" ? filter.S3Key : undefined;
            for (const fr of asList(typeof key === "object" ? key.FilterRule : undefined)) {
                const raw = text(fr?.Name);
                const name = raw.toLowerCase() === "prefix" ? "Prefix" : raw.toLowerCase() === "suffix" ? "Suffix" : "";
                if (!name) return { error: invalidArgument("filter rule name must be either prefix or suffix", "FilterRule", raw) };
                const value = text(fr?.Value);
                if (!value) return { error: invalidArgument("filter value cannot be empty", name, value) };
                if (rules.some((r) => r.name === name)) {
                    return { error: invalidArgument(`Cannot specify more than one ${name.toLowerCase()} rule in a filter.`, "FilterRule", name) };
                }
                rules.push({ name, value });
            }
        }
        const id = text(qc.Id).trim() || Buffer.from(randomUUID()).toString("base64");
        configs.push({ id, queueArn: arn, events, rules });
    }
    for (let i = 0; i < configs.length; i++) {
        for (let j = i + 1; j < configs.length; j++) {
            if (overlaps(configs[i], configs[j])) {
                return { error: invalidArgument("Configurations overlap. Configurations on the same bucket cannot share a common event type.", "Event", configs[j].events.join(",")) };
            }
        }
    }
    return { configs };
}

export function renderNotificationConfiguration(configs) {
    const parts = ['<?xml version="1.0" encoding="UTF-8"?>', `<NotificationConfiguration xmlns="${S3_XMLNS}">`];
    for (const c of configs) {
        parts.push("<QueueConfiguration>", `<Id>${xmlEscape(c.id)}</Id>`, `<Queue>${xmlEscape(c.queueArn)}</Queue>`);
        for (const e of c.events) parts.push(`<Event>${xmlEscape(e)}</Event>`);
        if (c.rules.length) {
            parts.push("<Filter><S3Key>");
            for (const r of c.rules) parts.push(`<FilterRule><Name>${r.name}</Name><Value>${xmlEscape(r.value)}</Value></FilterRule>`);
            parts.push("</S3Key></Filter>");
        }
        parts.push("</QueueConfiguration>");
    }
    parts.push("</NotificationConfiguration>");
    return parts.join("");
}

// Configurations that want eventName ("s3:ObjectCreated:Put") for a key whose
// event-encoded form is encodedKey (AWS matches filter rules against that form).
export function matchingConfigurations(configs, eventName, encodedKey) {
    return configs.filter((c) =>
        c.events.some((e) => eventCovers(e, eventName)) &&
        encodedKey.startsWith(ruleValue(c.rules, "Prefix")) &&
        encodedKey.endsWith(ruleValue(c.rules, "Suffix")));
}
