import { EngineError } from './errors';
import type { WorkflowGraph } from './graph';
import type { HttpPolicy, RunLimits } from './node-type';
import { runWorkflow } from './run';
import type { NodeServices } from './services';

/**
 * NodeServices for specs: thin adapters that call real loopback servers over HTTP, the way the
 * runtime's adapters call NATS and the proxies. Nothing here returns canned values.
 */
export interface LoopbackServicesOptions {
  /** An OpenAI-compatible server: every model slug of `models` resolves to it. */
  openai?: { url: string; apiKey: string };
  /** Model slugs the "registry" knows, with their registry ids. */
  models?: Record<string, number>;
  /** A data cluster's Data API (search and dataset entries), reachable as cluster `clusterId`. */
  cluster?: { url: string; clusterId: number };
  /** An upstream playing the external-API proxy: `POST {url}/ext/{connectorId}/{endpointId}{path}`. */
  externalApi?: { url: string; unitsPerCall?: number };
  /** Workflows `runSubworkflow` can run, by id or slug. */
  workflows?: Record<string, WorkflowGraph>;
  limits?: Partial<RunLimits>;
  http?: HttpPolicy;
}

async function json(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function loopbackServices(options: LoopbackServicesOptions): NodeServices {
  const services: NodeServices = {};
  const { openai, cluster, externalApi, workflows } = options;
  if (openai) {
    services.models = {
      credentials: async (model) => {
        const id = options.models?.[String(model)];
        if (id === undefined) throw new EngineError('service_unavailable', `no AI model "${model}" is visible to the caller`);
        return { apiUrl: openai.url, apiKey: openai.apiKey, model: String(model), modelId: id };
      },
    };
  }
  if (cluster) {
    services.clusters = {
      search: async (clusterId, body, call) => {
        if (clusterId !== cluster.clusterId) throw new EngineError('service_unavailable', `cluster ${clusterId} is not visible to the caller`);
        const response = await fetch(`${cluster.url}/api/v1/search`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': call.idempotencyKey },
          body: JSON.stringify({ ...body, search_type: call.kind }),
          signal: call.signal,
        });
        const answer = await json(response);
        if (!response.ok) throw new EngineError('upstream_error', `cluster ${clusterId} answered ${response.status}`, { status: response.status });
        return answer;
      },
    };
    services.catalog = {
      listEntries: async (request, call) => {
        const query = new URLSearchParams({ page: String(request.page ?? 1), perPage: String(request.perPage ?? 20) });
        if (request.search) query.set('search', request.search);
        const response = await fetch(`${cluster.url}/api/v1/datasets/${request.datasetId}/entries?${query}`, { signal: call.signal });
        if (!response.ok) throw new EngineError('upstream_error', `dataset ${request.datasetId} answered ${response.status}`, { status: response.status });
        return json(response);
      },
    };
  }
  if (externalApi) {
    services.externalApi = {
      call: async (request, call) => {
        const url = new URL(`${externalApi.url}/ext/${request.connectorId}/${request.endpointId}${request.path ?? ''}`);
        for (const [k, v] of Object.entries(request.query ?? {})) url.searchParams.set(k, String(v));
        url.searchParams.set('units', String(externalApi.unitsPerCall ?? 1));
        const hasBody = request.body !== undefined && request.method !== 'GET';
        const response = await fetch(url, {
          method: request.method ?? 'POST',
          headers: { ...request.headers, 'idempotency-key': call.idempotencyKey, ...(hasBody ? { 'content-type': 'application/json' } : {}) },
          body: hasBody ? JSON.stringify(request.body) : undefined,
          signal: call.signal,
        });
        return { status: response.status, body: await json(response), billedUnits: Number(response.headers.get('x-billed-units') ?? 0) };
      },
    };
  }
  if (workflows) {
    services.runSubworkflow = async (request) => {
      const graph = workflows[String(request.workflowId)];
      if (!graph) throw new EngineError('service_unavailable', `workflow ${request.workflowId} is not visible to the caller`);
      return runWorkflow({
        graph,
        input: request.input,
        // A sub-run is a job of its own: its nodes get their own Idempotency-Keys.
        jobId: `${request.jobId}:${request.nodeId}`,
        depth: request.depth,
        signal: request.signal,
        services,
        limits: options.limits,
        http: options.http,
      });
    };
  }
  return services;
}
