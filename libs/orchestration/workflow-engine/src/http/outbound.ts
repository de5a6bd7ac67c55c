import { guardedConnector } from '@alien/upstream';
import { Agent, buildConnector, request, type Dispatcher } from 'undici';
import { EngineError } from '../errors';
import type { HttpPolicy, ResolvedHttpPolicy } from '../node-type';
import { resolveTarget } from './ssrf';

/** Trusted upstreams (model endpoints) may be internal hosts, never link-local (cloud metadata) or unspecified addresses. */
const TRUSTED_AGENT = new Agent({ keepAliveTimeout: 4_000, connect: guardedConnector({ timeout: 10_000 }) });

export const DEFAULT_HTTP_POLICY: ResolvedHttpPolicy = {
  allow: [],
  timeoutMs: 30_000,
  maxResponseBytes: 10 * 1024 * 1024,
  maxRedirects: 5,
};

export function resolveHttpPolicy(policy: HttpPolicy = {}): ResolvedHttpPolicy {
  return {
    allow: policy.allow ?? DEFAULT_HTTP_POLICY.allow,
    timeoutMs: policy.timeoutMs ?? DEFAULT_HTTP_POLICY.timeoutMs,
    maxResponseBytes: policy.maxResponseBytes ?? DEFAULT_HTTP_POLICY.maxResponseBytes,
    maxRedirects: policy.maxRedirects ?? DEFAULT_HTTP_POLICY.maxRedirects,
    lookup: policy.lookup,
  };
}

export interface HttpCall {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The URL that answered (after redirects). */
  url: string;
  redirects: number;
}

export interface CallOptions {
  signal: AbortSignal;
  timeoutMs: number;
  maxResponseBytes: number;
}

/**
 * A dispatcher whose every new connection goes to an address checked by `resolveTarget`: the check
 * and the dial use the same DNS answer (no rebinding window), TLS keeps the host name for SNI.
 */
function guardedAgent(policy: ResolvedHttpPolicy): Agent {
  const connect = buildConnector({ timeout: Math.min(policy.timeoutMs, 10_000) });
  return new Agent({
    connections: 4,
    connect: (options, callback) => {
      resolveTarget(options.hostname, policy).then(
        ({ address }) => connect({ ...options, hostname: address }, callback),
        (error: Error) => callback(error, null),
      );
    },
  });
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Finds our own error inside what undici threw (it may wrap connector errors). */
function engineErrorIn(error: unknown): EngineError | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof EngineError) return e;
  }
  return undefined;
}

async function readCapped(body: Dispatcher.ResponseData['body'], limit: number, declared: string | undefined): Promise<Buffer> {
  if (declared !== undefined && Number(declared) > limit) {
    body.destroy();
    throw new EngineError('response_too_large', `the response declares ${declared} bytes, over the ${limit}-byte cap`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (total > limit) {
      body.destroy();
      throw new EngineError('response_too_large', `the response is over the ${limit}-byte cap`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Runs `call` with an overall deadline and the caller's signal; maps undici's failures to typed errors. */
async function withDeadline<T>(what: string, options: Pick<CallOptions, 'signal' | 'timeoutMs'>, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new EngineError('http_error', `${what} timed out after ${options.timeoutMs} ms`));
  }, options.timeoutMs);
  const onAbort = () => controller.abort(options.signal.reason);
  if (options.signal.aborted) onAbort();
  else options.signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await call(controller.signal);
  } catch (error) {
    if (timedOut) throw new EngineError('http_error', `${what} timed out after ${options.timeoutMs} ms`);
    if (options.signal.aborted) throw options.signal.reason;
    const own = engineErrorIn(error);
    if (own) throw own;
    const code = (error as { code?: string }).code;
    throw new EngineError('http_error', `${what} failed: ${code ?? (error as Error).message}`);
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', onAbort);
  }
}

/** The upstream's own error message (`{error: {message}}`, `{message}`, `{detail}`), else the text's start. */
export function upstreamMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: string } | string; message?: string; detail?: string };
    const message = typeof body.error === 'string' ? body.error : (body.error?.message ?? body.message ?? body.detail);
    if (typeof message === 'string') return message.slice(0, 500);
  } catch {
    // not JSON
  }
  return text.slice(0, 300);
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

/**
 * An outbound request under the SSRF policy: only http(s); every connection dialled to a checked
 * address; redirects followed by hand, each hop re-checked (303, and 301/302 after POST, become GET;
 * credentials dropped when the origin changes); body capped; one deadline for all hops.
 */
export async function guardedRequest(call: HttpCall, policy: ResolvedHttpPolicy, options: CallOptions): Promise<HttpAnswer> {
  const agent = guardedAgent(policy);
  try {
    return await withDeadline(`${call.method} ${new URL(call.url).origin}`, options, async (signal) => {
      let url = new URL(call.url);
      let { method, body } = call;
      let headers = { ...call.headers };
      for (let redirects = 0; ; redirects++) {
        if (url.protocol !== 'http:' && url.protocol !== 'https:') {
          throw new EngineError('ssrf_refused', `refused ${url.protocol} URL: only http and https are allowed`);
        }
        if (url.username || url.password) throw new EngineError('ssrf_refused', 'refused a URL with credentials in it');
        const response = await request(url, { method: method as Dispatcher.HttpMethod, headers, body, signal, dispatcher: agent });
        const location = response.headers.location;
        if (REDIRECTS.has(response.statusCode) && typeof location === 'string') {
          await response.body.dump();
          if (redirects >= policy.maxRedirects) throw new EngineError('too_many_redirects', `more than ${policy.maxRedirects} redirects`);
          const next = new URL(location, url);
          if (response.statusCode === 303 || ((response.statusCode === 301 || response.statusCode === 302) && method === 'POST')) {
            method = 'GET';
            body = undefined;
            headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !/^content-/i.test(k)));
          }
          if (next.origin !== url.origin) {
            headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !CREDENTIAL_HEADERS.includes(k.toLowerCase())));
          }
          url = next;
          continue;
        }
        const responseHeaders = flattenHeaders(response.headers);
        const data = await readCapped(response.body, options.maxResponseBytes, responseHeaders['content-length']);
        return { status: response.statusCode, headers: responseHeaders, body: data, url: url.toString(), redirects };
      }
    });
  } finally {
    void agent.destroy().catch(() => undefined);
  }
}

/**
 * A request to a trusted upstream (a registry model's endpoint): no SSRF policy — model endpoints
 * often live on the private network — but a deadline, a size cap and no redirects.
 */
export async function trustedRequest(call: HttpCall, options: CallOptions, label = 'the model endpoint'): Promise<HttpAnswer> {
  // Errors name the upstream by role, not by address: model endpoints may be internal hosts.
  return withDeadline(label, options, async (signal) => {
    const response = await request(call.url, { method: call.method as Dispatcher.HttpMethod, headers: call.headers, body: call.body, signal, dispatcher: TRUSTED_AGENT });
    const headers = flattenHeaders(response.headers);
    const data = await readCapped(response.body, options.maxResponseBytes, headers['content-length']);
    return { status: response.statusCode, headers, body: data, url: call.url, redirects: 0 };
  });
}

/** Streams a trusted upstream's response body to `onData` (for SSE), same deadline and errors. */
export async function trustedStream(
  call: HttpCall,
  options: CallOptions,
  onData: (chunk: Buffer) => Promise<void>,
  label = 'the model endpoint',
): Promise<void> {
  await withDeadline(label, options, async (signal) => {
    const response = await request(call.url, { method: call.method as Dispatcher.HttpMethod, headers: call.headers, body: call.body, signal, dispatcher: TRUSTED_AGENT });
    if (response.statusCode >= 300) {
      const data = await readCapped(response.body, 64 * 1024, undefined).catch(() => Buffer.alloc(0));
      throw new EngineError('upstream_error', `the model endpoint answered ${response.statusCode}: ${upstreamMessage(data.toString('utf8'))}`, {
        status: response.statusCode,
      });
    }
    let total = 0;
    for await (const chunk of response.body) {
      total += (chunk as Buffer).length;
      if (total > options.maxResponseBytes) {
        response.body.destroy();
        throw new EngineError('response_too_large', `the stream is over the ${options.maxResponseBytes}-byte cap`);
      }
      await onData(chunk as Buffer);
    }
  });
}
