// server.mjs - starts the local S3+SQS emulator used by exifstrip's
// integration tests, end-to-end tests and `make demo`: fauxqs behind strict
// SigV4 checking, S3->SQS event notifications and fault injection, on
// 127.0.0.1 only. Prints the base URL as the first stdout line (and writes it
// to --url-file). Options: see lib/config.mjs. Stops on SIGTERM/SIGINT.
import { writeFileSync, renameSync } from "node:fs";
import { parseConfig } from "./lib/config.mjs";
import { Emulator } from "./lib/frontend.mjs";

let cfg;
try {
    cfg = parseConfig(process.argv.slice(2), process.env);
} catch (err) {
    process.stderr.write(`emulator: ${err.message}\n`);
    process.exit(err.usage && err.message.endsWith("help") ? 0 : 2);
}

const emulator = new Emulator(cfg);
let url;
try {
    url = await emulator.start();
} catch (err) {
    process.stderr.write(`emulator: cannot start: ${err.message}\n`);
    process.exit(1);
}
process.stdout.write(`${url}\n`);
if (cfg.urlFile) {
    const tmp = `${cfg.urlFile}.tmp${process.pid}`;
    writeFileSync(tmp, `${url}\n`);
    renameSync(tmp, cfg.urlFile);
}
process.stderr.write(`emulator: listening on ${url} (region ${cfg.region}, access keys: ${[...cfg.credentials.keys()].join(", ")})\n`);

let stopping = false;
async function shutdown(signal) {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`emulator: ${signal}, stopping\n`);
    const timer = setTimeout(() => process.exit(0), 2000);
    timer.unref();
    await emulator.stop().catch(() => {});
    process.exit(0);
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
