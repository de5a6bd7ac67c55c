import { defineNode } from '../node-type';
import { clusterSearch, clusterSearchParamsSchema, type ClusterSearchParams } from './cluster-search';

export const keywordSearchNode = defineNode<ClusterSearchParams>({
  type: 'keyword_search',
  label: 'Keyword Search',
  category: 'data',
  description:
    "Keyword search on a data cluster (its `POST /api/v1/search` through the cluster proxy's access rules) with `{query, limit, offset, score_threshold, dataset_ids}`; outputs the cluster's answer.",
  version: '1.0.0',
  handles: { inputs: ['inputs'], outputs: ['outputs'] },
  paramsSchema: clusterSearchParamsSchema,
  inputsSchema: { description: 'Anything (use expressions in params to read it).' },
  outputsSchema: { description: "The cluster's search answer (e.g. `{results: [{id, score, …}]}`)." },
  execute: (ctx) => clusterSearch(ctx, 'keyword'),
});
