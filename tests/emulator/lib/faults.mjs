// faults.mjs - fault-injection rules set over the control API. A rule matches
// requests by service, operation, bucket and key (for SQS: the queue name),
// and then delays them, answers with an error instead of the real operation,
// or drops the connection without a response. "times" limits how often it
// fires (then it expires); "skip" lets that many matching requests through
// first; phase "after" runs the real operation first and only then fails or
// drops the response (the client sees an error for work that was done);
// corrupt runs it and flips one bit in the middle of the response body,
// headers untouched (a body damaged in transit: its checksum no longer fits).
// Rule fields (JSON): service "s3"|"sqs"|"*", action ("PutObject", "*"),
// bucket, key (exact, "prefix*" or "*"), key_prefix, queue, status, code,
// message, delay_ms, reset, corrupt, times, skip, phase "before"|"after".

const FIELDS = new Set(["service", "action", "bucket", "key", "key_prefix", "queue", "status", "code", "message",
    "delay_ms", "reset", "corrupt", "times", "skip", "phase", "headers"]);

function defaultCode(service, status) {
    if (status === 503) return service === "s3" ? "SlowDown" : "ServiceUnavailable";
    if (status === 500) return service === "s3" ? "InternalError" : "InternalFailure";
    if (status === 429) return "ThrottlingException";
    if (status === 400) return "InvalidRequest";
    if (status === 403) return "AccessDenied";
    if (status === 404) return service === "s3" ? "NoSuchKey" : "QueueDoesNotExist";
    return "InjectedFault";
}

function defaultMessage(code) {
    switch (code) {
        case "SlowDown": return "Please reduce your request rate.";
        case "InternalError": return "We encountered an internal error. Please try again.";
        case "ServiceUnavailable": return "Service is unable to handle request.";
        default: return `Injected fault: ${code}`;
    }
}

function bad(msg) {
    const e = new Error(msg);
    e.badRule = true;
    return e;
}

function optInt(rule, name, min, max) {
    const v = rule[name];
    if (v === undefined || v === null) return undefined;
    if (!Number.isInteger(v) || v < min || v > max) throw bad(`${name} must be an integer in ${min}..${max}`);
    return v;
}

function optString(rule, name) {
    const v = rule[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") throw bad(`${name} must be a string`);
    return v;
}

export class FaultRules {
    constructor() {
        this.rules = [];
        this.nextId = 1;
    }

    // Validates and stores one rule; returns its public form (with id).
    add(input) {
        if (!input || typeof input !== "object" || Array.isArray(input)) throw bad("a rule is a JSON object");
        for (const k of Object.keys(input)) if (!FIELDS.has(k)) throw bad(`unknown rule field "${k}"`);
        const service = optString(input, "service") ?? "*";
        if (!["s3", "sqs", "*"].includes(service)) throw bad('service must be "s3", "sqs" or "*"');
        const status = optInt(input, "status", 100, 599);
        const delay = optInt(input, "delay_ms", 0, 600000) ?? 0;
        const reset = input.reset === undefined ? false : input.reset;
        if (typeof reset !== "boolean") throw bad("reset must be true or false");
        const phase = optString(input, "phase") ?? "before";
        if (!["before", "after"].includes(phase)) throw bad('phase must be "before" or "after"');
        const corrupt = input.corrupt === undefined ? false : input.corrupt;
        if (typeof corrupt !== "boolean") throw bad("corrupt must be true or false");
        if (corrupt && (status !== undefined || reset)) throw bad("corrupt cannot be combined with status or reset");
        const headers = input.headers ?? {};
        if (typeof headers !== "object" || Array.isArray(headers) || Object.values(headers).some((v) => typeof v !== "string")) {
            throw bad("headers must be an object of strings");
        }
        if (status === undefined && !reset && !corrupt && delay === 0 && Object.keys(headers).length === 0) {
            throw bad("a rule needs status, reset, corrupt, delay_ms or headers");
        }
        const code = optString(input, "code") ?? (status !== undefined ? defaultCode(service === "*" ? "s3" : service, status) : undefined);
        const rule = {
            id: this.nextId++,
            service,
            action: optString(input, "action") ?? "*",
            bucket: optString(input, "bucket"),
            key: optString(input, "key"),
            key_prefix: optString(input, "key_prefix"),
            queue: optString(input, "queue"),
            status,
            code,
            code_given: input.code !== undefined,
            message: optString(input, "message"),
            delay_ms: delay,
            reset,
            corrupt,
            phase,
            headers,
            times: optInt(input, "times", 1, 1e9),
            skip: optInt(input, "skip", 0, 1e9) ?? 0,
            matched: 0,
            fired: 0,
        };
        this.rules.push(rule);
        return this.describe(rule);
    }

    describe(rule) {
        const out = {};
        for (const [k, v] of Object.entries(rule)) if (v !== undefined && k !== "code_given") out[k] = v;
        return out;
    }

    list() {
        return this.rules.map((r) => this.describe(r));
    }

    remove(id) {
        const before = this.rules.length;
        this.rules = this.rules.filter((r) => r.id !== id);
        return this.rules.length !== before;
    }

    clear() {
        const n = this.rules.length;
        this.rules = [];
        return n;
    }

    static keyMatches(rule, name) {
        if (rule.key !== undefined && rule.key !== "*") {
            if (rule.key.endsWith("*")) {
                if (!name.startsWith(rule.key.slice(0, -1))) return false;
            } else if (name !== rule.key) {
                return false;
            }
        }
        return rule.key_prefix === undefined || name.startsWith(rule.key_prefix);
    }

    // The first live rule matching the request, counted as fired (and removed
    // once it has fired "times" times); null when none applies.
    take(route) {
        for (const rule of this.rules) {
            if (rule.service !== "*" && rule.service !== route.service) continue;
            if (rule.action !== "*" && rule.action !== route.action) continue;
            if (route.service === "s3") {
                if (rule.bucket !== undefined && rule.bucket !== "*" && rule.bucket !== route.bucket) continue;
                if (rule.queue !== undefined) continue;
                if (!FaultRules.keyMatches(rule, route.key)) continue;
            } else {
                if (rule.bucket !== undefined && rule.bucket !== "*") continue;
                const queueRule = { key: rule.queue ?? rule.key, key_prefix: rule.key_prefix };
                if (!FaultRules.keyMatches(queueRule, route.queue)) continue;
            }
            rule.matched++;
            if (rule.matched <= rule.skip) continue;
            rule.fired++;
            if (rule.times !== undefined && rule.fired >= rule.times) this.remove(rule.id);
            return rule;
        }
        return null;
    }

    // The error a firing rule answers with, for the request's service.
    static errorFor(rule, service) {
        const code = rule.code_given ? rule.code : defaultCode(service, rule.status);
        return {
            status: rule.status,
            code,
            message: rule.message ?? defaultMessage(code),
            queryCode: code,
        };
    }
}
