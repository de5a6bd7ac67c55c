import { Page, PageQuery } from '@alien/envelope';
import type { JsonWebKeySet } from '@alien/identity-assertion';
import { healthContract, rpc } from '@alien/contracts';

/**
 * The proxy app is the platform's HTTP data plane. Bodies never travel over NATS: these contracts
 * are its control plane (the JWKS, request logs, external-API registry and usage).
 *
 * HTTP routes it serves itself (clients reach them through the gateway on :3333, or through an
 * ingress that routes these paths straight to the proxy Service):
 * - `ANY /clusters/{id}/proxy/*` — a cluster's Data API, as the caller (see apps/proxy/README.md)
 * - `POST /external-apis/{connectorId}/endpoints/{endpointId}/proxy` — a metered third-party call
 * - `POST /internal/external-apis/{connectorId}/endpoints/{endpointId}/proxy` — the same for platform
 *   services (orchestration workers) acting for a user, see PlatformExternalApiCall. Never routed from
 *   outside; refused without a valid platform call assertion.
 */
export const DATA_PLANE_ROUTES = {
  clusterProxy: '/clusters/{id}/proxy/*',
  externalApiProxy: '/external-apis/{connectorId}/endpoints/{endpointId}/proxy',
  internalExternalApiProxy: '/internal/external-apis/{connectorId}/endpoints/{endpointId}/proxy',
} as const;

/**
 * How an orchestration worker calls an external API for a user (internal route above):
 * `POST {PROXY_URL}/internal/external-apis/{connectorId}/endpoints/{endpointId}/proxy` with the header
 * `x-alien-platform-call: <JWT>` made by `signPlatformCall(ring, {identity, jobId}, {audience: 'proxy'})`
 * from `@alien/identity-assertion` (ES256 under IDENTITY_ASSERTION_KEYS, 60 s, `typ`
 * `alien-platform-call+jwt`). The identity in it is used as is (same visibility and billing rules as a
 * client's call); `job` is stored on the usage record. Client-sent identity headers mean nothing there.
 */
export interface PlatformExternalApiCall {
  connectorId: number;
  endpointId: number;
  /** Body and query string are forwarded like a client's. */
  jobId: number | null;
}

/** One proxied request to a cluster, as audited (the path without its query string). */
export interface ProxyLogView {
  id: number;
  clusterId: number;
  /** The caller and the organization it acted in (the owner or one the cluster is shared with). */
  userId: number;
  organizationId: number;
  tokenId: number | null;
  method: string;
  path: string;
  /** What the client got; 499 when it went away before an answer. */
  status: number;
  bytesIn: number;
  bytesOut: number;
  durationMs: number;
  requestId: string;
  createdAt: string;
}

export const PROXY_LOG_ORDER_BY = ['createdAt', 'status', 'durationMs'] as const;
export type ProxyLogOrderBy = (typeof PROXY_LOG_ORDER_BY)[number];

export interface ProxyLogListRequest {
  clusterId: number;
  page: PageQuery<ProxyLogOrderBy>;
  /** ISO-8601 bounds on createdAt: from inclusive, to exclusive. */
  from?: string;
  to?: string;
  /** One status (404) or a class (`5xx`). */
  status?: number | string;
  userId?: number;
}

export const ProxyContracts = {
  health: healthContract('proxy'),
  /** The public keys clusters verify `x-alien-identity` with (served at `GET /.well-known/jwks.json`). */
  jwks: rpc<Record<string, never>, JsonWebKeySet>('proxy.jwks.get.v1'),
  proxyLogs: {
    /** A cluster's request log, for owners and admins of its organization (asked of orchestration). */
    list: rpc<ProxyLogListRequest, Page<ProxyLogView>>('proxy.proxy-log.list.v1'),
  },
} as const;
