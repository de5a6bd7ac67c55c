import type { JobResult } from './events';
import type { EngineErrorInfo } from './errors';

/** Passed to every service call: cancel with `signal`; `idempotencyKey` is `<jobId>:<nodeId>`. */
export interface ServiceCallOptions {
  signal: AbortSignal;
  jobId: string;
  nodeId: string;
  idempotencyKey: string;
}

export interface ListEntriesRequest {
  datasetId: number;
  page?: number;
  perPage?: number;
  /** Free-text filter on the entries' names. */
  search?: string;
  /** Only these entry ids. */
  ids?: number[];
}

/** The body of a data cluster's `POST /api/v1/search`. */
export interface ClusterSearchBody {
  query: string;
  limit: number;
  offset: number;
  score_threshold?: number;
  dataset_ids?: number[];
}

export type ClusterSearchKind = 'keyword' | 'vector';

/** An OpenAI-compatible endpoint of an AI model from the registry, with its provisioned credential. */
export interface ModelCredentials {
  /** Base URL, e.g. `https://api.mistral.ai/v1` (`/chat/completions`, `/embeddings`, `/rerank` are appended). */
  apiUrl: string;
  apiKey?: string | null;
  /** The upstream's model name for the request body; defaults to the node's `model` param. */
  model?: string;
  /** The registry id, reported in usage records. */
  modelId?: number;
  /** Extra headers the provider needs. */
  headers?: Record<string, string>;
}

export interface ExternalApiRequest {
  connectorId: number;
  endpointId: number;
  method?: string;
  /** Extra path under the endpoint, query and headers forwarded to the upstream. */
  path?: string;
  query?: Record<string, string | number | boolean>;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface ExternalApiResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Units billed to the job (the proxy's `x-billed-units`). */
  billedUnits?: number;
}

export interface SubworkflowRequest {
  /** Numeric id or slug of a workflow the caller may run. */
  workflowId: number | string;
  input: unknown;
  /** Depth of the sub-run: 1 for a subworkflow of the top-level run. Pass it to `runWorkflow({depth})`. */
  depth: number;
  jobId: string;
  nodeId: string;
  signal: AbortSignal;
}

/** What a sub-run returns (a `RunOutcome` fits). */
export interface SubworkflowResult {
  status: 'completed' | 'failed' | 'cancelled';
  result: JobResult;
  error?: EngineErrorInfo;
}

/**
 * What service-backed nodes call. The runtime builds one per job, bound to the caller's identity
 * (visibility, billing) and wires each call to NATS or the proxies. A missing member makes the nodes
 * that need it fail with `service_unavailable`.
 */
export interface NodeServices {
  catalog?: {
    /** Entries of a dataset the caller may see (`get_entries`). */
    listEntries(request: ListEntriesRequest, options: ServiceCallOptions): Promise<unknown>;
  };
  clusters?: {
    /**
     * A cluster's `POST /api/v1/search` through the cluster proxy's access rules (`keyword_search`,
     * `vector_search`; `kind` says which). Resolves to the cluster's JSON answer.
     */
    search(clusterId: number, body: ClusterSearchBody, options: ServiceCallOptions & { kind: ClusterSearchKind }): Promise<unknown>;
  };
  models?: {
    /** The OpenAI-compatible endpoint and credential of a registry model (by slug or id). */
    credentials(model: string | number, options: ServiceCallOptions): Promise<ModelCredentials>;
  };
  externalApi?: {
    /** A call through the metered external-API proxy, billed to the job. */
    call(request: ExternalApiRequest, options: ServiceCallOptions): Promise<ExternalApiResponse>;
  };
  /** Runs another workflow visible to the caller as one node (`subworkflow`). */
  runSubworkflow?(request: SubworkflowRequest): Promise<SubworkflowResult>;
}
