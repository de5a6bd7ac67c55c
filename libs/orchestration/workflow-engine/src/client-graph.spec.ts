import { startOpenAiServer, type OpenAiServer } from '@alien/testing';
import type { RunEvent } from './events';
import { runWorkflow } from './run';
import { clientGraph } from './spec-helpers';
import { loopbackServices } from './spec-services';
import { validateGraph } from './validate';

describe('a graph built exactly as existing clients build it', () => {
  let openai: OpenAiServer;
  beforeAll(async () => {
    openai = await startOpenAiServer({ tokenDelayMs: 5 });
  });
  afterAll(() => openai.stop());

  it('validates, streams the answer token by token, and answers at result.results["httpResponse-2"][0]', async () => {
    const graph = clientGraph('mistral-small-latest');
    expect(validateGraph(graph)).toEqual([]);
    const events: RunEvent[] = [];
    const outcome = await runWorkflow({
      graph,
      input: { user_prompt: 'Tell me about Alien', session_id: 'sess-1' },
      jobId: 'job-client',
      services: loopbackServices({ openai, models: { 'mistral-small-latest': 1 } }),
      onEvent: (e) => void events.push(e),
    });

    expect(outcome.status).toBe('completed');
    const answer = outcome.result.results['httpResponse-2'][0] as { results: { data: { content: string }; session_id: unknown } };
    expect(answer.results.data.content).toBe('You said: Tell me about Alien');
    expect(answer.results.data).toMatchObject({ role: 'assistant', finish_reason: 'stop', model: 'mistral-small-latest' });
    expect(Object.keys(outcome.result.results)).toEqual(['httpResponse-2']);

    // Token by token: each chunk an event before the node finished, and the same chunks in the result.
    const chunkEvents = events.filter((e) => e.type === 'stream.chunk');
    const deltas = chunkEvents.map((e) => (e.type === 'stream.chunk' ? (e.chunk.choices[0]?.delta.content ?? null) : null));
    expect(deltas.filter((d) => d)).toEqual(['You ', 'said: ', 'Tell ', 'me ', 'about ', 'Alien']);
    const finishedAt = events.findIndex((e) => e.type === 'node.finished' && e.nodeId === 'chatCompletion-1');
    expect(events.findIndex((e) => e.type === 'stream.chunk')).toBeLessThan(finishedAt);
    expect(outcome.result.stream['chatCompletion-1'].chunks).toHaveLength(chunkEvents.length);
    expect(outcome.result.stream['chatCompletion-1'].chunks[0]).toMatchObject({ object: 'chat.completion.chunk', choices: [{ delta: { role: 'assistant' } }] });

    // job.nodes: the client's nodes, annotated.
    expect(outcome.nodes.map((n) => [n.id, n.data.isExecuted, n.data.outputs?.length, n.data.errors])).toEqual([
      ['httpRequest-0', true, 1, []],
      ['chatCompletion-1', true, 1, []],
      ['httpResponse-2', true, 1, []],
    ]);
    expect(outcome.nodes[0].data.outputs).toEqual([{ user_prompt: 'Tell me about Alien', session_id: 'sess-1' }]);
    expect(outcome.nodes[0].position).toEqual({ x: 0, y: 100 });

    // What reached the model endpoint.
    expect(openai.requestsTo('/v1/chat/completions').at(-1)?.body).toMatchObject({
      model: 'mistral-small-latest',
      messages: [
        { role: 'system', content: 'You are helpful.' },
        { role: 'user', content: 'Tell me about Alien' },
      ],
      stream: true,
    });
  });

  it('applies the schema.input default when the client leaves session_id out', async () => {
    const graph = clientGraph('m');
    delete (graph.nodes[0].data.params as Record<string, unknown>).session_id;
    const outcome = await runWorkflow({
      graph,
      input: { user_prompt: 'hi' },
      jobId: 'job-client-2',
      services: loopbackServices({ openai, models: { m: 2 } }),
    });
    expect(outcome.nodes[0].data.outputs).toEqual([{ user_prompt: 'hi', session_id: null }]);
  });
});
