import { EngineError } from '../errors';
import { defineNode } from '../node-type';

interface GetEntriesParams {
  datasetId: number;
  page: number;
  perPage: number;
  search?: string;
  ids?: number[];
}

export const getEntriesNode = defineNode<GetEntriesParams>({
  type: 'get_entries',
  label: 'Get Entries',
  category: 'data',
  description: "Lists entries of a catalog dataset the caller may see (the catalog's visibility rules) and outputs the catalog's page.",
  version: '1.0.0',
  handles: { inputs: ['inputs'], outputs: ['outputs'] },
  paramsSchema: {
    type: 'object',
    properties: {
      datasetId: { type: 'integer', minimum: 1 },
      page: { type: 'integer', minimum: 1, default: 1 },
      perPage: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
      search: { type: 'string', maxLength: 200 },
      ids: { type: 'array', items: { type: 'integer', minimum: 1 }, maxItems: 100 },
    },
    required: ['datasetId'],
    additionalProperties: true,
  },
  inputsSchema: { description: 'Anything (use expressions in params to read it).' },
  outputsSchema: { description: "The catalog's answer: a page of entries (`{data: [...], meta}`)." },
  async execute(ctx) {
    const catalog = ctx.services.catalog;
    if (!catalog) throw new EngineError('service_unavailable', 'the catalog is not available to this run');
    const { datasetId, page, perPage, search, ids } = ctx.params;
    const output = await catalog.listEntries(
      { datasetId, page, perPage, ...(search !== undefined ? { search } : {}), ...(ids !== undefined ? { ids } : {}) },
      { signal: ctx.signal, jobId: ctx.jobId, nodeId: ctx.nodeId, idempotencyKey: ctx.idempotencyKey },
    );
    ctx.report({ kind: 'catalog', datasetId });
    return { output: output ?? null };
  },
});
