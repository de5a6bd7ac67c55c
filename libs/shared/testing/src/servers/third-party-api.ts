import type { IncomingMessage, ServerResponse } from 'node:http';
import { ReceivedRequest, RecordingServer, readBody, sendJson, startRecordingServer, streamBytes } from './recording-server';

export type ThirdPartyApi = RecordingServer;

/**
 * A metered third-party API on loopback. Every answer says what it costs in `x-billed-units`,
 * taken verbatim from the request's `units` query parameter (default 3), so tests can make it
 * answer garbage (`units=lots`) or a negative number (`units=-5`); `units=none` sends no header.
 *
 * - `ANY /v1/translate` — 200 JSON echo of what it received (method, path, query, headers, body)
 * - `GET|POST /v1/huge?bytes=N&length=0|1` — N bytes, with or without Content-Length
 * - `ANY /v1/fail` — 500; `/v1/reset` drops the connection; `/v1/hang` never answers
 * - `ANY /v1/reset-mid` — headers and a few bytes, then the connection drops
 */
export async function startThirdPartyApi(): Promise<ThirdPartyApi> {
  const handle = async (req: IncomingMessage, res: ServerResponse, record: ReceivedRequest) => {
    const units = record.query.get('units') ?? '3';
    const billing: Record<string, string> = units === 'none' ? {} : { 'x-billed-units': units };
    switch (record.path) {
      case '/v1/translate': {
        const body = await readBody(req, record);
        return sendJson(
          res,
          200,
          { method: record.method, path: record.path, query: record.url.slice(record.path.length), headers: req.headers, body: body.toString('utf8') },
          billing,
        );
      }
      case '/v1/huge':
        await readBody(req, record);
        return streamBytes(res, Number(record.query.get('bytes') ?? 1_048_576), record.query.get('length') !== '0', billing);
      case '/v1/fail':
        await readBody(req, record);
        return sendJson(res, 500, { error: 'upstream broke' }, billing);
      case '/v1/reset':
        return void req.socket.destroy();
      case '/v1/reset-mid':
        await readBody(req, record);
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '1000000', ...billing });
        res.write(Buffer.alloc(1_000, 'x'));
        return void setTimeout(() => req.socket.destroy(), 50);
      case '/v1/hang':
        return;
      default:
        await readBody(req, record);
        return sendJson(res, 404, { error: 'unknown endpoint' });
    }
  };
  return startRecordingServer(handle);
}
