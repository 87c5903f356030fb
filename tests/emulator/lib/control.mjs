// control.mjs - the emulator's own control API under /_emulator/ on the same
// port. Not signature-checked; only answered for loopback clients. JSON in,
// JSON out:
//   GET    /_emulator/health              liveness + URL, region, account, access key ids
//   GET    /_emulator/faults              list fault rules
//   POST   /_emulator/faults              add a rule (object) or rules (array); returns them with ids
//   DELETE /_emulator/faults              clear all rules
//   DELETE /_emulator/faults/ID           remove one rule
//   GET    /_emulator/requests[?since=SEQ&service=s3|sqs&action=NAME]   request log
//   DELETE /_emulator/requests            clear the request log
//   GET    /_emulator/stats               connections accepted and requests per service:action (benchmarks)
//   DELETE /_emulator/stats               reset those counters
//   GET    /_emulator/clock               the simulated clock offset
//   PUT    /_emulator/clock               {"offset_ms": N}: pretend the server clock is N ms ahead
//   POST   /_emulator/reset               drop all buckets, objects, queues, notification configs, rules, log, stats, clock offset
import { ACCOUNT_ID } from "./config.mjs";
import { splitTarget, parseQuery, firstParam } from "./url.mjs";

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;
const MAX_CONTROL_BODY = 1024 * 1024;

function reply(res, status, obj) {
    const body = Buffer.from(JSON.stringify(obj, null, 1) + "\n");
    res.writeHead(status, { "content-type": "application/json", "content-length": String(body.length) });
    res.end(body);
}

function readJson(req) {
    return new Promise((resolve, reject) => {
        const chunks = [];
        let size = 0;
        req.on("data", (c) => {
            size += c.length;
            if (size > MAX_CONTROL_BODY) reject(new Error("body too large"));
            else chunks.push(c);
        });
        req.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8").trim();
            if (!text) return resolve(undefined);
            try {
                resolve(JSON.parse(text));
            } catch {
                reject(new Error("body is not valid JSON"));
            }
        });
        req.on("error", reject);
    });
}

export async function handleControl(emu, req, res, ctx) {
    if (!LOOPBACK.test(String(req.socket.remoteAddress || ""))) {
        req.resume();
        reply(res, 403, { error: "the control API only answers loopback clients" });
        return;
    }
    const { rawPath, rawQuery } = splitTarget(ctx.target);
    const path = rawPath.replace(/\/+$/, "");
    const method = req.method;
    let body;
    try {
        body = await readJson(req);
    } catch (err) {
        reply(res, 400, { error: err.message });
        return;
    }
    if (path === "/_emulator/health" && (method === "GET" || method === "HEAD")) {
        reply(res, 200, {
            status: "ok", url: emu.url, region: emu.cfg.region, account_id: ACCOUNT_ID,
            access_key_ids: [...emu.cfg.credentials.keys()], uptime_ms: Date.now() - emu.startedAt,
        });
        return;
    }
    if (path === "/_emulator/faults") {
        if (method === "GET") return reply(res, 200, { rules: emu.faults.list() });
        if (method === "DELETE") return reply(res, 200, { cleared: emu.faults.clear() });
        if (method === "POST") {
            const items = Array.isArray(body) ? body : [body];
            const added = [];
            try {
                for (const item of items) added.push(emu.faults.add(item));
            } catch (err) {
                for (const r of added) emu.faults.remove(r.id);
                if (!err.badRule) throw err;
                return reply(res, 400, { error: err.message });
            }
            return reply(res, 201, Array.isArray(body) ? { rules: added } : { rule: added[0] });
        }
        return reply(res, 405, { error: `${method} not allowed here` });
    }
    const one = /^\/_emulator\/faults\/(\d+)$/.exec(path);
    if (one) {
        if (method !== "DELETE") return reply(res, 405, { error: `${method} not allowed here` });
        const removed = emu.faults.remove(Number(one[1]));
        return reply(res, removed ? 200 : 404, removed ? { removed: Number(one[1]) } : { error: "no such rule" });
    }
    if (path === "/_emulator/requests") {
        if (method === "GET") {
            const { params } = parseQuery(rawQuery);
            const requests = emu.log.list({ since: firstParam(params, "since"), service: firstParam(params, "service"), action: firstParam(params, "action") });
            return reply(res, 200, { last_seq: emu.log.seq, requests });
        }
        if (method === "DELETE") return reply(res, 200, { cleared: emu.log.clear() });
        return reply(res, 405, { error: `${method} not allowed here` });
    }
    if (path === "/_emulator/stats") {
        if (method === "GET") return reply(res, 200, emu.stats.snapshot());
        if (method === "DELETE") {
            emu.stats.clear();
            return reply(res, 200, { cleared: true });
        }
        return reply(res, 405, { error: `${method} not allowed here` });
    }
    if (path === "/_emulator/clock") {
        if (method === "PUT" || method === "POST") {
            const offset = body?.offset_ms;
            if (!Number.isInteger(offset) || Math.abs(offset) > 366 * 24 * 3600 * 1000) {
                return reply(res, 400, { error: "offset_ms must be an integer number of milliseconds (|offset| <= one year)" });
            }
            emu.clockOffsetMs = offset;
        } else if (method !== "GET") {
            return reply(res, 405, { error: `${method} not allowed here` });
        }
        return reply(res, 200, { offset_ms: emu.clockOffsetMs, server_time: new Date(emu.now()).toISOString() });
    }
    if (path === "/_emulator/reset") {
        if (method !== "POST") return reply(res, 405, { error: `${method} not allowed here` });
        emu.reset();
        return reply(res, 200, { reset: true });
    }
    reply(res, 404, { error: `unknown control path ${rawPath}` });
}
