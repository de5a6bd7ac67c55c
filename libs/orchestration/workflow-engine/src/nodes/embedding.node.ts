import { EngineError } from '../errors';
import { modelCredentials, postModelJson } from '../http/openai';
import { defineNode } from '../node-type';

interface EmbeddingParams {
  model: string | number;
  input: string | string[];
  dimensions?: number;
}

interface Usage {
  prompt_tokens?: number;
  total_tokens?: number;
}

export const embeddingNode = defineNode<EmbeddingParams>({
  type: 'embedding',
  label: 'Embedding',
  category: 'ai',
  description:
    "Embeds text with an AI model of the registry (OpenAI-compatible `POST /embeddings`). Outputs `{embeddings: number[][], embedding (when the input is one string), model, usage}`.",
  version: '1.0.0',
  handles: { inputs: ['inputs'], outputs: ['outputs'] },
  paramsSchema: {
    type: 'object',
    properties: {
      model: { type: ['string', 'integer'], minLength: 1, description: 'Slug or id of an AI model of the registry.' },
      input: {
        anyOf: [
          { type: 'string', minLength: 1 },
          { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 2048 },
        ],
      },
      dimensions: { type: 'integer', minimum: 1 },
    },
    required: ['model', 'input'],
    additionalProperties: true,
  },
  inputsSchema: { description: 'Anything (use expressions in params to read it).' },
  outputsSchema: {
    type: 'object',
    properties: {
      embeddings: { type: 'array', items: { type: 'array', items: { type: 'number' } } },
      embedding: { type: 'array', items: { type: 'number' } },
      model: { type: 'string' },
      usage: { type: ['object', 'null'] },
    },
    required: ['embeddings'],
  },
  async execute(ctx) {
    const p = ctx.params;
    const credentials = await modelCredentials(ctx, p.model);
    const body: Record<string, unknown> = { model: credentials.model ?? String(p.model), input: p.input, encoding_format: 'float' };
    if (p.dimensions !== undefined) body.dimensions = p.dimensions;
    const json = await postModelJson(ctx, credentials, '/embeddings', body);
    const data = json.data as Array<{ index?: number; embedding?: unknown }> | undefined;
    if (!Array.isArray(data) || data.some((d) => !Array.isArray(d.embedding))) {
      throw new EngineError('upstream_error', 'the model endpoint answered without embeddings');
    }
    const embeddings = [...data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0)).map((d) => d.embedding as number[]);
    const usage = (json.usage as Usage | undefined) ?? null;
    ctx.report({
      kind: 'model',
      model: p.model,
      ...(credentials.modelId !== undefined ? { modelId: credentials.modelId } : {}),
      operation: 'embedding',
      promptTokens: usage?.prompt_tokens ?? 0,
      completionTokens: 0,
      totalTokens: usage?.total_tokens ?? usage?.prompt_tokens ?? 0,
    });
    return {
      output: {
        embeddings,
        ...(typeof p.input === 'string' ? { embedding: embeddings[0] } : {}),
        model: typeof json.model === 'string' ? json.model : body.model,
        usage,
      },
    };
  },
});
