import { ApiError } from '@alien/envelope';
import { HeaderMap, endToEndHeaders } from '@alien/upstream';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { lingerThenClose, writeErrorEnvelope } from './envelope-response';

/** How a forwarded exchange ended. */
export type ForwardOutcome =
  /** The whole answer reached the client. */
  | 'completed'
  /** The client went away first; the upstream request was aborted. */
  | 'client_aborted'
  /** The upstream could not be reached or answered something that is not HTTP (502). */
  | 'upstream_error'
  /** The upstream failed in the middle of its body: the client's connection was cut. */
  | 'upstream_cut'
  /** No answer within the budget (504), a body that went silent that long, or the maximum duration (cut). */
  | 'timeout'
  /** The request body was over the limit (413). */
  | 'request_too_large'
  /** The answer was over the limit: 413 when its Content-Length said so, a cut connection otherwise. */
  | 'response_too_large'
  /** `onResponse` refused the answer (its error envelope was sent instead). */
  | 'refused'
  /** `beforeEnd` failed: the last bytes were withheld and the connection cut. */
  | 'finalize_failed';

export interface ForwardResult {
  /** Status the client got; 499 when it went away before any answer. */
  status: number;
  outcome: ForwardOutcome;
  /** Request body bytes sent upstream, response body bytes sent to the client. */
  bytesIn: number;
  bytesOut: number;
  /** Status line of the upstream's answer, when there was one. */
  upstreamStatus?: number;
  /** Why it failed, for logs (never secrets). */
  error?: string;
}

export interface ForwardOptions {
  dispatcher: Dispatcher;
  /** `http://host:port` of the upstream. */
  origin: string;
  /** Path and query string sent upstream, already checked (see subpathError). */
  path: string;
  method: string;
  headers: HeaderMap;
  /** Stream the client's body upstream. */
  withBody: boolean;
  /** Request body bytes beyond which the exchange is refused with 413. */
  maxRequestBytes: number;
  /** Until the upstream's response headers (→ 504); also the longest silence inside its body (→ cut). */
  budgetMs: number;
  /** Hard cap on the whole exchange, streams included (→ cut). */
  maxDurationMs: number;
  /** Response body bytes beyond which the connection is cut. */
  maxResponseBytes?: number;
  /** Upstream response headers never passed back (besides hop-by-hop ones). */
  dropResponseHeaders: ReadonlySet<string>;
  /**
   * Sees the upstream's status and headers before anything is sent: returns headers to add, or an
   * ApiError to answer instead (the upstream request is then aborted).
   */
  onResponse?(status: number, headers: IncomingHttpHeaders): Record<string, string> | ApiError;
  /**
   * Runs after the upstream's body ended and before the client gets the last bytes; the answer only
   * completes once it resolves (a usage record made durable, say). A rejection cuts the connection.
   */
  beforeEnd?(result: ForwardResult): Promise<void>;
  requestId: string;
  /** How the upstream is named in error messages ("The cluster", "The external API"). */
  upstreamName: string;
  /** Status and code when the upstream cannot be reached (default 502 bad_gateway). */
  unreachable?: { status: number; code: string };
}

class ForwardAbort extends Error {
  constructor(readonly outcome: ForwardOutcome) {
    super(outcome);
    this.name = 'ForwardAbort';
  }
}

class RequestTooLarge extends Error {
  override name = 'RequestTooLarge';
}

/**
 * The client's body, counted, refused past `max` bytes (undici reads it as an async iterable). Read
 * with read()/'readable' rather than `for await`: leaving a `for await` destroys the request, and its
 * socket with it, before the 413 could be written.
 */
async function* countedBody(req: IncomingMessage, max: number, result: ForwardResult): AsyncGenerator<Buffer> {
  let wake: () => void = () => undefined;
  let ended = false;
  let failure: Error | null = null;
  const onReadable = () => wake();
  const onEnd = () => {
    ended = true;
    wake();
  };
  const onError = (err: Error) => {
    failure = err;
    wake();
  };
  const onClose = () => {
    if (!req.complete) failure ??= new Error('the client went away during the upload');
    wake();
  };
  req.on('readable', onReadable);
  req.once('end', onEnd);
  req.once('error', onError);
  req.once('close', onClose);
  try {
    for (;;) {
      let chunk: Buffer | null;
      while ((chunk = req.read() as Buffer | null) !== null) {
        result.bytesIn += chunk.length;
        if (result.bytesIn > max) throw new RequestTooLarge(`request body over ${max} bytes`);
        yield chunk;
      }
      if (failure) throw failure;
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    req.off('readable', onReadable);
    req.off('end', onEnd);
    req.off('error', onError);
    req.off('close', onClose);
  }
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT']);

/** What a failure before the response started means for the client. */
function failureBeforeHeaders(error: Error & { code?: string }, f: ForwardOptions): { outcome: ForwardOutcome; error: ApiError } {
  if (error instanceof ForwardAbort && error.outcome === 'timeout') {
    return { outcome: 'timeout', error: new ApiError(504, `${f.upstreamName} did not answer within ${f.budgetMs} ms`, 'upstream_timeout') };
  }
  if (TIMEOUT_CODES.has(error.code ?? '')) {
    return { outcome: 'timeout', error: new ApiError(504, `${f.upstreamName} did not answer in time`, 'upstream_timeout') };
  }
  if (error instanceof RequestTooLarge || (error as { cause?: unknown }).cause instanceof RequestTooLarge) {
    return { outcome: 'request_too_large', error: new ApiError(413, `The request body is larger than ${f.maxRequestBytes} bytes`, 'payload_too_large') };
  }
  const notHttp = /^HPE_/.test(error.code ?? '') || error.name === 'HTTPParserError';
  const { status, code } = f.unreachable ?? { status: 502, code: 'bad_gateway' };
  return {
    outcome: 'upstream_error',
    error: new ApiError(status, notHttp ? `${f.upstreamName} answered with something that is not HTTP` : `${f.upstreamName} could not be reached`, code),
  };
}

/**
 * Streams one exchange between a client and an upstream, both bodies without buffering, with
 * backpressure both ways. Never retries. The upstream request is aborted when the client goes away;
 * the client gets an error envelope when something fails before the upstream answers (413, 502, 504),
 * and a cut connection when it fails later (a client can tell an incomplete body from a complete one).
 */
export function forward(req: IncomingMessage, res: ServerResponse, f: ForwardOptions): Promise<ForwardResult> {
  return new Promise<ForwardResult>((resolve) => {
    const result: ForwardResult = { status: 0, outcome: 'completed', bytesIn: 0, bytesOut: 0 };
    let controller: Dispatcher.DispatchController | null = null;
    let pendingAbort: ForwardAbort | null = null;
    let started = false;
    let settled = false;
    let held: Buffer | null = null;

    const finish = (outcome: ForwardOutcome, error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(budgetTimer);
      clearTimeout(durationTimer);
      res.off('close', onClientClose);
      result.outcome = outcome;
      if (error) result.error = error;
      resolve(result);
    };
    const abortUpstream = (reason: ForwardAbort) => {
      if (controller) controller.abort(reason);
      else pendingAbort = reason;
    };
    const fail = (outcome: ForwardOutcome, error: ApiError, detail?: string) => {
      if (settled) return;
      if (!started) {
        writeErrorEnvelope(req, res, error, f.requestId);
        result.status = error.status;
      } else {
        res.destroy();
      }
      finish(outcome, detail ?? error.message);
    };
    const onClientClose = () => {
      if (settled || res.writableFinished) return;
      if (!started) result.status = 499;
      finish('client_aborted', 'the client went away');
      abortUpstream(new ForwardAbort('client_aborted'));
    };
    res.on('close', onClientClose);

    // Until the response headers: the budget (connect, upload and the upstream's thinking together).
    const budgetTimer = setTimeout(() => {
      if (started) return;
      const abort = new ForwardAbort('timeout');
      const { outcome, error } = failureBeforeHeaders(abort, f);
      fail(outcome, error);
      abortUpstream(abort);
    }, f.budgetMs);
    const durationTimer = setTimeout(() => {
      fail('timeout', new ApiError(504, `${f.upstreamName} exchange exceeded ${f.maxDurationMs} ms`, 'upstream_timeout'));
      abortUpstream(new ForwardAbort('timeout'));
    }, f.maxDurationMs);

    const write = (c: Dispatcher.DispatchController, chunk: Buffer) => {
      if (!res.write(chunk)) {
        c.pause();
        res.once('drain', () => c.resume());
      }
    };

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (pendingAbort) c.abort(pendingAbort);
      },
      onResponseStart(c, status, headers) {
        if (settled || status < 200) return;
        result.upstreamStatus = status;
        const extra = f.onResponse?.(status, headers);
        if (extra instanceof ApiError) {
          // Answer first: aborting calls onResponseError synchronously, which must find us settled.
          fail(extra.status === 413 ? 'response_too_large' : 'refused', extra);
          c.abort(new ForwardAbort('refused'));
          return;
        }
        const out = endToEndHeaders(headers, f.dropResponseHeaders);
        if (extra) Object.assign(out, extra);
        out['x-request-id'] = f.requestId;
        // The upstream answered before reading the whole body (a 413 or 401 to an upload): the rest is dropped.
        if (f.withBody && !req.complete) res.once('finish', () => lingerThenClose(req));
        started = true;
        clearTimeout(budgetTimer);
        result.status = status;
        res.writeHead(status, out);
        // Node sends the head with the first body bytes; holding a chunk back must not hold the head too.
        if (f.beforeEnd) res.flushHeaders();
      },
      onResponseData(c, chunk) {
        if (settled) return;
        result.bytesOut += chunk.length;
        if (f.maxResponseBytes !== undefined && result.bytesOut > f.maxResponseBytes) {
          res.destroy();
          finish('response_too_large', `answer over ${f.maxResponseBytes} bytes`);
          c.abort(new ForwardAbort('response_too_large'));
          return;
        }
        if (!f.beforeEnd) return write(c, chunk);
        // One chunk is held back so the answer cannot complete before beforeEnd() has.
        if (held) write(c, held);
        held = chunk;
      },
      onResponseEnd() {
        if (settled) return;
        if (!f.beforeEnd) {
          res.end();
          return finish('completed');
        }
        clearTimeout(durationTimer);
        f.beforeEnd(result).then(
          () => {
            if (settled) return;
            res.end(held ?? undefined);
            finish('completed');
          },
          (err: unknown) => {
            res.destroy();
            finish('finalize_failed', (err as Error)?.message ?? String(err));
          },
        );
      },
      onResponseError(_c, err: Error & { code?: string }) {
        if (settled) return;
        if (err instanceof ForwardAbort) {
          if (err.outcome === 'client_aborted') return finish('client_aborted');
          if (err.outcome === 'timeout' && !started) return;
        }
        if (!started) {
          const { outcome, error } = failureBeforeHeaders(err, f);
          return fail(outcome, error, `${err.name}${err.code ? ` ${err.code}` : ''}: ${err.message}`);
        }
        // Mid-body: the client's connection is cut so it cannot take a partial body for a whole one.
        const outcome: ForwardOutcome = err.code === 'UND_ERR_BODY_TIMEOUT' || (err instanceof ForwardAbort && err.outcome === 'timeout') ? 'timeout' : 'upstream_cut';
        res.destroy();
        finish(outcome, `${err.name}${err.code ? ` ${err.code}` : ''}: ${err.message}`);
      },
    };

    try {
      f.dispatcher.dispatch(
        {
          origin: f.origin,
          path: f.path,
          method: f.method as Dispatcher.HttpMethod,
          headers: f.headers,
          body: f.withBody ? (countedBody(req, f.maxRequestBytes, result) as unknown as IncomingMessage) : null,
          // Our timer covers the wait for headers; undici's covers silence inside the body.
          headersTimeout: 0,
          bodyTimeout: f.budgetMs,
          // Never sent twice, never pipelined behind another request.
          idempotent: false,
          blocking: true,
        },
        handler,
      );
    } catch (err) {
      // undici refuses some requests synchronously (an invalid header value, say).
      fail('upstream_error', new ApiError(502, `${f.upstreamName} could not be called: ${(err as Error).message}`, 'bad_gateway'));
    }
  });
}
