// backend.mjs - fauxqs (the S3/SQS implementation) running behind the
// emulator's front server. buildApp() is given our own stores so the emulator
// can reach them (queue URLs, notification delivery, reset), and listens on
// an internal 127.0.0.1 port; forward() replays a verified request to it with
// the raw request-target unchanged (fauxqs routes on it; light-my-request's
// inject() would normalise "..", so a real loopback hop is used instead).
import http from "node:http";
import { buildApp } from "fauxqs";
import { ACCOUNT_ID } from "./config.mjs";
import { withoutHopHeaders } from "./hop_headers.mjs";

// fauxqs exports only buildApp; its store classes live beside it in dist/.
const fauxqsDist = new URL(".", import.meta.resolve("fauxqs"));
const { SqsStore } = await import(new URL("sqs/sqsStore.js", fauxqsDist));
const { S3Store } = await import(new URL("s3/s3Store.js", fauxqsDist));


export class Backend {
    constructor({ region, maxBody }) {
        this.sqsStore = new SqsStore();
        this.s3Store = new S3Store();
        this.SqsStore = SqsStore;
        this.region = region;
        this.maxBody = maxBody;
        this.publicUrl = "";
        // Queue URLs are http://127.0.0.1:PORT/000000000000/NAME on the emulator's own port.
        this.sqsStore.buildQueueUrl = (name) => `${this.publicUrl}/${ACCOUNT_ID}/${name}`;
        this.app = buildApp({ logger: false, defaultRegion: region, stores: { sqsStore: this.sqsStore, s3Store: this.s3Store } });
        // fauxqs caps bodies at 11 MiB; accept what the front server accepts.
        this.app.removeContentTypeParser("*");
        this.app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: maxBody }, (_req, body, done) => done(null, body));
        this.agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
        this.port = 0;
    }

    async start(publicUrl) {
        this.publicUrl = publicUrl;
        const address = await this.app.listen({ host: "127.0.0.1", port: 0 });
        this.port = Number(new URL(address).port);
    }

    async stop() {
        this.agent.destroy();
        await this.app.close();
    }

    // Everything stored (buckets, objects, uploads, queues, messages) is dropped.
    purgeAll() {
        this.sqsStore.purgeAll();
        this.s3Store.purgeAll();
    }

    // Sends method + raw target + headers + body to fauxqs; resolves to
    // { status, headers, body } with the whole response body buffered.
    forward(method, target, headers, body) {
        const out = withoutHopHeaders(headers);
        out["content-length"] = String(body.length);
        return new Promise((resolve, reject) => {
            const req = http.request({ host: "127.0.0.1", port: this.port, method, path: target, headers: out, agent: this.agent }, (res) => {
                const chunks = [];
                res.on("data", (c) => chunks.push(c));
                res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
                res.on("error", reject);
            });
            req.on("error", reject);
            req.end(body);
        });
    }
}
