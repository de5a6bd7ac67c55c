import { fakeEmbedding, startOpenAiServer, type OpenAiServer } from '@alien/testing';
import { runOne } from '../spec-helpers';
import { loopbackServices } from '../spec-services';

describe('embedding node', () => {
  let openai: OpenAiServer;
  beforeAll(async () => {
    openai = await startOpenAiServer({ dimensions: 4 });
  });
  afterAll(() => openai.stop());
  const services = () => loopbackServices({ openai, models: { 'embed-small': 3 } });

  it('embeds one text', async () => {
    const { output, events } = await runOne('embedding', { model: 'embed-small', input: '@in.text' }, { services: services(), input: { text: 'hello world' } });
    expect(output).toEqual({
      embeddings: [fakeEmbedding('hello world', 4)],
      embedding: fakeEmbedding('hello world', 4),
      model: 'embed-small',
      usage: { prompt_tokens: 2, total_tokens: 2 },
    });
    expect(openai.requestsTo('/v1/embeddings').at(-1)?.body).toEqual({ model: 'embed-small', input: 'hello world', encoding_format: 'float' });
    expect(events.find((e) => e.type === 'node.finished' && e.nodeId === 'n')).toMatchObject({ usage: [{ kind: 'model', operation: 'embedding', modelId: 3, totalTokens: 2 }] });
  });

  it('embeds a batch in order, with dimensions', async () => {
    const { output } = await runOne('embedding', { model: 'embed-small', input: ['a', 'b c'], dimensions: 6 }, { services: services() });
    expect(output).toMatchObject({ embeddings: [fakeEmbedding('a', 6), fakeEmbedding('b c', 6)] });
    expect(output).not.toHaveProperty('embedding');
  });

  it('refuses an empty input', async () => {
    const { error } = await runOne('embedding', { model: 'embed-small', input: '@in.text' }, { services: services(), input: { text: '' } });
    // An empty expression result counts as "not set": the required input is missing.
    expect(error).toMatchObject({ code: 'invalid_params', message: expect.stringContaining('params.input is required') });
  });
});
