import { ANONYMOUS, Identity, RequestContext } from '@alien/identity';
import { AssertionKeyRing, IdentityAssertionSigner, PLATFORM_CALL_HEADER, signPlatformCall, upstreamIdentityHeaders } from '@alien/identity-assertion';
import { ApiError } from '@alien/envelope';
import { guardedConnector } from '@alien/upstream';
import { Inject, Injectable } from '@nestjs/common';
import { Agent, fetch as undiciFetch } from 'undici';
import { AiModelView, EntryView } from '@alien/catalog/contracts';
import { paginated } from '@alien/envelope';
import { ClusterAccessService } from '../clusters/cluster-access.service';
import { PlatformClients } from '../shared/platform-clients';
import type { OrchestrationConfig } from '../config';
import {
  ClusterSearchBody,
  EngineError,
  ExternalApiRequest,
  ExternalApiResponse,
  ListEntriesRequest,
  ModelCredentials,
  NodeServices,
  ServiceCallOptions,
  SubworkflowRequest,
  runWorkflow,
} from '../engine/engine';
import { JobRow } from '../jobs/job-store';
import { Sql } from '../shared/sql';
import { ORCHESTRATION_CONFIG } from '../shared/tokens';
import type { WorkflowRow } from '../workflows/workflows.service';

/** A failure of another service, as the node reports it: not found/forbidden → invalid_params, outages → service_unavailable. */
function asEngineError(error: unknown, what: string): unknown {
  if (!(error instanceof ApiError)) return error;
  if (error.status === 404 || error.status === 403) return new EngineError('invalid_params', `${what} is not available to this run`);
  if (error.status === 422) return new EngineError('invalid_params', `${what}: ${error.message}`);
  return new EngineError('service_unavailable', `${what}: ${error.message}`);
}

/** The Data API's search endpoint under a cluster's base URL. */
const SEARCH_PATH = '/api/v1/search';
/** What the cluster proxy allows a POST (DESIGN.md): the same bound for workers. */
const CLUSTER_POST_TIMEOUT_MS = 120_000;

/** The caller's identity as the job recorded it (the run's organization always wins). */
export function jobIdentity(job: JobRow): Identity {
  return {
    ...ANONYMOUS,
    ...job.identity,
    userId: job.user_id,
    organizationId: job.organization_id,
    abilities: job.identity?.abilities ?? ['read', 'write'],
  } as Identity;
}

/** Search calls to clusters never go to link-local (cloud metadata) or unspecified addresses, written or resolved. */
const CLUSTER_AGENT = new Agent({ keepAliveTimeout: 4_000, connect: guardedConnector({ timeout: 10_000 }) });

/**
 * Builds the engine's NodeServices for one job, bound to the job's organization (visibility and
 * billing). Services whose contracts another domain has not published yet are absent: the engine
 * fails the nodes that need them with `service_unavailable`.
 */
@Injectable()
export class NodeServicesFactory {
  readonly limits: { nodeTimeoutMs: number; maxOutputBytes: number; maxSubworkflowDepth: number; maxConcurrency: number };
  readonly http: { allow: string[]; timeoutMs: number; maxResponseBytes: number };
  /** Prices per token of the models a running job resolved, for its usage records. */
  private readonly prices = new Map<number, Map<string, { input: number; output: number; name: string }>>();

  private readonly signer: IdentityAssertionSigner | null;
  private readonly ring: AssertionKeyRing | null;
  private readonly proxyUrl: string;
  /** Unit prices of the external-API endpoints a running job called (cents), for its usage records. */
  private readonly unitPrices = new Map<number, Map<string, { cents: number; name: string }>>();

  constructor(
    private readonly sql: Sql,
    private readonly clusterAccess: ClusterAccessService,
    private readonly clients: PlatformClients,
    @Inject(ORCHESTRATION_CONFIG) config: OrchestrationConfig,
  ) {
    this.ring = config.IDENTITY_ASSERTION_KEYS ? new AssertionKeyRing(config.IDENTITY_ASSERTION_KEYS) : null;
    this.signer = this.ring ? new IdentityAssertionSigner(this.ring) : null;
    this.proxyUrl = config.PROXY_URL.replace(/\/+$/, '');
    this.limits = {
      nodeTimeoutMs: config.NODE_TIMEOUT_MS,
      maxOutputBytes: config.NODE_OUTPUT_MAX_BYTES,
      maxSubworkflowDepth: config.SUBWORKFLOW_MAX_DEPTH,
      maxConcurrency: 8,
    };
    this.http = {
      allow: config.HTTP_REQUEST_ALLOWLIST.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      timeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
      maxResponseBytes: config.HTTP_REQUEST_MAX_BYTES,
    };
  }

  forJob(job: JobRow): NodeServices {
    const identity = jobIdentity(job);
    const ctx = { requestId: `job-${job.id}`, identity };
    const services: NodeServices = {
      catalog: { listEntries: (request: ListEntriesRequest) => this.listEntries(ctx, request) },
      models: { credentials: (model: string | number) => this.modelCredentials(ctx, job.id, model) },
      ...(this.ring
        ? { externalApi: { call: (request: ExternalApiRequest, options: ServiceCallOptions) => this.callExternalApi(identity, job.id, request, options) } }
        : {}),
      ...(this.signer ? { clusters: { search: (clusterId: number, body: ClusterSearchBody, options: ServiceCallOptions) => this.searchCluster(identity, job.id, clusterId, body, options) } } : {}),
      runSubworkflow: async (request: SubworkflowRequest) => {
        const workflow = await this.visibleWorkflow(job.organization_id, request.workflowId);
        return runWorkflow({
          graph: { nodes: workflow.nodes, edges: workflow.edges } as never,
          input: request.input,
          jobId: `${request.jobId}:${request.nodeId}`,
          depth: request.depth,
          completed: {},
          services,
          signal: request.signal,
          limits: this.limits,
          http: this.http,
          onEvent: async () => undefined,
        });
      },
    };
    return services;
  }

  /**
   * A cluster's `POST /api/v1/search` for the job's caller, under the cluster proxy's rules: the same
   * access decision (owned or shared, online; 404/503 otherwise), the caller's identity headers, the
   * signed `x-alien-identity` assertion (audience: the cluster id), the cluster's own credential,
   * the node's Idempotency-Key, and the proxy's 120 s bound for POSTs.
   */
  private async searchCluster(identity: Identity, jobId: number, clusterId: number, body: ClusterSearchBody, options: ServiceCallOptions): Promise<unknown> {
    let target;
    try {
      target = await this.clusterAccess.target(identity, clusterId);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) throw new EngineError('invalid_params', `cluster ${clusterId} is not available to this run`);
      if (error instanceof ApiError && error.status === 503) throw new EngineError('service_unavailable', error.message);
      throw error;
    }
    const assertion = await (this.signer as IdentityAssertionSigner).assertion(identity, String(clusterId));
    const headers = {
      ...upstreamIdentityHeaders(identity, `job-${jobId}`, assertion, target.credential),
      'content-type': 'application/json',
      accept: 'application/json',
      'idempotency-key': options.idempotencyKey,
    };
    const signal = AbortSignal.any([options.signal, AbortSignal.timeout(CLUSTER_POST_TIMEOUT_MS)]);
    let res: Awaited<ReturnType<typeof undiciFetch>>;
    try {
      res = await undiciFetch(`${target.baseUrl.replace(/\/+$/, '')}${SEARCH_PATH}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal,
        dispatcher: CLUSTER_AGENT,
      });
    } catch (error) {
      if (options.signal.aborted) throw error;
      throw new EngineError('upstream_error', `cluster ${clusterId} did not answer: ${(error as Error).message}`);
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: kept as text */
    }
    if (!res.ok) throw new EngineError('upstream_error', `cluster ${clusterId} answered ${res.status}`, { status: res.status });
    return parsed;
  }

  /**
   * `get_entries`: a dataset's entries as the job's caller may see them (the catalog decides), as a
   * page `{data, meta}`. Specific `ids` are fetched one by one (invisible or unknown ones omitted).
   */
  private async listEntries(ctx: RequestContext, request: ListEntriesRequest): Promise<unknown> {
    const { datasetId } = request;
    try {
      if (request.ids?.length) {
        const found: EntryView[] = [];
        for (const entryId of request.ids) {
          try {
            found.push(await this.clients.catalog(this.clients.catalogContracts.entries.get, { datasetId, entryId }, ctx));
          } catch (error) {
            if (!(error instanceof ApiError && error.status === 404)) throw error;
          }
        }
        const { success: _ok, ...page } = paginated({ items: found, total: found.length, page: 1, perPage: Math.max(1, found.length) });
        return page;
      }
      const result = await this.clients.catalog(
        this.clients.catalogContracts.entries.list,
        {
          datasetId,
          page: { page: request.page ?? 1, perPage: request.perPage ?? 20, orderBy: 'key', direction: 'asc' },
          ...(request.search ? { q: request.search } : {}),
        },
        ctx,
      );
      const { success: _ok, ...page } = paginated(result);
      return page;
    } catch (error) {
      throw asEngineError(error, `dataset ${datasetId}`);
    }
  }

  /**
   * An AI model's OpenAI-compatible endpoint and provisioned key for the job's organization (the
   * catalog's internal contract for workers: visibility checked, read audited). A slug is resolved
   * to the model the caller sees first; its prices are kept for the job's usage records.
   */
  private async modelCredentials(ctx: RequestContext, jobId: number, model: string | number): Promise<ModelCredentials> {
    try {
      const key = typeof model === 'number' || /^[0-9]+$/.test(String(model)) ? { id: Number(model) } : { slug: String(model) };
      const view: AiModelView = await this.clients.catalog(this.clients.catalogContracts.aiModels.get, key, ctx);
      const prices = this.prices.get(jobId) ?? new Map();
      prices.set(String(model), { input: view.pricePerInputToken ?? 0, output: view.pricePerOutputToken ?? 0, name: view.slug });
      this.prices.set(jobId, prices);
      const credentials = await this.clients.catalog(
        this.clients.catalogContracts.aiModels.credentials.forWorker,
        { modelId: view.id, organizationId: ctx.identity.organizationId as number },
        ctx,
      );
      return { apiUrl: credentials.apiUrl, apiKey: credentials.apiKey, modelId: view.id };
    } catch (error) {
      throw asEngineError(error, `model ${model}`);
    }
  }

  /**
   * `external_api`: the proxy's internal route for platform services, as the job's caller (the
   * proxy's visibility rules) and billed to the job: a platform call assertion signed with the
   * assertion ring, the node's Idempotency-Key, POST (the endpoint defines the upstream method). The
   * endpoint's unit price is read from the proxy's control plane for the job's usage records.
   */
  private async callExternalApi(identity: Identity, jobId: number, request: ExternalApiRequest, options: ServiceCallOptions): Promise<ExternalApiResponse> {
    if (request.path) throw new EngineError('invalid_params', 'external_api: the endpoint defines the path (path is not supported through the proxy)');
    const ctx = { requestId: `job-${jobId}`, identity };
    const key = `${request.connectorId}/${request.endpointId}`;
    try {
      const endpoint = await this.clients.proxy(this.clients.proxyContracts.endpoints.get, { connectorId: request.connectorId, id: request.endpointId }, ctx);
      const prices = this.unitPrices.get(jobId) ?? new Map();
      prices.set(key, { cents: endpoint.unitPriceCents, name: endpoint.operationId });
      this.unitPrices.set(jobId, prices);
    } catch (error) {
      throw asEngineError(error, `external API endpoint ${key}`);
    }
    const assertion = await signPlatformCall(this.ring as AssertionKeyRing, { identity, jobId }, { audience: 'proxy' });
    const query = new URLSearchParams(Object.entries(request.query ?? {}).map(([k, v]): [string, string] => [k, String(v)])).toString();
    const url = `${this.proxyUrl}/internal/external-apis/${request.connectorId}/endpoints/${request.endpointId}/proxy${query ? `?${query}` : ''}`;
    const headers: Record<string, string> = { ...(request.headers ?? {}), [PLATFORM_CALL_HEADER]: assertion, 'idempotency-key': options.idempotencyKey, accept: 'application/json' };
    let body: string | undefined;
    if (request.body !== undefined) {
      body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
      headers['content-type'] ??= typeof request.body === 'string' ? 'text/plain' : 'application/json';
    }
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.any([options.signal, AbortSignal.timeout(CLUSTER_POST_TIMEOUT_MS)]) });
    } catch (error) {
      if (options.signal.aborted) throw error;
      throw new EngineError('service_unavailable', `the external-API proxy did not answer: ${(error as Error).message}`);
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: kept as text */
    }
    const billed = Number(res.headers.get('x-billed-units') ?? 0);
    return {
      status: res.status,
      body: parsed,
      headers: Object.fromEntries([...res.headers.entries()].filter(([k]) => k === 'content-type' || k === 'x-billed-units' || k === 'x-request-id')),
      billedUnits: Number.isFinite(billed) && billed > 0 ? billed : 0,
    };
  }

  /** Unit price (currency units, not cents) and operation of an external-API endpoint the job called. */
  unitPriceOf(jobId: number, connectorId: number, endpointId: number): { price: number; name: string | null } {
    const found = this.unitPrices.get(jobId)?.get(`${connectorId}/${endpointId}`);
    return found ? { price: found.cents / 100, name: found.name } : { price: 0, name: null };
  }

  /** Cost of a model usage record: prompt × input price + completion × output price. */
  costOf(jobId: number, model: string | number, promptTokens: number, completionTokens: number): { cost: number; name: string | null } {
    const price = this.prices.get(jobId)?.get(String(model));
    if (!price) return { cost: 0, name: null };
    return { cost: promptTokens * price.input + completionTokens * price.output, name: price.name };
  }

  forget(jobId: number): void {
    this.prices.delete(jobId);
    this.unitPrices.delete(jobId);
  }

  /** A workflow the job's organization may run (its own or a public one), by id or slug; else the node fails. */
  private async visibleWorkflow(organizationId: number, ref: number | string): Promise<WorkflowRow> {
    const byId = typeof ref === 'number' || /^[0-9]+$/.test(String(ref));
    const [row] = await this.sql.query<WorkflowRow>(
      byId
        ? `SELECT * FROM orchestration.workflows WHERE id = $1 AND (is_public OR organization_id = $2)`
        : `SELECT * FROM orchestration.workflows WHERE slug = $1 AND (is_public OR organization_id = $2)
           ORDER BY (organization_id = $2) DESC, id LIMIT 1`,
      [byId ? Number(ref) : ref, organizationId],
    );
    if (!row) throw new Error(`Workflow ${ref} not found`);
    return row;
  }
}
