import { createHash } from 'node:crypto';
import { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A request as a loopback test server saw it. */
export interface ReceivedRequest {
  method: string;
  /** Path and query exactly as received. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Request body bytes read so far, and their SHA-256 once complete. */
  bodyBytes: number;
  bodySha256?: string;
  /** The first 64 KiB of the body, as text. */
  body: string;
  /** The client (the proxy) went away before the response was complete. */
  aborted: boolean;
  completed: boolean;
  receivedAt: number;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, record: ReceivedRequest) => void | Promise<void>;

export interface RecordingServer {
  url: string;
  port: number;
  server: Server;
  requests: ReceivedRequest[];
  /** Resolves with the first request (past or future) matching `match`. */
  waitForRequest(match: (r: ReceivedRequest) => boolean, timeoutMs?: number): Promise<ReceivedRequest>;
  /** Resolves once `match`'s request is aborted or completed. */
  waitForEnd(record: ReceivedRequest, timeoutMs?: number): Promise<ReceivedRequest>;
  stop(): Promise<void>;
}

const BODY_PREVIEW = 64 * 1024;

/** Reads a request body, counting and hashing it, keeping a preview; resolves when it ends. */
export function readBody(req: IncomingMessage, record: ReceivedRequest): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    const kept: Buffer[] = [];
    let keptBytes = 0;
    req.on('data', (chunk: Buffer) => {
      record.bodyBytes += chunk.length;
      hash.update(chunk);
      if (keptBytes < BODY_PREVIEW) {
        kept.push(chunk);
        keptBytes += chunk.length;
      }
    });
    req.once('end', () => {
      record.bodySha256 = hash.digest('hex');
      const body = Buffer.concat(kept).subarray(0, BODY_PREVIEW);
      record.body = body.toString('utf8');
      resolve(body);
    });
    req.once('error', reject);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Writes `bytes` bytes in 64 KiB chunks, honouring backpressure; with or without content-length. */
export async function streamBytes(res: ServerResponse, bytes: number, withLength: boolean, headers: Record<string, string> = {}): Promise<void> {
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    ...(withLength ? { 'content-length': String(bytes) } : {}),
    ...headers,
  });
  const chunk = Buffer.alloc(64 * 1024, 'abcdefghijklmnopqrstuvwxyz0123456789');
  let left = bytes;
  while (left > 0 && !res.destroyed) {
    const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
    left -= piece.length;
    if (!res.write(piece)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.once('drain', done);
        res.once('close', done);
      });
    }
  }
  if (!res.destroyed) res.end();
}

/**
 * A real HTTP server on 127.0.0.1 (port 0) that records every request it gets, including whether the
 * caller went away before the answer was complete. The base of the cluster and third-party fakes.
 */
export async function startRecordingServer(handler: Handler): Promise<RecordingServer> {
  const requests: ReceivedRequest[] = [];
  const waiters: { match: (r: ReceivedRequest) => boolean; resolve: (r: ReceivedRequest) => void }[] = [];
  const sockets = new Set<Socket>();
  const server = createServer({ keepAlive: true, requestTimeout: 0 }, (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const record: ReceivedRequest = {
      method: req.method ?? 'GET',
      url,
      path: q < 0 ? url : url.slice(0, q),
      query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)),
      headers: req.headers,
      bodyBytes: 0,
      body: '',
      aborted: false,
      completed: false,
      receivedAt: Date.now(),
    };
    requests.push(record);
    res.once('finish', () => (record.completed = true));
    res.once('close', () => {
      if (!record.completed) record.aborted = true;
    });
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i];
      if (w && w.match(record)) {
        waiters.splice(i, 1);
        w.resolve(record);
      }
    }
    Promise.resolve(handler(req, res, record)).catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const waitForRequest = (match: (r: ReceivedRequest) => boolean, timeoutMs = 10_000) =>
    new Promise<ReceivedRequest>((resolve, reject) => {
      const seen = requests.find(match);
      if (seen) return resolve(seen);
      const timer = setTimeout(() => reject(new Error('no matching request reached the test server')), timeoutMs);
      waiters.push({
        match,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      });
    });

  const waitForEnd = async (record: ReceivedRequest, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!record.aborted && !record.completed) {
      if (Date.now() > deadline) throw new Error('the request neither completed nor was aborted in time');
      await new Promise((r) => setTimeout(r, 10));
    }
    return record;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    requests,
    waitForRequest,
    waitForEnd,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
