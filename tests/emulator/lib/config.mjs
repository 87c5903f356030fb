// config.mjs - reads the emulator's settings from the command line and the
// environment (flags win over env). Pure: returns a plain object, prints nothing.
//   --port N            ES_EMULATOR_PORT          listen port (0 = any free port, default)
//   --host ADDR         ES_EMULATOR_HOST          listen address (127.0.0.1; 0.0.0.0 only inside a container image)
//   --url-file PATH     ES_EMULATOR_URL_FILE      also write the URL (one line) to PATH once listening
//   --credentials LIST  ES_EMULATOR_CREDENTIALS   extra "AKID:SECRET[:TOKEN],..." besides test/test
//   --region NAME       ES_EMULATOR_REGION        region of buckets/queues and of the signing scope (us-east-1)
//   --max-body BYTES    ES_EMULATOR_MAX_BODY      largest request body accepted (64 MiB)
//   --log-requests      ES_EMULATOR_LOG=1         one line per request on stderr
//   --tls-cert PATH     ES_EMULATOR_TLS_CERT      serve https with this PEM certificate (needs --tls-key)
//   --tls-key PATH      ES_EMULATOR_TLS_KEY       ... and this PEM private key
import { parseCredentialList } from "./credentials.mjs";

export const ACCOUNT_ID = "000000000000";
const DEFAULT_MAX_BODY = 64 * 1024 * 1024;

function usage(msg) {
    const err = new Error(`${msg}\nusage: server.mjs [--port N] [--host ADDR] [--url-file PATH] [--credentials AKID:SECRET[:TOKEN],...] [--region R] [--max-body BYTES] [--log-requests] [--tls-cert PEM --tls-key PEM]`);
    err.usage = true;
    return err;
}

function intOption(name, text, min, max) {
    if (!/^\d+$/.test(String(text))) throw usage(`${name}: not a number: ${text}`);
    const n = Number(text);
    if (n < min || n > max) throw usage(`${name}: out of range ${min}..${max}: ${text}`);
    return n;
}

export function parseConfig(argv, env) {
    const cfg = {
        port: 0,
        host: env.ES_EMULATOR_HOST || "127.0.0.1",
        urlFile: env.ES_EMULATOR_URL_FILE || "",
        credentialText: env.ES_EMULATOR_CREDENTIALS || "",
        region: env.ES_EMULATOR_REGION || "us-east-1",
        maxBody: DEFAULT_MAX_BODY,
        logRequests: env.ES_EMULATOR_LOG === "1",
        tlsCert: env.ES_EMULATOR_TLS_CERT || "",
        tlsKey: env.ES_EMULATOR_TLS_KEY || "",
    };
    if (env.ES_EMULATOR_PORT) cfg.port = intOption("ES_EMULATOR_PORT", env.ES_EMULATOR_PORT, 0, 65535);
    if (env.ES_EMULATOR_MAX_BODY) cfg.maxBody = intOption("ES_EMULATOR_MAX_BODY", env.ES_EMULATOR_MAX_BODY, 1, 2 ** 31);
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
        const value = () => {
            if (inline !== undefined) return inline;
            if (i + 1 >= argv.length) throw usage(`${flag} needs a value`);
            return argv[++i];
        };
        switch (flag) {
            case "--port": cfg.port = intOption(flag, value(), 0, 65535); break;
            case "--host": cfg.host = value(); break;
            case "--url-file": cfg.urlFile = value(); break;
            case "--credentials": cfg.credentialText = value(); break;
            case "--region": cfg.region = value(); break;
            case "--max-body": cfg.maxBody = intOption(flag, value(), 1, 2 ** 31); break;
            case "--log-requests": cfg.logRequests = true; break;
            case "--tls-cert": cfg.tlsCert = value(); break;
            case "--tls-key": cfg.tlsKey = value(); break;
            case "--help": case "-h": throw usage("help");
            default: throw usage(`unknown argument: ${arg}`);
        }
    }
    if (!cfg.tlsCert !== !cfg.tlsKey) throw usage("--tls-cert and --tls-key go together");
    if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(cfg.region)) throw usage(`bad region: ${cfg.region}`);
    cfg.credentials = parseCredentialList(cfg.credentialText);
    return cfg;
}
