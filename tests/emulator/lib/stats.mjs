// stats.mjs - counters for benchmarks (tests/bench): TCP connections that
// carried S3/SQS requests (control API traffic is not counted) and requests
// served per service:action, so a reader can
// see how many connections a client opened and how many ReceiveMessage calls
// it made per message. Read and reset over the control API
// (GET/DELETE /_emulator/stats); test-only, like the rest of the emulator.
export class Stats {
    constructor() {
        this.clear();
    }

    // Called for every S3/SQS request; counts each socket once.
    connection(socket) {
        if (this.sockets.has(socket)) return;
        this.sockets.add(socket);
        this.connections++;
    }

    request(service, action) {
        const name = `${service || "other"}:${action || "unknown"}`;
        this.requests[name] = (this.requests[name] || 0) + 1;
    }

    snapshot() {
        return { connections: this.connections, requests: { ...this.requests }, since: new Date(this.since).toISOString() };
    }

    clear() {
        this.connections = 0;
        this.sockets = new WeakSet();
        this.requests = {};
        this.since = Date.now();
    }
}
