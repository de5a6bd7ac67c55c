import { Page, PageQuery } from '@alien/envelope';
import type { JsonWebKeySet } from '@alien/identity-assertion';
import { IdOrSlug } from '@alien/slug';
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

// ── External APIs ────────────────────────────────────────────────────────────────────────────────

export const CONNECTOR_AUTH_TYPES = ['header', 'query', 'bearer'] as const;
/** How the connector's secret reaches the third party: a header, a query parameter, or `Authorization: Bearer`. */
export type ConnectorAuth = { type: 'header'; name: string } | { type: 'query'; name: string } | { type: 'bearer' };
export const CONNECTOR_VISIBILITIES = ['public', 'organizations'] as const;
/** `public`: every organization; `organizations`: the ones in `organizationIds`. */
export type ConnectorVisibility = (typeof CONNECTOR_VISIBILITIES)[number];

/** A third-party API the platform calls for its users, metered. Platform admins see every field. */
export interface ConnectorView {
  id: number;
  name: string;
  slug: string;
  description: string | null;
  /** Where the secret goes (never the secret). */
  auth: ConnectorAuth;
  visibility: ConnectorVisibility;
  createdAt: string;
  updatedAt: string;
  /** Platform admins only. */
  baseUrl?: string;
  hasSecret?: boolean;
  organizationIds?: number[];
}

export interface ConnectorFields {
  name: string;
  slug?: string;
  description?: string | null;
  baseUrl: string;
  auth: ConnectorAuth;
  /** Write-only, sealed at rest (associated data `connector:<id>`); null removes it. */
  secret?: string | null;
  visibility?: ConnectorVisibility;
  organizationIds?: number[];
}

export const ENDPOINT_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type EndpointMethod = (typeof ENDPOINT_METHODS)[number];
/** `fixed`: every billed call costs `units`; `upstream`: the third party's `x-billed-units` (a non-negative integer, else 0). */
export type EndpointBilling = { mode: 'fixed'; units: number } | { mode: 'upstream' };

export interface EndpointView {
  id: number;
  connectorId: number;
  operationId: string;
  description: string | null;
  /** The method used towards the third party (clients always POST to the proxy route). */
  method: EndpointMethod;
  /** Appended to the connector's base URL. */
  path: string;
  unitPriceCents: number;
  billing: EndpointBilling;
  /** `POST` here to call it: `/external-apis/{connectorId}/endpoints/{id}/proxy`. */
  proxyPath: string;
  createdAt: string;
  updatedAt: string;
}

export interface EndpointFields {
  operationId: string;
  description?: string | null;
  method: EndpointMethod;
  path: string;
  unitPriceCents: number;
  billing: EndpointBilling;
}

export const CONNECTOR_ORDER_BY = ['id', 'name', 'slug', 'createdAt'] as const;
export const ENDPOINT_ORDER_BY = ['id', 'operationId', 'createdAt'] as const;

export interface UsageRequest {
  /** ISO-8601; default 30 days before `to`. */
  from?: string;
  /** ISO-8601, exclusive; default now. */
  to?: string;
  userId?: number;
  tokenId?: number;
  jobId?: number;
}

export interface UsageLine {
  connectorId: number;
  endpointId: number;
  operationId: string;
  /** Every call, billed or not. */
  calls: number;
  /** Calls whose answer completed (billed, possibly 0 units). */
  billedCalls: number;
  units: number;
  costCents: number;
}

/** External-API usage of the caller's organization in [from, to). */
export interface UsageSummary {
  organizationId: number;
  from: string;
  to: string;
  totals: { calls: number; billedCalls: number; units: number; costCents: number };
  byEndpoint: UsageLine[];
}

export const ExternalApiContracts = {
  connectors: {
    list: rpc<{ page: PageQuery<(typeof CONNECTOR_ORDER_BY)[number]>; q?: string }, Page<ConnectorView>>('proxy.connector.list.v1'),
    get: rpc<IdOrSlug, ConnectorView>('proxy.connector.get.v1'),
    create: rpc<ConnectorFields, ConnectorView>('proxy.connector.create.v1'),
    update: rpc<{ id: number; patch: Partial<ConnectorFields> }, ConnectorView>('proxy.connector.update.v1'),
    remove: rpc<{ id: number }, { id: number; deleted: true }>('proxy.connector.delete.v1'),
  },
  endpoints: {
    list: rpc<{ connectorId: number; page: PageQuery<(typeof ENDPOINT_ORDER_BY)[number]> }, Page<EndpointView>>('proxy.endpoint.list.v1'),
    get: rpc<{ connectorId: number; id: number }, EndpointView>('proxy.endpoint.get.v1'),
    create: rpc<{ connectorId: number; fields: EndpointFields }, EndpointView>('proxy.endpoint.create.v1'),
    update: rpc<{ connectorId: number; id: number; patch: Partial<EndpointFields> }, EndpointView>('proxy.endpoint.update.v1'),
    remove: rpc<{ connectorId: number; id: number }, { id: number; deleted: true }>('proxy.endpoint.delete.v1'),
  },
  /** Owners and admins of the caller's organization. */
  usage: rpc<UsageRequest, UsageSummary>('proxy.usage.summary.v1'),
} as const;

/** A header name for `auth.type = header` (an HTTP token). */
export const AUTH_HEADER_PATTERN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
/** Headers a connector's secret may not be put in: the platform or the connection owns them. */
export const RESERVED_AUTH_HEADERS: readonly string[] = [
  'host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'te', 'trailer', 'upgrade',
  'cookie', 'x-request-id', 'x-billed-units', 'x-forwarded-for', 'expect',
];
/** A query parameter name for `auth.type = query`. */
export const AUTH_QUERY_PATTERN = /^[A-Za-z0-9_.~-]{1,100}$/;
/** An endpoint's operationId: unique per connector. */
export const OPERATION_ID_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/;
/** Largest unit price and fixed unit count. */
export const MAX_PRICE_CENTS = 100_000_000;
export const MAX_UNITS = 1_000_000_000;
