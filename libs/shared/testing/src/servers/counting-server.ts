import { sendJson, startLoopback, waitOrClose, type RecordedRequest } from './loopback';

export interface CountingServerOptions {
  /** `127.0.0.1` (default) or `::1`. */
  host?: string;
}

export interface CountingServer {
  /** `http://127.0.0.1:<port>` (or `http://[::1]:<port>`). */
  url: string;
  port: number;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** How many requests arrived (optionally only to one path). */
  hits(path?: string): number;
  /** The `Idempotency-Key` of each request, in order (undefined where none was sent). */
  idempotencyKeys(path?: string): Array<string | undefined>;
  /** From now on every request is redirected to `url` (null stops it). */
  redirectTo(url: string | null, status?: number): void;
  reset(): void;
  stop(): Promise<void>;
}

/**
 * A plain HTTP upstream on loopback that counts requests and records their `Idempotency-Key`s.
 * Routes: `/redirect?to=<url>&status=302`, `/slow?ms=N` (answers after N ms, unless the client
 * left), `…/status/<code>`, `/big?bytes=N` (`&chunked=1` hides the length), `/text`, and anything
 * else echoes `{count, method, path, query, headers, body}` as JSON. `?units=N` adds `x-billed-units: N`.
 */
export async function startCountingServer(options: CountingServerOptions = {}): Promise<CountingServer> {
  let redirect: { url: string; status: number } | undefined;
  const loopback = await startLoopback(async (_req, res, record) => {
    const count = loopback.requests.length;
    const extra: Record<string, string> = record.query.units ? { 'x-billed-units': record.query.units } : {};
    if (redirect) {
      res.writeHead(redirect.status, { location: redirect.url, 'content-length': 0 });
      return void res.end();
    }
    if (record.path === '/redirect') {
      res.writeHead(Number(record.query.status ?? 302), { location: record.query.to ?? '/', 'content-length': 0 });
      return void res.end();
    }
    if (record.path === '/slow') {
      if (!(await waitOrClose(res, Number(record.query.ms ?? 1000)))) return;
      return sendJson(res, 200, { count, slow: true }, extra);
    }
    const status = /\/status\/(\d{3})$/.exec(record.path);
    if (status) return sendJson(res, Number(status[1]), { count, status: Number(status[1]) }, extra);
    if (record.path === '/big') {
      const bytes = Number(record.query.bytes ?? 1024);
      const headers: Record<string, string | number> = { 'content-type': 'text/plain' };
      if (record.query.chunked !== '1') headers['content-length'] = bytes;
      res.writeHead(200, headers);
      const block = Buffer.alloc(64 * 1024, 'x');
      for (let left = bytes; left > 0 && !res.destroyed; left -= block.length) {
        if (!res.write(left >= block.length ? block : block.subarray(0, left))) await new Promise((r) => res.once('drain', r));
      }
      return void res.end();
    }
    if (record.path === '/text') {
      res.writeHead(200, { 'content-type': 'text/plain', ...extra });
      return void res.end(`hello #${count}`);
    }
    return sendJson(res, 200, { count, method: record.method, path: record.path, query: record.query, headers: record.headers, body: record.body ?? null }, extra);
  }, options.host);

  const matching = (path?: string) => (path ? loopback.requests.filter((r) => r.path === path) : loopback.requests);
  return {
    url: loopback.origin,
    port: loopback.port,
    requests: loopback.requests,
    hits: (path) => matching(path).length,
    idempotencyKeys: (path) => matching(path).map((r) => r.idempotencyKey),
    redirectTo: (url, status = 302) => {
      redirect = url === null ? undefined : { url, status };
    },
    reset: () => {
      loopback.requests.length = 0;
      redirect = undefined;
    },
    stop: loopback.stop,
  };
}
