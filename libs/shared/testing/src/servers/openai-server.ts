import { createHash, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendJson, startLoopback, waitOrClose, type RecordedRequest } from './loopback';

export interface ChatMessageLike {
  role: string;
  content?: unknown;
}

export interface OpenAiServerOptions {
  /** The bearer key it accepts (default: a random `sk-test-…`). */
  apiKey?: string;
  /** The assistant's answer (default: `You said: <last user message>`). */
  reply?: string | ((messages: ChatMessageLike[], model: string) => string);
  /** Pause between streamed tokens (default 0). */
  tokenDelayMs?: number;
  /** Embedding size (default 8). */
  dimensions?: number;
}

export interface OpenAiServer {
  /** Base URL to use as a model's `apiUrl`: `http://127.0.0.1:<port>/v1`. */
  url: string;
  apiKey: string;
  /** Every request received (the API key in `headers.authorization`, `Idempotency-Key` in `idempotencyKey`). */
  requests: RecordedRequest[];
  /** Requests to one endpoint, e.g. `/v1/chat/completions`. */
  requestsTo(path: string): RecordedRequest[];
  setReply(reply: NonNullable<OpenAiServerOptions['reply']>): void;
  setTokenDelay(ms: number): void;
  /** The next `times` requests answer `status` with an OpenAI-style error body. */
  failNext(status: number, times?: number): void;
  stop(): Promise<void>;
}

const words = (text: string) => text.split(/\s+/).filter(Boolean);
const textOf = (content: unknown): string =>
  typeof content === 'string' ? content : Array.isArray(content) ? content.map((p) => (p as { text?: string }).text ?? '').join(' ') : '';

/** Tokens as a streaming model would emit them: each word with the space after it. */
export function tokenize(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/** A deterministic unit vector for a text (same text, same vector). */
export function fakeEmbedding(text: string, dimensions: number): number[] {
  const values: number[] = [];
  for (let block = 0; values.length < dimensions; block++) {
    const hash = createHash('sha256').update(`${block}:${text}`).digest();
    for (let i = 0; i + 1 < hash.length && values.length < dimensions; i += 2) values.push(hash.readUInt16BE(i) / 65535 - 0.5);
  }
  const norm = Math.sqrt(values.reduce((s, v) => s + v * v, 0)) || 1;
  return values.map((v) => v / norm);
}

function rerankScore(query: string, document: string): number {
  const q = new Set(words(query.toLowerCase()));
  const d = new Set(words(document.toLowerCase()));
  if (q.size === 0) return 0;
  let hits = 0;
  for (const w of q) if (d.has(w)) hits++;
  return Math.round((hits / q.size) * 1000) / 1000;
}

/**
 * An OpenAI-compatible model endpoint on loopback: `POST /v1/chat/completions` (with and without
 * `stream: true`, streamed token by token as `chat.completion.chunk` SSE events, `[DONE]` last, usage
 * in a final chunk when `stream_options.include_usage`), `POST /v1/embeddings`, `POST /v1/rerank`
 * (Cohere/Jina shape) and `GET /v1/models`. Checks the bearer key; answers are deterministic.
 */
export async function startOpenAiServer(options: OpenAiServerOptions = {}): Promise<OpenAiServer> {
  const apiKey = options.apiKey ?? `sk-test-${randomBytes(8).toString('hex')}`;
  let reply = options.reply ?? ((messages: ChatMessageLike[]) => `You said: ${textOf([...messages].reverse().find((m) => m.role === 'user')?.content)}`);
  let tokenDelayMs = options.tokenDelayMs ?? 0;
  const dimensions = options.dimensions ?? 8;
  let failures: { status: number; left: number } | undefined;
  let counter = 0;

  const loopback = await startLoopback(async (req, res, record) => {
    if (record.headers.authorization !== `Bearer ${apiKey}`) {
      return sendJson(res, 401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } });
    }
    if (failures && failures.left > 0) {
      failures.left--;
      return sendJson(res, failures.status, { error: { message: `injected failure ${failures.status}`, type: 'server_error' } });
    }
    const body = (record.body ?? {}) as Record<string, unknown>;
    const model = typeof body.model === 'string' ? body.model : 'unknown';
    if (record.method === 'GET' && record.path === '/v1/models') {
      return sendJson(res, 200, { object: 'list', data: [{ id: 'fake-model', object: 'model', owned_by: 'test' }] });
    }
    if (record.method !== 'POST') return sendJson(res, 404, { error: { message: 'not found' } });

    if (record.path === '/v1/chat/completions') {
      const messages = Array.isArray(body.messages) ? (body.messages as ChatMessageLike[]) : [];
      if (messages.length === 0) return sendJson(res, 400, { error: { message: "'messages' is required", type: 'invalid_request_error' } });
      const text = typeof reply === 'string' ? reply : reply(messages, model);
      let tokens = tokenize(text);
      let finish = 'stop';
      if (typeof body.max_tokens === 'number' && tokens.length > body.max_tokens) {
        tokens = tokens.slice(0, body.max_tokens);
        finish = 'length';
      }
      const usage = {
        prompt_tokens: messages.reduce((n, m) => n + words(textOf(m.content)).length, 0),
        completion_tokens: tokens.length,
        total_tokens: 0,
      };
      usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
      const id = `chatcmpl-${++counter}`;
      const created = Math.floor(Date.now() / 1000);
      if (body.stream !== true) {
        return sendJson(res, 200, {
          id,
          object: 'chat.completion',
          created,
          model,
          choices: [{ index: 0, message: { role: 'assistant', content: tokens.join('') }, finish_reason: finish }],
          usage,
        });
      }
      return streamChat(res, { id, created, model, tokens, finish, usage, includeUsage: (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true, delay: tokenDelayMs });
    }

    if (record.path === '/v1/embeddings') {
      const input = body.input;
      const texts = typeof input === 'string' ? [input] : Array.isArray(input) ? input.map(String) : undefined;
      if (!texts || texts.length === 0) return sendJson(res, 400, { error: { message: "'input' is required", type: 'invalid_request_error' } });
      const size = typeof body.dimensions === 'number' ? body.dimensions : dimensions;
      const tokens = texts.reduce((n, t) => n + words(t).length, 0);
      return sendJson(res, 200, {
        object: 'list',
        data: texts.map((t, index) => ({ object: 'embedding', index, embedding: fakeEmbedding(t, size) })),
        model,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      });
    }

    if (record.path === '/v1/rerank') {
      const query = typeof body.query === 'string' ? body.query : '';
      const documents = Array.isArray(body.documents) ? body.documents.map((d) => (typeof d === 'string' ? d : textOf((d as { text?: unknown }).text))) : [];
      if (!query || documents.length === 0) return sendJson(res, 400, { error: { message: "'query' and 'documents' are required" } });
      let results = documents.map((d, index) => ({ index, relevance_score: rerankScore(query, d) })).sort((a, b) => b.relevance_score - a.relevance_score);
      if (typeof body.top_n === 'number') results = results.slice(0, body.top_n);
      const tokens = words(query).length + documents.reduce((n, d) => n + words(d).length, 0);
      return sendJson(res, 200, { id: `rerank-${++counter}`, model, results, usage: { prompt_tokens: tokens, total_tokens: tokens } });
    }
    return sendJson(res, 404, { error: { message: `no route ${record.path}` } });
  });

  return {
    url: `${loopback.origin}/v1`,
    apiKey,
    requests: loopback.requests,
    requestsTo: (path) => loopback.requests.filter((r) => r.path === path),
    setReply: (next) => {
      reply = next;
    },
    setTokenDelay: (ms) => {
      tokenDelayMs = ms;
    },
    failNext: (status, times = 1) => {
      failures = { status, left: times };
    },
    stop: loopback.stop,
  };
}

async function streamChat(
  res: ServerResponse,
  s: { id: string; created: number; model: string; tokens: string[]; finish: string; usage: object; includeUsage: boolean; delay: number },
): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const chunk = (delta: object, finish: string | null, extra: object = {}) =>
    `data: ${JSON.stringify({ id: s.id, object: 'chat.completion.chunk', created: s.created, model: s.model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
  res.write(chunk({ role: 'assistant', content: '' }, null));
  for (const token of s.tokens) {
    if (s.delay > 0 && !(await waitOrClose(res, s.delay))) return;
    if (res.destroyed) return;
    res.write(chunk({ content: token }, null));
  }
  res.write(chunk({}, s.finish));
  if (s.includeUsage) {
    res.write(`data: ${JSON.stringify({ id: s.id, object: 'chat.completion.chunk', created: s.created, model: s.model, choices: [], usage: s.usage })}\n\n`);
  }
  res.end('data: [DONE]\n\n');
}
