import { startCountingServer } from './counting-server';
import { startDataClusterServer } from './data-cluster-server';
import { fakeEmbedding, startOpenAiServer } from './openai-server';

describe('loopback test servers', () => {
  it('OpenAI server: streams chat.completion.chunk SSE events token by token, [DONE] last, and checks the key', async () => {
    const sut = await startOpenAiServer({ reply: 'one two three', tokenDelayMs: 20 });
    try {
      const denied = await fetch(`${sut.url}/chat/completions`, { method: 'POST', body: '{}', headers: { authorization: 'Bearer wrong' } });
      expect(denied.status).toBe(401);

      const response = await fetch(`${sut.url}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sut.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } }),
      });
      expect(response.headers.get('content-type')).toBe('text/event-stream');
      const arrivals: number[] = [];
      let text = '';
      const decoder = new TextDecoder();
      for await (const part of response.body as unknown as AsyncIterable<Uint8Array>) {
        arrivals.push(Date.now());
        text += decoder.decode(part);
      }
      const events = text.split('\n\n').filter(Boolean);
      expect(events.at(-1)).toBe('data: [DONE]');
      const chunks = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, '')) as { object: string; choices: Array<{ delta: { content?: string }; finish_reason: string | null }>; usage?: unknown });
      expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
      expect(chunks.map((c) => c.choices[0]?.delta.content ?? null)).toEqual(['', 'one ', 'two ', 'three', null, null]);
      expect(chunks[4].choices[0].finish_reason).toBe('stop');
      expect(chunks[5]).toMatchObject({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 } });
      // Token by token: the body arrived in several pieces spread over the token delays.
      expect(arrivals.length).toBeGreaterThan(2);
      expect((arrivals.at(-1) ?? 0) - arrivals[0]).toBeGreaterThanOrEqual(40);

      const embeddings = await fetch(`${sut.url}/embeddings`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sut.apiKey}` },
        body: JSON.stringify({ model: 'e', input: ['a'] }),
      }).then((r) => r.json() as Promise<any>);
      expect(embeddings.data[0].embedding).toEqual(fakeEmbedding('a', 8));
    } finally {
      await sut.stop();
    }
  });

  it('counting server: counts, records Idempotency-Keys and redirects', async () => {
    const sut = await startCountingServer();
    try {
      await fetch(`${sut.url}/a`, { headers: { 'idempotency-key': 'job:1' } });
      const redirected = await fetch(`${sut.url}/redirect?to=${encodeURIComponent('http://example.invalid/x')}&status=307`, { redirect: 'manual' });
      expect([redirected.status, redirected.headers.get('location')]).toEqual([307, 'http://example.invalid/x']);
      sut.redirectTo('/elsewhere');
      expect((await fetch(`${sut.url}/b`, { redirect: 'manual' })).headers.get('location')).toBe('/elsewhere');
      expect(sut.hits()).toBe(3);
      expect(sut.idempotencyKeys()).toEqual(['job:1', undefined, undefined]);
    } finally {
      await sut.stop();
    }
  });

  it('data cluster: searches and pages entries', async () => {
    const sut = await startDataClusterServer({ token: 'cluster-secret' });
    try {
      const denied = await fetch(`${sut.url}/api/v1/search`, { method: 'POST', body: '{"query":"x"}' });
      expect(denied.status).toBe(401);
      const found = await fetch(`${sut.url}/api/v1/search`, {
        method: 'POST',
        headers: { authorization: 'Bearer cluster-secret' },
        body: JSON.stringify({ query: 'weather', limit: 5, offset: 0 }),
      }).then((r) => r.json() as Promise<any>);
      expect(found).toMatchObject({ total: 1, results: [{ id: 3, score: 1 }] });
    } finally {
      await sut.stop();
    }
  });
});
