import { EngineError } from '../errors';
import { modelCredentials, postModelJson } from '../http/openai';
import { defineNode } from '../node-type';

interface RerankParams {
  model: string | number;
  query: string;
  documents: unknown[];
  top_n?: number;
}

interface Usage {
  prompt_tokens?: number;
  total_tokens?: number;
}

const documentText = (doc: unknown) =>
  typeof doc === 'string' ? doc : doc && typeof doc === 'object' && typeof (doc as { text?: unknown }).text === 'string' ? (doc as { text: string }).text : JSON.stringify(doc);

export const rerankNode = defineNode<RerankParams>({
  type: 'rerank',
  label: 'Rerank',
  category: 'ai',
  description:
    'Orders documents by relevance to a query with a reranking model of the registry (`POST /rerank`, the Cohere/Jina/vLLM shape). Documents may be strings or objects (their `text`, else their JSON, is scored). Outputs `{results: [{index, relevance_score, document}], model, usage}`, best first.',
  version: '1.0.0',
  handles: { inputs: ['inputs'], outputs: ['outputs'] },
  paramsSchema: {
    type: 'object',
    properties: {
      model: { type: ['string', 'integer'], minLength: 1, description: 'Slug or id of an AI model of the registry.' },
      query: { type: 'string', minLength: 1 },
      documents: { type: 'array', maxItems: 1000, description: 'Strings or objects (e.g. search hits).' },
      top_n: { type: 'integer', minimum: 1 },
    },
    required: ['model', 'query', 'documents'],
    additionalProperties: true,
  },
  inputsSchema: { description: 'Anything (use expressions in params to read it).' },
  outputsSchema: {
    type: 'object',
    properties: {
      results: {
        type: 'array',
        items: { type: 'object', properties: { index: { type: 'integer' }, relevance_score: { type: 'number' }, document: {} } },
      },
      model: { type: 'string' },
      usage: { type: ['object', 'null'] },
    },
    required: ['results'],
  },
  async execute(ctx) {
    const p = ctx.params;
    if (p.documents.length === 0) return { output: { results: [], model: String(p.model), usage: null } };
    const credentials = await modelCredentials(ctx, p.model);
    const body: Record<string, unknown> = { model: credentials.model ?? String(p.model), query: p.query, documents: p.documents.map(documentText) };
    if (p.top_n !== undefined) body.top_n = p.top_n;
    const json = await postModelJson(ctx, credentials, '/rerank', body);
    const raw = (json.results ?? json.data) as Array<{ index?: unknown; relevance_score?: unknown; score?: unknown }> | undefined;
    if (!Array.isArray(raw)) throw new EngineError('upstream_error', 'the rerank endpoint answered without results');
    const results = raw
      .filter((r) => typeof r.index === 'number' && r.index >= 0 && r.index < p.documents.length)
      .map((r) => ({
        index: r.index as number,
        relevance_score: Number(r.relevance_score ?? r.score ?? 0),
        document: p.documents[r.index as number],
      }))
      .sort((a, b) => b.relevance_score - a.relevance_score);
    const usage = ((json.usage ?? (json.meta as { tokens?: unknown } | undefined)?.tokens) as Usage | undefined) ?? null;
    ctx.report({
      kind: 'model',
      model: p.model,
      ...(credentials.modelId !== undefined ? { modelId: credentials.modelId } : {}),
      operation: 'rerank',
      promptTokens: usage?.prompt_tokens ?? usage?.total_tokens ?? 0,
      completionTokens: 0,
      totalTokens: usage?.total_tokens ?? usage?.prompt_tokens ?? 0,
    });
    return { output: { results: p.top_n ? results.slice(0, p.top_n) : results, model: typeof json.model === 'string' ? json.model : body.model, usage } };
  },
});
