import { sendJson, startLoopback, type RecordedRequest } from './loopback';

export interface ClusterDocument {
  id: number | string;
  dataset_id: number;
  text: string;
  [extra: string]: unknown;
}

export interface DataClusterServerOptions {
  documents?: ClusterDocument[];
  /** When set, requests must carry `Authorization: Bearer <token>` (the cluster's own credential). */
  token?: string;
}

export interface DataClusterServer {
  /** `http://127.0.0.1:<port>`: the cluster's Data API base. */
  url: string;
  requests: RecordedRequest[];
  searches(): RecordedRequest[];
  stop(): Promise<void>;
}

const words = (text: string) => text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);

function trigrams(text: string): Set<string> {
  const t = ` ${text.toLowerCase()} `;
  const out = new Set<string>();
  for (let i = 0; i + 3 <= t.length; i++) out.add(t.slice(i, i + 3));
  return out;
}

function score(mode: string, query: string, text: string): number {
  if (mode === 'vector' || mode === 'semantic') {
    // Character trigram similarity: fuzzy like embeddings, deterministic like a test needs.
    const a = trigrams(query);
    const b = trigrams(text);
    let shared = 0;
    for (const g of a) if (b.has(g)) shared++;
    return Math.round((shared / Math.sqrt(a.size * b.size || 1)) * 1000) / 1000;
  }
  const q = new Set(words(query));
  const d = new Set(words(text));
  let hits = 0;
  for (const w of q) if (d.has(w)) hits++;
  return q.size ? Math.round((hits / q.size) * 1000) / 1000 : 0;
}

export const DEFAULT_CLUSTER_DOCUMENTS: ClusterDocument[] = [
  { id: 1, dataset_id: 10, text: 'Alien platform ships data clusters with a search API' },
  { id: 2, dataset_id: 10, text: 'Workflows chain nodes: search, rerank, chat completion' },
  { id: 3, dataset_id: 11, text: 'Weather report: sunny with a chance of rain' },
  { id: 4, dataset_id: 11, text: 'Search engines rank documents by relevance' },
];

/**
 * A data cluster's Data API on loopback: `POST /api/v1/search` (`{query, limit, offset,
 * score_threshold, dataset_ids}`, optional `search_type` `keyword`|`vector`) answers
 * `{results: [{id, dataset_id, text, score}], total}` best first; `GET /api/v1/datasets/{id}/entries`
 * pages the documents of a dataset (`page`, `perPage`, `search`) in the platform's paginated shape.
 */
export async function startDataClusterServer(options: DataClusterServerOptions = {}): Promise<DataClusterServer> {
  const documents = options.documents ?? DEFAULT_CLUSTER_DOCUMENTS;
  const loopback = await startLoopback((_req, res, record) => {
    if (options.token && record.headers.authorization !== `Bearer ${options.token}`) {
      return sendJson(res, 401, { detail: 'invalid cluster credential' });
    }
    if (record.method === 'POST' && record.path === '/api/v1/search') {
      const body = (record.body ?? {}) as Record<string, unknown>;
      if (typeof body.query !== 'string' || body.query.trim() === '') return sendJson(res, 422, { detail: 'query is required' });
      const limit = typeof body.limit === 'number' ? body.limit : 10;
      const offset = typeof body.offset === 'number' ? body.offset : 0;
      const threshold = typeof body.score_threshold === 'number' ? body.score_threshold : 0;
      const datasets = Array.isArray(body.dataset_ids) ? (body.dataset_ids as number[]) : undefined;
      const mode = typeof body.search_type === 'string' ? body.search_type : 'keyword';
      const query = body.query;
      const hits = documents
        .filter((d) => !datasets || datasets.includes(d.dataset_id))
        .map((d) => ({ ...d, score: score(mode, query, d.text) }))
        .filter((d) => d.score > 0 && d.score >= threshold)
        .sort((a, b) => b.score - a.score);
      return sendJson(res, 200, { results: hits.slice(offset, offset + limit), total: hits.length, search_type: mode });
    }
    const entries = /^\/api\/v1\/datasets\/(\d+)\/entries$/.exec(record.path);
    if (record.method === 'GET' && entries) {
      const datasetId = Number(entries[1]);
      const page = Math.max(1, Number(record.query.page ?? 1));
      const perPage = Math.min(100, Math.max(1, Number(record.query.perPage ?? 20)));
      const search = record.query.search?.toLowerCase();
      const rows = documents.filter((d) => d.dataset_id === datasetId && (!search || d.text.toLowerCase().includes(search)));
      return sendJson(res, 200, {
        meta: { currentPage: page, total: rows.length, perPage, lastPage: Math.max(1, Math.ceil(rows.length / perPage)) },
        data: rows.slice((page - 1) * perPage, page * perPage),
      });
    }
    return sendJson(res, 404, { detail: `no route ${record.method} ${record.path}` });
  });
  return {
    url: loopback.origin,
    requests: loopback.requests,
    searches: () => loopback.requests.filter((r) => r.path === '/api/v1/search'),
    stop: loopback.stop,
  };
}
