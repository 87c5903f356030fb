// floor_peer.mjs - the HTTP/1.1 peer of the libcurl floor (curl_floor_bench.c,
// `make bench`; not a test): the least server a GET + PUT client can talk to.
//   node floor_peer.mjs [--tls-cert FILE --tls-key FILE] ROOT
//       listens on 127.0.0.1 (a port the kernel picks), prints
//       "http://127.0.0.1:PORT" once ready; with a PEM certificate and key,
//       serves https (node:https) and prints "https://127.0.0.1:PORT"
// GET /PATH serves the file ROOT/PATH (files up to 16 MiB are read once and kept
// in memory, bigger ones are streamed from disk); with x-amz-checksum-mode:
// ENABLED it also sends the file's CRC-64/NVME as S3 does
// (x-amz-checksum-crc64nvme, computed once per file with the emulator's
// tests/emulator/lib/checksums.mjs). PUT /ANY reads the body, checks an
// x-amz-content-sha256 header when one carries a hex digest and an
// x-amz-checksum-crc64nvme header when there is one (400 when either does not
// match), and answers 200 with the number of body bytes it received, followed
// by " sha256-verified" and " crc64nvme-verified" for each it checked (both
// for the floor's sha256+crc64nvme mode, the worker's signed one), so the
// client can check nothing was lost and that its digest was checked. Keep-alive, no signing, no storage: its CPU is not
// what the floor measures (the client's is). Runs until killed.
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { resolve, sep } from 'node:path';
import { checksumOf } from '../emulator/lib/checksums.mjs';

const KEEP_IN_MEMORY = 16 * 1024 * 1024;
const CRC_HEADER = 'x-amz-checksum-crc64nvme';
const args = process.argv.slice(2);
const tls = {};
while (args[0] === '--tls-cert' || args[0] === '--tls-key') {
  if (args.length < 2) throw new Error(`${args[0]} needs a file`);
  tls[args[0] === '--tls-cert' ? 'cert' : 'key'] = readFileSync(args[1]);
  args.splice(0, 2);
}
if (!tls.cert !== !tls.key) throw new Error('--tls-cert and --tls-key go together');
const root = resolve(args[0] ?? '.');
const cache = new Map();
const crcs = new Map(); // path -> the file's CRC-64/NVME (base64), once asked for

// The CRC of the file at path (size bytes; body when it is in memory), read
// through once for a big one.
async function fileCrc(path, body) {
  if (!crcs.has(path)) {
    const parts = [];
    if (body) parts.push(body);
    else for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) parts.push(chunk);
    crcs.set(path, checksumOf('CRC64NVME', parts));
  }
  return crcs.get(path);
}

function fail(res, status, message) {
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(message) });
  res.end(message);
}

async function serveGet(req, res) {
  const path = resolve(root, '.' + decodeURIComponent(req.url.split('?')[0]));
  const withCrc = req.headers['x-amz-checksum-mode'] === 'ENABLED';
  if (path !== root && !path.startsWith(root + sep)) return fail(res, 403, 'outside the root\n');
  let body = cache.get(path);
  if (!body) {
    let st;
    try {
      st = statSync(path);
    } catch {
      return fail(res, 404, 'no such file\n');
    }
    if (!st.isFile()) return fail(res, 404, 'not a file\n');
    if (st.size > KEEP_IN_MEMORY) {
      const crc = withCrc ? { [CRC_HEADER]: await fileCrc(path, null) } : {};
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': st.size, ...crc });
      createReadStream(path, { highWaterMark: 1 << 20 }).pipe(res);
      return undefined;
    }
    body = readFileSync(path);
    cache.set(path, body);
  }
  const crc = withCrc ? { [CRC_HEADER]: await fileCrc(path, body) } : {};
  res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': body.length, ...crc });
  res.end(body);
  return undefined;
}

function absorbPut(req, res) {
  const want = req.headers['x-amz-content-sha256'];
  const hash = /^[0-9a-f]{64}$/.test(want ?? '') ? createHash('sha256') : null;
  const wantCrc = req.headers[CRC_HEADER];
  const chunks = wantCrc === undefined ? null : []; // a part's chunks, for its CRC
  let received = 0;
  req.on('data', (chunk) => {
    received += chunk.length;
    if (hash) hash.update(chunk);
    if (chunks) chunks.push(chunk);
  });
  req.on('end', () => {
    if (hash && hash.digest('hex') !== want) return fail(res, 400, 'x-amz-content-sha256 does not match the body\n');
    if (chunks && checksumOf('CRC64NVME', chunks) !== wantCrc) return fail(res, 400, `${CRC_HEADER} does not match the body\n`);
    const text = `${received}${hash ? ' sha256-verified' : ''}${chunks ? ' crc64nvme-verified' : ''}\n`;
    res.writeHead(200, { etag: `"${received}"`, 'content-length': text.length });
    res.end(text);
    return undefined;
  });
}

const createServer = tls.cert ? createHttpsServer : createHttpServer;
const server = createServer({ keepAliveTimeout: 60000, ...tls }, (req, res) => {
  if (req.method === 'GET') {
    serveGet(req, res).catch((err) => fail(res, 500, `${err.message}\n`));
    return undefined;
  }
  if (req.method === 'PUT') return absorbPut(req, res);
  req.resume();
  return fail(res, 405, 'GET or PUT only\n');
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${tls.cert ? 'https' : 'http'}://127.0.0.1:${server.address().port}\n`);
});
