import { Page, PageQuery } from '@alien/envelope';
import { BatchQuery, IdOrSlug } from '@alien/slug';
import { event, healthContract, rpc } from '@alien/contracts';

export const CLUSTER_STATUSES = ['pending', 'online', 'offline', 'suspended'] as const;
export type ClusterStatus = (typeof CLUSTER_STATUSES)[number];

/** What other services learn about a cluster the caller may use (no secrets, no base URL). */
export interface ClusterRef {
  id: number;
  slug: string;
  name: string;
  status: ClusterStatus;
  /** The owning organization. */
  organizationId: number;
  /** Where a client reaches its Data API through the platform: `/clusters/{id}/proxy`. */
  proxyPath: string;
}

/**
 * A data cluster as its users see it. The last four fields are present for owners and admins of the
 * owning organization only; `credential` is write-only and never part of any view.
 */
export interface ClusterView {
  id: number;
  name: string;
  slug: string;
  description: string | null;
  region: string | null;
  /** `pending` never checked, `online`/`offline` from the last health check, `suspended` until unsuspended. */
  status: ClusterStatus;
  organizationId: number;
  proxyPath: string;
  /** Last successful health check. */
  lastSeenAt: string | null;
  createdAt: string;
  updatedAt: string;
  baseUrl?: string;
  healthPath?: string;
  hasCredential?: boolean;
  sharedWithOrganizationIds?: number[];
}

export const CLUSTER_ORDER_BY = ['id', 'name', 'slug', 'createdAt', 'updatedAt', 'lastSeenAt'] as const;
export type ClusterOrderBy = (typeof CLUSTER_ORDER_BY)[number];

/** Most organizations a cluster can be shared with. */
export const MAX_CLUSTER_SHARES = 100;
export const DEFAULT_HEALTH_PATH = '/health';

export interface ClusterListRequest {
  page: PageQuery<ClusterOrderBy>;
  q?: string;
  status?: ClusterStatus;
}

export interface ClusterFields {
  name: string;
  slug?: string;
  description?: string | null;
  /** http or https, a host, no userinfo, no query: where the cluster's Data API lives. */
  baseUrl: string;
  region?: string | null;
  /** Path polled by the health loop (default `/health`). */
  healthPath?: string;
  /** Write-only secret the platform presents to the cluster (`Authorization: Bearer …`); null clears it. */
  credential?: string | null;
  /** Other organizations whose members may use the cluster. */
  sharedWithOrganizationIds?: number[];
  suspended?: boolean;
}

export interface ClusterUpdateRequest {
  id: number;
  patch: Partial<ClusterFields>;
}

/**
 * What the proxy needs to forward a caller's request to a cluster: the decision was made by
 * orchestration for `ctx.identity` (404 when the cluster is not visible to the caller's organization,
 * 503 when it is offline or suspended). It depends on the caller's organization only, which is what
 * lets the proxy cache it per (organization, cluster) until a cluster event says otherwise.
 */
export interface ClusterRoute {
  cluster: ClusterRef;
  baseUrl: string;
  /**
   * The cluster credential sealed with the platform's SECRETS_KEY_RING (associated data
   * `cluster:<id>`), or null. The plaintext never travels over NATS; the proxy opens it in memory.
   */
  sealedCredential: string | null;
}

export interface DeletedCluster {
  id: number;
  deleted: true;
}

/** Payload of every cluster event: enough for caches to evict (the proxy's access cache). */
export interface ClusterEvent {
  clusterId: number;
  organizationId: number;
  status: ClusterStatus;
}

/** JetStream stream holding orchestration's domain events. */
export const ORCHESTRATION_EVENTS_STREAM = 'ORCHESTRATION_EVENTS';

export const OrchestrationEvents = {
  clusterCreated: event<ClusterEvent>('orchestration.cluster.created.v1'),
  /** Anything a route depends on changed: base URL, credential, shares, suspension, name/slug. */
  clusterUpdated: event<ClusterEvent>('orchestration.cluster.updated.v1'),
  /** The health loop (or a manual check) flipped the cluster online or offline. */
  clusterStatusChanged: event<ClusterEvent & { previous: ClusterStatus }>('orchestration.cluster.status-changed.v1'),
  clusterDeleted: event<ClusterEvent>('orchestration.cluster.deleted.v1'),
} as const;

export const OrchestrationContracts = {
  health: healthContract('orchestration'),
  clusters: {
    list: rpc<ClusterListRequest, Page<ClusterView>>('orchestration.cluster.list.v1'),
    get: rpc<IdOrSlug, ClusterView>('orchestration.cluster.get.v1'),
    batch: rpc<BatchQuery, ClusterView[]>('orchestration.cluster.batch.v1'),
    create: rpc<ClusterFields, ClusterView>('orchestration.cluster.create.v1'),
    update: rpc<ClusterUpdateRequest, ClusterView>('orchestration.cluster.update.v1'),
    remove: rpc<{ id: number }, DeletedCluster>('orchestration.cluster.delete.v1'),
    /** Runs a health check now and returns the cluster as it stands afterwards. */
    check: rpc<{ id: number }, ClusterView>('orchestration.cluster.check.v1'),
    /**
     * For other services (catalog): which of these clusters `ctx.identity.organizationId` may use —
     * owned or shared with it. Unknown and invisible ids are omitted; order follows the request.
     */
    visible: rpc<{ ids: number[] }, ClusterRef[]>('orchestration.cluster.visible.v1', { internal: true }),
    /** For the proxy: may `ctx.identity` reach this cluster now, and where (see ClusterRoute). */
    route: rpc<{ id: number }, ClusterRoute>('orchestration.cluster.route.v1', { internal: true }),
    /**
     * For other services guarding a cluster's data (the proxy's request logs): the cluster when
     * `ctx.identity` manages it (owner/admin of its organization); 404 when invisible, 403 otherwise.
     */
    managed: rpc<{ id: number }, ClusterRef>('orchestration.cluster.managed.v1', { internal: true }),
  },
} as const;
