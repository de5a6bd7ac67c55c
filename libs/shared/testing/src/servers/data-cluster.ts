import type { IncomingMessage, ServerResponse } from 'node:http';
import { ReceivedRequest, RecordingServer, readBody, sendJson, startRecordingServer, streamBytes } from './recording-server';

export interface FakeDataClusterOptions {
  /** The Data API is mounted under this path (e.g. `/data`); requests outside it land in `escaped`. */
  basePath?: string;
  /** When set, `/api/*` requires `Authorization: Bearer <credential>` (401 otherwise). */
  credential?: string;
}

export interface FakeDataCluster extends RecordingServer {
  /** What to register as the cluster's baseUrl: origin + basePath. */
  baseUrl: string;
  /** Requests that arrived outside basePath: a path escape. */
  escaped: ReceivedRequest[];
  healthHits(): number;
  setHealthy(healthy: boolean): void;
}

const SEARCH_RESULTS = [
  { id: 'doc-1', title: 'Sea surface temperature 1981-2020', score: 0.93 },
  { id: 'doc-2', title: 'Arctic sea ice extent', score: 0.81 },
];

/**
 * A data cluster on loopback that speaks enough of the Data API for the proxy's tests:
 *
 * - `GET {base}/health` — 200 `{"status":"ok"}` (503 after `setHealthy(false)`)
 * - `POST {base}/api/v1/search` — JSON `{results, total, query}` echoing the request's `query`
 * - `GET {base}/api/v1/sse?events=N&intervalMs=M` — N server-sent events, M ms apart
 * - `GET {base}/api/v1/slow?ms=N` — answers after N ms; `/api/v1/hang` never answers
 * - `GET {base}/api/v1/huge?bytes=N&length=0|1` — N bytes, with or without Content-Length
 * - `GET {base}/api/v1/reset` — drops the connection; `/api/v1/reset-mid` after headers and a few bytes
 * - `GET {base}/api/v1/garbage` — answers with bytes that are not HTTP
 * - `ANY {base}/api/v1/upload` — reads the body, answers `{bytes, sha256}`
 * - `ANY {base}/echo/…` — answers what it received: method, path, query, headers, body size and hash
 *   (`?hop=1` adds `Connection: x-upstream-hop` and that header, which a proxy must not pass on)
 */
export async function startFakeDataCluster(options: FakeDataClusterOptions = {}): Promise<FakeDataCluster> {
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const escaped: ReceivedRequest[] = [];
  let healthy = true;
  let healthCount = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse, record: ReceivedRequest) => {
    if (basePath && record.path !== basePath && !record.path.startsWith(`${basePath}/`)) {
      escaped.push(record);
      await readBody(req, record).catch(() => undefined);
      return sendJson(res, 418, { escaped: record.path });
    }
    const path = record.path.slice(basePath.length) || '/';
    if (path === '/health') {
      healthCount++;
      return sendJson(res, healthy ? 200 : 503, { status: healthy ? 'ok' : 'down' });
    }
    if (options.credential && path.startsWith('/api/') && req.headers['authorization'] !== `Bearer ${options.credential}`) {
      await readBody(req, record).catch(() => undefined);
      return sendJson(res, 401, { error: 'cluster credential missing or wrong' });
    }
    if (path.startsWith('/echo')) {
      await readBody(req, record);
      const answer = { method: record.method, path: record.path, query: record.url.slice(record.path.length), headers: req.headers, bodyBytes: record.bodyBytes, bodySha256: record.bodySha256 };
      // `?hop=1`: the answer names a header in Connection, which makes it hop-by-hop (never forwarded).
      const hop: Record<string, string> = record.query.get('hop') ? { connection: 'keep-alive, x-upstream-hop', 'x-upstream-hop': 'connection-scoped' } : {};
      return sendJson(res, 200, answer, { 'x-cluster-echo': '1', ...hop });
    }
    switch (path) {
      case '/api/v1/search': {
        const body = await readBody(req, record);
        let query: unknown = null;
        try {
          query = (JSON.parse(body.toString('utf8') || '{}') as { query?: unknown }).query ?? null;
        } catch {
          return sendJson(res, 400, { error: 'malformed JSON' });
        }
        return sendJson(res, 200, { results: SEARCH_RESULTS, total: SEARCH_RESULTS.length, query });
      }
      case '/api/v1/sse': {
        const events = Number(record.query.get('events') ?? 3);
        const interval = Number(record.query.get('intervalMs') ?? 100);
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        for (let i = 1; i <= events && !res.destroyed; i++) {
          res.write(`id: ${i}\nevent: progress\ndata: {"n":${i},"at":${Date.now()}}\n\n`);
          if (i < events) await new Promise((r) => setTimeout(r, interval));
        }
        return void res.end();
      }
      case '/api/v1/slow': {
        await new Promise((r) => setTimeout(r, Number(record.query.get('ms') ?? 1_000)));
        return sendJson(res, 200, { slow: true });
      }
      case '/api/v1/hang':
        // Never answers; the request stays open until the caller gives up.
        return;
      case '/api/v1/huge':
        return streamBytes(res, Number(record.query.get('bytes') ?? 1_048_576), record.query.get('length') !== '0');
      case '/api/v1/reset':
        return void req.socket.destroy();
      case '/api/v1/reset-mid':
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '1000000' });
        res.write(Buffer.alloc(1_000, 'x'));
        return void setTimeout(() => req.socket.destroy(), 50);
      case '/api/v1/garbage':
        req.socket.end('THIS IS NOT HTTP\r\n\r\n');
        return;
      case '/api/v1/upload':
        await readBody(req, record);
        return sendJson(res, 200, { bytes: record.bodyBytes, sha256: record.bodySha256 });
      default:
        await readBody(req, record).catch(() => undefined);
        return sendJson(res, 404, { error: 'no such Data API route', path });
    }
  };

  const server = await startRecordingServer(handle);
  return {
    ...server,
    baseUrl: `${server.url}${basePath}`,
    escaped,
    healthHits: () => healthCount,
    setHealthy: (value) => (healthy = value),
  };
}
