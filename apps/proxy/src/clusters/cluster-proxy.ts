import { ApiError } from '@alien/envelope';
import { Identity } from '@alien/identity';
import { CLIENT_IDENTITY_HEADERS, IdentityAssertionSigner, upstreamIdentityHeaders } from '@alien/identity-assertion';
import { ROOT_LOGGER } from '@alien/logging';
import { requestIdOf } from '@alien/nest-http';
import { IdentityService } from '@alien/nest-identity';
import { ForwardResult, forward, writeErrorEnvelope } from '@alien/proxy/streaming';
import { idError } from '@alien/slug';
import { endToEndHeaders, guardedConnector, splitUrl, subpathError } from '@alien/upstream';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { Agent } from 'undici';
import { PROXY_CONFIG, ProxyConfig } from '../config';
import { logDataPlaneRequest } from '../data-plane/access-log';
import { ProxyLogWriter } from '../proxy-logs/proxy-log.writer';
import { ClusterRoutes, ResolvedRoute } from './cluster-routes';

/** Client headers never forwarded: identity and credentials (replaced by ours), and what undici sets itself. */
const DROP_REQUEST = new Set([...CLIENT_IDENTITY_HEADERS, 'host', 'expect', 'x-forwarded-for']);
/** The cluster's own request id would shadow ours (it is the same value: we sent it). */
const DROP_RESPONSE = new Set(['x-request-id']);

/** Methods whose budget is CLUSTER_PROXY_POST_TIMEOUT_MS; every other one gets CLUSTER_PROXY_TIMEOUT_MS. */
const LONG_METHODS = new Set(['POST']);

/** A decimal Content-Length, or null when absent (chunked) — NaN when malformed. */
function declaredLength(req: IncomingMessage): number | null {
  const raw = req.headers['content-length'];
  if (raw === undefined) return null;
  return /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
}

function hasBody(req: IncomingMessage, length: number | null): boolean {
  return length === null ? req.headers['transfer-encoding'] !== undefined : length > 0;
}

/**
 * `ANY /clusters/{id}/proxy/*`: authenticate the caller (the shared identity lib, like the gateway),
 * ask orchestration whether they may reach the cluster (cached per organization), strip the client's
 * identity and credentials, inject ours (identity headers, `x-alien-identity`, the cluster credential),
 * stream both ways, audit once. The only place a proxied request is authorised.
 */
@Injectable()
export class ClusterProxy implements OnModuleDestroy {
  /** Never towards link-local (cloud metadata) or unspecified addresses, written or resolved. */
  readonly agent = new Agent({ keepAliveTimeout: 4_000, connect: guardedConnector({ timeout: 10_000 }) });

  constructor(
    private readonly identities: IdentityService,
    private readonly routes: ClusterRoutes,
    private readonly signer: IdentityAssertionSigner,
    private readonly audit: ProxyLogWriter,
    @Inject(PROXY_CONFIG) private readonly config: ProxyConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /** `rawId`: the `{id}` segment as sent; `rest`: everything after `/proxy` (path and query). */
  async handle(req: IncomingMessage, res: ServerResponse, rawId: string, rest: string): Promise<void> {
    const startedAt = performance.now();
    const createdAt = new Date();
    const requestId = requestIdOf(req, res);
    let identity: Identity | null = null;
    let route: ResolvedRoute | null = null;
    let result: ForwardResult | null = null;
    let status = 500;
    try {
      const idProblem = idError('id', rawId);
      if (idProblem) throw ApiError.validation([idProblem]);
      // A cluster that implements TRACE echoes the request back: our headers, its credential included.
      if (req.method === 'TRACE') throw new ApiError(405, 'TRACE is not forwarded to clusters', 'method_not_allowed');
      const clusterId = Number(rawId);
      identity = await this.identities.resolve(req, requestId);
      if (identity.userId === null) throw ApiError.unauthenticated('Authentication required');
      const { path, query } = splitUrl(rest);
      const pathProblem = subpathError(path);
      if (pathProblem) throw new ApiError(400, `The proxied path is refused: ${pathProblem}`, 'invalid_path');
      if (identity.organizationId === null) throw ApiError.notFound('Cluster not found');
      route = await this.route(identity, clusterId, requestId);

      const length = declaredLength(req);
      if (Number.isNaN(length)) throw new ApiError(400, 'Content-Length is not a number', 'bad_request');
      const max = this.config.CLUSTER_PROXY_MAX_REQUEST_BYTES;
      if (length !== null && length > max) {
        throw new ApiError(413, `The request body is larger than ${max} bytes`, 'payload_too_large');
      }
      const assertion = await this.signer.assertion(identity, route.audience);
      const headers = endToEndHeaders(req.headers, DROP_REQUEST);
      Object.assign(headers, upstreamIdentityHeaders(identity, requestId, assertion, route.credential));
      const peer = req.socket.remoteAddress;
      const forwardedFor = req.headers['x-forwarded-for'];
      if (peer) headers['x-forwarded-for'] = forwardedFor ? `${forwardedFor}, ${peer}` : peer;
      const method = req.method ?? 'GET';
      const budgetMs = LONG_METHODS.has(method) ? this.config.CLUSTER_PROXY_POST_TIMEOUT_MS : this.config.CLUSTER_PROXY_TIMEOUT_MS;

      result = await forward(req, res, {
        dispatcher: this.agent,
        origin: route.origin,
        path: `${route.basePath}${path}${query}`.replace(/^(?!\/)/, '/'),
        method,
        headers,
        withBody: hasBody(req, length),
        maxRequestBytes: max,
        budgetMs,
        maxDurationMs: this.config.CLUSTER_PROXY_MAX_DURATION_MS,
        dropResponseHeaders: DROP_RESPONSE,
        requestId,
        upstreamName: 'The cluster',
      });
      status = result.status;
      if (result.outcome !== 'completed' && result.outcome !== 'client_aborted') {
        this.logger.warn({ requestId, clusterId, outcome: result.outcome, error: result.error }, 'cluster proxy request failed');
      }
    } catch (e) {
      const error = e instanceof ApiError ? e : this.unexpected(e, requestId);
      status = error.status;
      writeErrorEnvelope(req, res, error, requestId);
    } finally {
      if (route && identity) this.record(req, identity, route, rest, status, result, startedAt, createdAt, requestId);
      logDataPlaneRequest(this.logger, req, requestId, status, startedAt, identity);
    }
  }

  /** The access decision: cached per (organization, cluster), asked of orchestration on a miss. */
  private async route(identity: Identity, clusterId: number, requestId: string): Promise<ResolvedRoute> {
    const hit = this.routes.cached(identity.organizationId as number, clusterId);
    if (hit instanceof ApiError) throw hit;
    return hit ?? (await this.routes.fetch(identity, clusterId, requestId));
  }

  private record(
    req: IncomingMessage,
    identity: Identity,
    route: ResolvedRoute,
    rest: string,
    status: number,
    result: ForwardResult | null,
    startedAt: number,
    createdAt: Date,
    requestId: string,
  ): void {
    this.audit.record({
      clusterId: route.cluster.id,
      organizationId: identity.organizationId as number,
      userId: identity.userId as number,
      tokenId: identity.tokenId,
      method: (req.method ?? 'GET').slice(0, 16),
      // The path within the cluster, without the query string (it may carry secrets).
      path: (splitUrl(rest).path || '/').slice(0, 4096),
      status,
      bytesIn: result?.bytesIn ?? 0,
      bytesOut: result?.bytesOut ?? 0,
      durationMs: performance.now() - startedAt,
      requestId,
      createdAt,
    });
  }

  private unexpected(e: unknown, requestId: string): ApiError {
    this.logger.error({ requestId, err: e }, 'cluster proxy failed unexpectedly');
    return new ApiError(500, 'Internal server error', 'internal');
  }

  async onModuleDestroy(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }
}
