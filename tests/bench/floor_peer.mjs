// floor_peer.mjs - the HTTP/1.1 peer of the libcurl floor (curl_floor_bench.c,
// `make bench`; not a test): the least server a GET + PUT client can talk to.
//   node floor_peer.mjs ROOT   listens on 127.0.0.1 (a port the kernel picks),
//                              prints "http://127.0.0.1:PORT" once ready
// GET /PATH serves the file ROOT/PATH (files up to 16 MiB are read once and kept
// in memory, bigger ones are streamed from disk); PUT /ANY reads the body,
// checks an x-amz-content-sha256 header when one carries a hex digest (400
// when it does not match), and answers 200 with the number of body bytes it
// received, followed by " sha256-verified" when it checked a digest, so the
// client can check nothing was lost and that its digest was checked. Keep-alive, no signing, no storage: its CPU is not
// what the floor measures (the client's is). Runs until killed.
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { resolve, sep } from 'node:path';

const KEEP_IN_MEMORY = 16 * 1024 * 1024;
const root = resolve(process.argv[2] ?? '.');
const cache = new Map();

function fail(res, status, message) {
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(message) });
  res.end(message);
}

function serveGet(req, res) {
  const path = resolve(root, '.' + decodeURIComponent(req.url.split('?')[0]));
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
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': st.size });
      createReadStream(path, { highWaterMark: 1 << 20 }).pipe(res);
      return undefined;
    }
    body = readFileSync(path);
    cache.set(path, body);
  }
  res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': body.length });
  res.end(body);
  return undefined;
}

function absorbPut(req, res) {
  const want = req.headers['x-amz-content-sha256'];
  const hash = /^[0-9a-f]{64}$/.test(want ?? '') ? createHash('sha256') : null;
  let received = 0;
  req.on('data', (chunk) => {
    received += chunk.length;
    if (hash) hash.update(chunk);
  });
  req.on('end', () => {
    if (hash && hash.digest('hex') !== want) return fail(res, 400, 'x-amz-content-sha256 does not match the body\n');
    const text = `${received}${hash ? ' sha256-verified' : ''}\n`;
    res.writeHead(200, { etag: `"${received}"`, 'content-length': text.length });
    res.end(text);
    return undefined;
  });
}

const server = createServer({ keepAliveTimeout: 60000 }, (req, res) => {
  if (req.method === 'GET') return serveGet(req, res);
  if (req.method === 'PUT') return absorbPut(req, res);
  req.resume();
  return fail(res, 405, 'GET or PUT only\n');
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${server.address().port}\n`);
});
