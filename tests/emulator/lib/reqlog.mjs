// reqlog.mjs - a bounded log of the requests served (oldest dropped first),
// read back over the control API so tests can assert what a client sent:
// method, raw path, service, operation, bucket/key or queue, final status,
// error code, the request id answered, and which fault rule (if any) fired.
const MAX_ENTRIES = 10000;

export class RequestLog {
    constructor() {
        this.entries = [];
        this.seq = 0;
    }

    add(entry) {
        this.seq++;
        this.entries.push({ seq: this.seq, ...entry });
        if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
    }

    // filter: { since (seq, exclusive), service, action }
    list(filter = {}) {
        const since = Number(filter.since) || 0;
        return this.entries.filter((e) => e.seq > since &&
            (!filter.service || e.service === filter.service) &&
            (!filter.action || e.action === filter.action));
    }

    clear() {
        const n = this.entries.length;
        this.entries = [];
        return n;
    }
}
