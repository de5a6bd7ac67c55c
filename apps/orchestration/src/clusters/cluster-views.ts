import { ClusterRef, ClusterStatus, ClusterView } from '@alien/orchestration/contracts';
import { RequestContext, roleAtLeast } from '@alien/identity';
import { ClusterEntity } from './entities/cluster.entity';

export function clusterStatus(c: ClusterEntity): ClusterStatus {
  return c.suspended ? 'suspended' : c.healthStatus;
}

/** Associated data that binds a sealed credential to its cluster row. */
export const credentialAad = (clusterId: number) => `cluster:${clusterId}`;

export function proxyPath(id: number): string {
  return `/clusters/${id}/proxy`;
}

/** Owners and admins of the owning organization manage a cluster (and see its settings). */
export function managesCluster(ctx: RequestContext, cluster: { organizationId: number }): boolean {
  const { identity } = ctx;
  return identity.organizationId === cluster.organizationId && roleAtLeast(identity.role, 'admin') && identity.role !== 'client';
}

export function toClusterRef(c: ClusterEntity): ClusterRef {
  return { id: c.id, slug: c.slug, name: c.name, status: clusterStatus(c), organizationId: c.organizationId, proxyPath: proxyPath(c.id) };
}

export function toClusterView(c: ClusterEntity, ctx: RequestContext): ClusterView {
  const view: ClusterView = {
    id: c.id,
    name: c.name,
    slug: c.slug,
    description: c.description,
    region: c.region,
    status: clusterStatus(c),
    organizationId: c.organizationId,
    proxyPath: proxyPath(c.id),
    lastSeenAt: c.lastSeenAt ? c.lastSeenAt.toISOString() : null,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
  if (managesCluster(ctx, c)) {
    view.baseUrl = c.baseUrl;
    view.healthPath = c.healthPath;
    view.hasCredential = c.sealedCredential !== null;
    view.sharedWithOrganizationIds = [...c.sharedWithOrganizationIds].sort((a, b) => a - b);
  }
  return view;
}

/** TypeORM answers an UPDATE … RETURNING with `[rows, rowCount]`, a SELECT with the rows. */
export function returnedRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}
