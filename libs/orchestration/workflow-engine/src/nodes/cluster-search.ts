import { EngineError } from '../errors';
import type { JsonSchema } from '../graph';
import type { NodeContext, NodeExecution } from '../node-type';
import type { ClusterSearchBody, ClusterSearchKind } from '../services';

/** Params shared by `keyword_search` and `vector_search` (the Data API's search body + the cluster). */
export interface ClusterSearchParams {
  clusterId: number;
  query: string;
  limit: number;
  offset: number;
  score_threshold?: number;
  dataset_ids?: number[];
}

export const clusterSearchParamsSchema: JsonSchema = {
  type: 'object',
  properties: {
    clusterId: { type: 'integer', minimum: 1, description: 'A data cluster the caller may use.' },
    query: { type: 'string', minLength: 1, maxLength: 10_000 },
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
    offset: { type: 'integer', minimum: 0, default: 0 },
    score_threshold: { type: 'number' },
    dataset_ids: { type: 'array', items: { type: 'integer', minimum: 1 }, maxItems: 100 },
  },
  required: ['clusterId', 'query'],
  additionalProperties: true,
};

/** Calls the cluster's `POST /api/v1/search` through the injected service. */
export async function clusterSearch(ctx: NodeContext<ClusterSearchParams>, kind: ClusterSearchKind): Promise<NodeExecution> {
  const clusters = ctx.services.clusters;
  if (!clusters) throw new EngineError('service_unavailable', 'data clusters are not available to this run');
  const { clusterId, query, limit, offset, score_threshold, dataset_ids } = ctx.params;
  const body: ClusterSearchBody = { query, limit, offset };
  if (score_threshold !== undefined) body.score_threshold = score_threshold;
  if (dataset_ids !== undefined) body.dataset_ids = dataset_ids;
  const output = await clusters.search(clusterId, body, {
    kind,
    signal: ctx.signal,
    jobId: ctx.jobId,
    nodeId: ctx.nodeId,
    idempotencyKey: ctx.idempotencyKey,
  });
  ctx.report({ kind: 'cluster', clusterId, operation: kind === 'keyword' ? 'keyword_search' : 'vector_search' });
  return { output: output ?? null };
}
