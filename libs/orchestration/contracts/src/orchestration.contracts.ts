import type { ServiceNatsUse } from '@alien/nats-auth';
import { healthContract, rpc } from '@alien/contracts';

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

export const OrchestrationContracts = {
  health: healthContract('orchestration'),
  clusters: {
    /**
     * For other services (catalog): which of these clusters `ctx.identity.organizationId` may use —
     * owned or shared with it. Unknown and invisible ids are omitted; order follows the request.
     */
    visible: rpc<{ ids: number[] }, ClusterRef[]>('orchestration.cluster.visible.v1'),
  },
} as const;

/** What orchestration does on NATS (deploy/nats permissions are generated from it). */
export const ORCHESTRATION_NATS: ServiceNatsUse = {
  service: 'orchestration',
  publishes: [],
  requests: [],
  consumes: [],
};
