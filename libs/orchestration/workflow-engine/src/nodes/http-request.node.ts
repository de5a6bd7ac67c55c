import { EngineError } from '../errors';
import { guardedRequest } from '../http/outbound';
import { defineNode } from '../node-type';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

interface HttpRequestParams {
  url: string;
  method: (typeof METHODS)[number];
  headers?: Record<string, string | number | boolean>;
  query?: Record<string, string | number | boolean>;
  body?: unknown;
  responseType: 'auto' | 'json' | 'text';
  timeoutMs?: number;
  failOnStatus: boolean;
}

/** Headers a workflow may not set: the transport owns them. */
const RESERVED = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'idempotency-key']);

function parseBody(body: Buffer, contentType: string | undefined, responseType: HttpRequestParams['responseType']): unknown {
  const text = body.toString('utf8');
  const json = responseType === 'json' || (responseType === 'auto' && /[/+]json\b/i.test(contentType ?? ''));
  if (!json) return text;
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    if (responseType === 'json') throw new EngineError('http_error', 'the response is not JSON');
    return text;
  }
}

export const httpRequestNode = defineNode<HttpRequestParams>({
  type: 'http_request',
  label: 'HTTP Request',
  category: 'integration',
  description:
    "Calls an HTTP endpoint and outputs `{status, headers, body, url}`. As the workflow's entry (`data.isInput`) it is an HTTP trigger instead and outputs the run input. Outbound calls are SSRF-guarded: private, loopback, link-local, unique-local, CGNAT, multicast and reserved addresses are refused unless the platform's allow-list names them; every redirect hop is re-checked; response size and time are capped; `Idempotency-Key: <jobId>:<nodeId>` is sent. Status ≥ 400 fails the node unless `failOnStatus` is false.",
  version: '1.0.0',
  handles: { inputs: ['inputs'], outputs: ['outputs'] },
  paramsSchema: {
    type: 'object',
    properties: {
      url: { type: 'string', format: 'uri', pattern: '^[hH][tT][tT][pP][sS]?://', description: 'http(s) URL.' },
      method: { type: 'string', enum: [...METHODS], default: 'GET' },
      headers: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
      query: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] }, description: 'Added to the URL’s query.' },
      body: { description: 'Sent as JSON unless it is a string.' },
      responseType: { type: 'string', enum: ['auto', 'json', 'text'], default: 'auto', description: 'auto: JSON when the content type says so.' },
      timeoutMs: { type: 'integer', minimum: 1, description: 'At most the platform’s limit.' },
      failOnStatus: { type: 'boolean', default: true },
    },
    required: ['url'],
    additionalProperties: true,
  },
  inputsSchema: { description: 'Anything (use expressions in params to read it).' },
  outputsSchema: {
    type: 'object',
    properties: {
      status: { type: 'integer' },
      headers: { type: 'object', additionalProperties: { type: 'string' } },
      body: {},
      url: { type: 'string' },
    },
    required: ['status', 'headers', 'body', 'url'],
  },
  async execute(ctx) {
    const p = ctx.params;
    const url = new URL(p.url);
    for (const [k, v] of Object.entries(p.query ?? {})) url.searchParams.append(k, String(v));
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(p.headers ?? {})) if (!RESERVED.has(k.toLowerCase())) headers[k.toLowerCase()] = String(v);
    headers['idempotency-key'] = ctx.idempotencyKey;
    let body: string | undefined;
    if (p.body !== undefined && p.method !== 'GET' && p.method !== 'HEAD') {
      if (typeof p.body === 'string') body = p.body;
      else {
        body = JSON.stringify(p.body);
        headers['content-type'] ??= 'application/json';
      }
    }
    const timeoutMs = Math.min(p.timeoutMs ?? ctx.http.timeoutMs, ctx.http.timeoutMs);
    const answer = await guardedRequest({ url: url.toString(), method: p.method, headers, body }, ctx.http, {
      signal: ctx.signal,
      timeoutMs,
      maxResponseBytes: ctx.http.maxResponseBytes,
    });
    const parsed = parseBody(answer.body, answer.headers['content-type'], p.responseType);
    if (p.failOnStatus && answer.status >= 400) {
      const detail = typeof parsed === 'string' ? parsed.slice(0, 200) : JSON.stringify(parsed).slice(0, 200);
      throw new EngineError('http_status', `${p.method} ${url.origin}${url.pathname} answered ${answer.status}: ${detail}`, { status: answer.status });
    }
    return { output: { status: answer.status, headers: answer.headers, body: parsed, url: answer.url } };
  },
});
