/**
 * The upstream of bench P3: a plain node:http server, the "data cluster" every P3 target reaches
 * (directly, through our proxy, through nginx). Fixed bodies with Content-Length, and a chunked
 * stream of any length that honours backpressure (for the 1 GB memory run). Logs one JSON line when
 * listening.
 */
import { createServer } from 'node:http';

const KB = Buffer.alloc(1024, 'k');
const MB = Buffer.alloc(1024 * 1024, 'm');
const CHUNK = Buffer.alloc(64 * 1024, 's');

const server = createServer({ keepAlive: true, keepAliveTimeout: 65_000 }, (req, res) => {
  const url = req.url ?? '/';
  // Orchestration's health loop polls it like any cluster.
  if (url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 15 });
    return res.end('{"status":"ok"}');
  }
  // Whatever prefix the cluster's base URL has, the last segment picks the body.
  if (url.endsWith('/bench/1k')) {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': KB.length });
    return res.end(KB);
  }
  if (url.endsWith('/bench/1m')) {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': MB.length });
    return res.end(MB);
  }
  const stream = /\/bench\/stream\?bytes=(\d+)$/.exec(url);
  if (stream) {
    let left = Number(stream[1]);
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const pump = () => {
      while (left > 0) {
        const piece = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
        left -= piece.length;
        if (!res.write(piece)) return void res.once('drain', pump);
      }
      res.end();
    };
    res.once('close', () => (left = 0));
    return pump();
  }
  res.writeHead(404, { 'content-type': 'text/plain', 'content-length': 9 });
  res.end('not found');
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ msg: 'upstream listening', port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
