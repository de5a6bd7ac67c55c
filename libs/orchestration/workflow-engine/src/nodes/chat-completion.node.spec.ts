import { startOpenAiServer, type OpenAiServer } from '@alien/testing';
import type { StreamChunkEvent } from '../events';
import { runOne } from '../spec-helpers';
import { loopbackServices } from '../spec-services';

describe('chat_completion node', () => {
  let openai: OpenAiServer;
  const services = () => loopbackServices({ openai, models: { 'gpt-test': 7 } });

  beforeAll(async () => {
    openai = await startOpenAiServer({ reply: 'The answer is forty two.' });
  });
  afterAll(() => openai.stop());

  it('streams the answer token by token: each chunk is an event and lands in result.stream', async () => {
    const { outcome, output, events } = await runOne(
      'chat_completion',
      { model: 'gpt-test', system_prompt: 'Be brief.', user_prompt: '@in.question' },
      { services: services(), input: { question: 'What is it?' }, jobId: 'job-chat' },
    );
    expect(outcome.status).toBe('completed');
    const chunks = events.filter((e): e is StreamChunkEvent => e.type === 'stream.chunk');
    const text = chunks.map((e) => e.chunk.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('The answer is forty two.');
    // role announcement, 5 tokens, finish, usage
    expect(chunks.map((e) => e.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(chunks.every((e) => e.chunk.object === 'chat.completion.chunk' && e.nodeId === 'n')).toBe(true);
    expect(outcome.result.stream.n).toEqual({ chunks: chunks.map((e) => e.chunk), status: 'complete' });
    expect(output).toMatchObject({
      content: 'The answer is forty two.',
      role: 'assistant',
      finish_reason: 'stop',
      usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 },
      model: 'gpt-test',
    });
    const request = openai.requestsTo('/v1/chat/completions').at(-1);
    expect(request?.headers).toMatchObject({ authorization: `Bearer ${openai.apiKey}`, 'idempotency-key': 'job-chat:n' });
    expect(request?.body).toEqual({
      model: 'gpt-test',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'What is it?' },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
    const finished = events.find((e) => e.type === 'node.finished' && e.nodeId === 'n');
    expect(finished).toMatchObject({
      usage: [{ kind: 'model', model: 'gpt-test', modelId: 7, operation: 'chat', promptTokens: 5, completionTokens: 5, totalTokens: 10 }],
    });
  });

  it('answers without streaming when stream is false', async () => {
    const { output, events, outcome } = await runOne(
      'chat_completion',
      { model: 'gpt-test', messages: [{ role: 'user', content: 'hello there' }], stream: false, max_tokens: 2 },
      { services: services() },
    );
    expect(output).toMatchObject({ content: 'The answer ', finish_reason: 'length', usage: { prompt_tokens: 2, completion_tokens: 2 } });
    expect(events.some((e) => e.type === 'stream.chunk')).toBe(false);
    expect(outcome.result.stream).toEqual({});
    // Agent-style clients say `streaming`.
    const alias = await runOne('chat_completion', { model: 'gpt-test', prompt: 'x', streaming: false }, { services: services() });
    expect(alias.events.some((e) => e.type === 'stream.chunk')).toBe(false);
    expect(openai.requestsTo('/v1/chat/completions').at(-1)?.body).not.toHaveProperty('stream');
  });

  it('fails with the upstream status and message, never the key', async () => {
    openai.failNext(429);
    const { error } = await runOne('chat_completion', { model: 'gpt-test', prompt: 'x', stream: false }, { services: services() });
    expect(error).toEqual({ nodeId: 'n', code: 'upstream_error', status: 429, message: 'the model endpoint answered 429: injected failure 429' });
    openai.failNext(500);
    const streamed = await runOne('chat_completion', { model: 'gpt-test', prompt: 'x' }, { services: services() });
    expect(streamed.error).toMatchObject({ code: 'upstream_error', status: 500 });
    expect(JSON.stringify([error, streamed.error])).not.toContain(openai.apiKey);
  });

  it('names an unreachable model endpoint by role, not by its (internal) address', async () => {
    const down = loopbackServices({ openai: { url: 'http://127.0.0.1:9/v1', apiKey: 'k' }, models: { 'gpt-test': 7 } });
    const { error } = await runOne('chat_completion', { model: 'gpt-test', prompt: 'x' }, { services: down });
    expect(error).toEqual({ nodeId: 'n', code: 'http_error', message: 'the model endpoint failed: ECONNREFUSED' });
  });

  it('fails on a model the registry does not give, and without a registry', async () => {
    const unknown = await runOne('chat_completion', { model: 'nope', prompt: 'x' }, { services: services() });
    expect(unknown.error).toMatchObject({ code: 'service_unavailable', message: expect.stringContaining('"nope"') });
    const none = await runOne('chat_completion', { model: 'gpt-test', prompt: 'x' }, { services: {} });
    expect(none.error).toMatchObject({ code: 'service_unavailable' });
  });

  it('needs a message', async () => {
    const { error } = await runOne('chat_completion', { model: 'gpt-test' }, { services: services() });
    expect(error).toMatchObject({ code: 'invalid_params', message: expect.stringContaining('user_prompt') });
  });

  it('streams and outputs a model answer holding U+0000 as U+FFFD (Postgres refuses U+0000 in jsonb)', async () => {
    const nul = await startOpenAiServer({ reply: 'a\u0000b' });
    try {
      const { outcome, output, events } = await runOne(
        'chat_completion',
        { model: 'gpt-test', user_prompt: 'hi' },
        { services: loopbackServices({ openai: nul, models: { 'gpt-test': 7 } }), jobId: 'job-nul' },
      );
      expect(outcome.status).toBe('completed');
      const chunks = events.filter((e): e is StreamChunkEvent => e.type === 'stream.chunk');
      expect(JSON.stringify(chunks)).not.toContain('\\u0000');
      expect(chunks.map((e) => e.chunk.choices[0]?.delta.content ?? '').join('')).toBe('a\ufffdb');
      expect(output).toMatchObject({ content: 'a\ufffdb' });
    } finally {
      await nul.stop();
    }
  });
});
