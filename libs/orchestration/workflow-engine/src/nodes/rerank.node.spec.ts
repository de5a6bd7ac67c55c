import { startOpenAiServer, type OpenAiServer } from '@alien/testing';
import { runOne } from '../spec-helpers';
import { loopbackServices } from '../spec-services';

describe('rerank node', () => {
  let openai: OpenAiServer;
  beforeAll(async () => {
    openai = await startOpenAiServer();
  });
  afterAll(() => openai.stop());
  const services = () => loopbackServices({ openai, models: { reranker: 5 } });

  it('orders documents (strings or objects) best first and keeps the originals', async () => {
    const documents = ['the weather is nice', { id: 9, text: 'search ranking of documents' }, 'ranking'];
    const { output } = await runOne('rerank', { model: 'reranker', query: 'document ranking', documents, top_n: 2 }, { services: services() });
    expect(output).toEqual({
      results: [
        { index: 1, relevance_score: 0.5, document: { id: 9, text: 'search ranking of documents' } },
        { index: 2, relevance_score: 0.5, document: 'ranking' },
      ],
      model: 'reranker',
      usage: { prompt_tokens: 11, total_tokens: 11 },
    });
    expect(openai.requestsTo('/v1/rerank').at(-1)?.body).toEqual({
      model: 'reranker',
      query: 'document ranking',
      documents: ['the weather is nice', 'search ranking of documents', 'ranking'],
      top_n: 2,
    });
  });

  it('returns no results for no documents without calling the model', async () => {
    const before = openai.requests.length;
    const { output } = await runOne('rerank', { model: 'reranker', query: 'x', documents: [] }, { services: services() });
    expect(output).toEqual({ results: [], model: 'reranker', usage: null });
    expect(openai.requests.length).toBe(before);
  });
});
