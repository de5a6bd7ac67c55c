import { HEADERS } from '@alien/identity';
import { requestIdOf } from '@alien/nest-http';
import { forward } from '@alien/proxy/streaming';
import { endToEndHeaders } from '@alien/upstream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent } from 'undici';

/** The proxy app's public streaming routes: `/clusters/{id}/proxy…` and `/external-apis/{c}/endpoints/{e}/proxy`. */
export const DATA_PLANE_PATH = /^\/(?:clusters\/[^/?#]*\/proxy(?=[/?]|$)|external-apis\/[^/?#]*\/endpoints\/[^/?#]*\/proxy(?=\?|$))/;

/**
 * `expect` too: Node already answered `100 Continue` to the client (or will read the body anyway), and
 * undici refuses to send it on (every curl upload over 1 MB was a 503 here).
 */
const DROP = new Set(['host', 'x-forwarded-for', 'expect']);
const NOTHING: ReadonlySet<string> = new Set();
const CREDENTIAL_HEADERS = [HEADERS.authorization, HEADERS.oauthAccessToken];

export interface PassthroughOptions {
  /** Where the proxy app listens (`http://proxy:3404`). */
  proxyUrl: string;
  /** Longest wait for the proxy's answer, and longest silence inside it: above the proxy's own budgets. */
  budgetMs: number;
  /** Called once per request when it is over (the gateway's access log). */
  onDone?(req: IncomingMessage, status: number, durationMs: number): void;
}

/**
 * The gateway's side of the data plane when clients reach it on :3333 (local runs, or an ingress that
 * sends everything to the gateway): the proxy app's streaming routes are passed through byte for byte,
 * before Fastify, without parsing or buffering. The gateway decides nothing here — the proxy app
 * authenticates and authorises every such request itself (one code path), so the client's headers,
 * credentials included, go through unchanged.
 */
export class DataPlanePassthrough {
  private readonly agent = new Agent({ keepAliveTimeout: 4_000, connect: { timeout: 5_000 } });
  private readonly origin: string;
  private readonly basePath: string;

  constructor(private readonly options: PassthroughOptions) {
    const url = new URL(options.proxyUrl);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
  }

  matches(url: string | undefined): boolean {
    return url !== undefined && DATA_PLANE_PATH.test(url);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    const requestId = requestIdOf(req, res);
    const headers = endToEndHeaders(req.headers, DROP);
    // Node keeps only the first `authorization` in req.headers (and joins other duplicates): pass every
    // credential header on as sent, so the proxy app refuses a duplicate (400) like the gateway does.
    for (const name of CREDENTIAL_HEADERS) {
      const sent = req.headersDistinct[name];
      if (sent && sent.length > 1) headers[name] = sent;
    }
    headers['x-request-id'] = requestId;
    const peer = req.socket.remoteAddress;
    const forwardedFor = req.headers['x-forwarded-for'];
    if (peer) headers['x-forwarded-for'] = forwardedFor ? `${forwardedFor}, ${peer}` : peer;
    if (req.headers.host && !req.headers['x-forwarded-host']) headers['x-forwarded-host'] = req.headers.host;
    const length = req.headers['content-length'];
    const withBody = length !== undefined ? length !== '0' : req.headers['transfer-encoding'] !== undefined;
    const result = await forward(req, res, {
      dispatcher: this.agent,
      origin: this.origin,
      path: `${this.basePath}${req.url ?? '/'}`,
      method: req.method ?? 'GET',
      headers,
      withBody,
      maxRequestBytes: Number.MAX_SAFE_INTEGER,
      budgetMs: this.options.budgetMs,
      maxDurationMs: 24 * 3_600_000,
      dropResponseHeaders: NOTHING,
      requestId,
      upstreamName: 'The proxy service',
      unreachable: { status: 503, code: 'proxy_unavailable' },
    });
    this.options.onDone?.(req, result.status, performance.now() - startedAt);
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
