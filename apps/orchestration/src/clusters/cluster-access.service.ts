import { ApiError } from '@alien/envelope';
import { Identity } from '@alien/identity';
import { ClusterRef, ClusterRoute } from '@alien/orchestration/contracts';
import { KeyRing } from '@alien/secrets';
import { Injectable } from '@nestjs/common';
import { clusterStatus, credentialAad, toClusterRef } from './cluster-views';
import { ClustersService } from './clusters.service';
import { ClusterEntity } from './entities/cluster.entity';

/** Where and how to call a cluster's Data API for a caller, with its credential in clear (in-process only). */
export interface ClusterTarget {
  cluster: ClusterRef;
  baseUrl: string;
  credential: string | null;
}

/**
 * THE access decision for reaching a cluster's Data API, in one place: the proxy asks it over NATS
 * (`orchestration.cluster.route.v1`, cached per organization and cluster until a cluster event), and
 * orchestration's own workers call it in-process before they call a cluster.
 *
 * Rule: an authenticated caller acting in an organization that owns the cluster or that it is shared
 * with; anything else is 404 (existence never confirmed). Reachable only when `pending` or `online`:
 * `offline` and `suspended` are 503. The decision depends on the caller's organization alone (any role,
 * any token ability — the cluster itself decides what a `read` token may do with the identity headers).
 * If a rule ever depends on more (role, user), the proxy's cache key must grow with it.
 */
@Injectable()
export class ClusterAccessService {
  constructor(
    private readonly clusters: ClustersService,
    private readonly secrets: KeyRing,
  ) {}

  async decide(identity: Identity, clusterId: number): Promise<ClusterEntity> {
    if (identity.userId === null) throw ApiError.unauthenticated('Authentication required');
    const org = identity.organizationId;
    if (org === null) throw ApiError.notFound('Cluster not found');
    const cluster = await this.clusters.visibleTo(org).andWhere('c.id = :id', { id: clusterId }).getOne();
    if (!cluster) throw ApiError.notFound('Cluster not found');
    const status = clusterStatus(cluster);
    if (status === 'suspended') throw new ApiError(503, 'The cluster is suspended', 'cluster_suspended');
    if (status === 'offline') throw new ApiError(503, 'The cluster is offline', 'cluster_offline');
    return cluster;
  }

  /** For the proxy: the route with the credential still sealed (it travels over NATS). */
  async route(identity: Identity, clusterId: number): Promise<ClusterRoute> {
    const cluster = await this.decide(identity, clusterId);
    return { cluster: toClusterRef(cluster), baseUrl: cluster.baseUrl, sealedCredential: cluster.sealedCredential };
  }

  /** For code inside orchestration (job workers): the same decision, the credential opened. */
  async target(identity: Identity, clusterId: number): Promise<ClusterTarget> {
    const cluster = await this.decide(identity, clusterId);
    return {
      cluster: toClusterRef(cluster),
      baseUrl: cluster.baseUrl,
      credential: cluster.sealedCredential ? this.secrets.open(cluster.sealedCredential, credentialAad(cluster.id)) : null,
    };
  }
}
