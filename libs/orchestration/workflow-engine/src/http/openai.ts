import { EngineError } from '../errors';
import type { ChatCompletionChunk } from '../events';
import type { NodeContext } from '../node-type';
import type { ModelCredentials } from '../services';
import { trustedRequest, trustedStream, upstreamMessage } from './outbound';
import { SseParser } from './sse';

/** The credential of a registry model, from the injected service. */
export async function modelCredentials(ctx: NodeContext<unknown>, model: string | number): Promise<ModelCredentials> {
  const models = ctx.services.models;
  if (!models) throw new EngineError('service_unavailable', 'no model registry is available to this run');
  const credentials = await models.credentials(model, {
    signal: ctx.signal,
    jobId: ctx.jobId,
    nodeId: ctx.nodeId,
    idempotencyKey: ctx.idempotencyKey,
  });
  if (!credentials || typeof credentials.apiUrl !== 'string' || !credentials.apiUrl) {
    throw new EngineError('service_unavailable', `model "${model}" has no OpenAI-compatible endpoint`);
  }
  return credentials;
}

/** `https://host/v1` (or `…/v1/chat/completions`) + `/embeddings` → `https://host/v1/embeddings`. */
export function endpointUrl(apiUrl: string, path: string): string {
  const base = apiUrl.replace(/\/+$/, '').replace(/\/(chat\/completions|completions|embeddings|rerank)$/, '');
  return `${base}${path}`;
}

function headers(ctx: NodeContext<unknown>, credentials: ModelCredentials, accept: string): Record<string, string> {
  const out: Record<string, string> = {
    ...credentials.headers,
    'content-type': 'application/json',
    accept,
    'idempotency-key': ctx.idempotencyKey,
  };
  if (credentials.apiKey) out.authorization = `Bearer ${credentials.apiKey}`;
  return out;
}

/** POSTs JSON to an OpenAI-compatible endpoint and returns the parsed JSON answer. */
export async function postModelJson(ctx: NodeContext<unknown>, credentials: ModelCredentials, path: string, body: unknown): Promise<Record<string, unknown>> {
  const answer = await trustedRequest(
    { url: endpointUrl(credentials.apiUrl, path), method: 'POST', headers: headers(ctx, credentials, 'application/json'), body: JSON.stringify(body) },
    { signal: ctx.signal, timeoutMs: ctx.limits.nodeTimeoutMs, maxResponseBytes: ctx.http.maxResponseBytes },
  );
  const text = answer.body.toString('utf8');
  if (answer.status >= 300) {
    throw new EngineError('upstream_error', `the model endpoint answered ${answer.status}: ${upstreamMessage(text)}`, { status: answer.status });
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new EngineError('upstream_error', 'the model endpoint did not answer with a JSON object', { status: answer.status });
}

/**
 * POSTs a `stream: true` chat completion and hands every `chat.completion.chunk` to `onChunk` as it
 * arrives (SSE `data:` lines until `[DONE]`).
 */
export async function streamChatCompletion(
  ctx: NodeContext<unknown>,
  credentials: ModelCredentials,
  body: Record<string, unknown>,
  onChunk: (chunk: ChatCompletionChunk) => Promise<void>,
): Promise<void> {
  const parser = new SseParser();
  let done = false;
  const handle = async (data: string) => {
    if (done) return;
    if (data.trim() === '[DONE]') {
      done = true;
      return;
    }
    let chunk: ChatCompletionChunk & { error?: { message?: string } };
    try {
      chunk = JSON.parse(data) as ChatCompletionChunk & { error?: { message?: string } };
    } catch {
      throw new EngineError('upstream_error', 'the model endpoint sent a stream event that is not JSON');
    }
    if (chunk.error) throw new EngineError('upstream_error', `the model endpoint failed mid-stream: ${chunk.error.message ?? 'error'}`);
    if (!Array.isArray(chunk.choices)) chunk.choices = [];
    await onChunk(chunk);
  };
  await trustedStream(
    {
      url: endpointUrl(credentials.apiUrl, '/chat/completions'),
      method: 'POST',
      headers: headers(ctx, credentials, 'text/event-stream'),
      body: JSON.stringify(body),
    },
    { signal: ctx.signal, timeoutMs: ctx.limits.nodeTimeoutMs, maxResponseBytes: ctx.http.maxResponseBytes },
    async (bytes) => {
      for (const message of parser.feed(bytes)) await handle(message.data);
    },
  );
  // Some servers end without `[DONE]`: whatever arrived counts.
  for (const message of parser.end()) await handle(message.data);
}
