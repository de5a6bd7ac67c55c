import { ClusterRef, OrchestrationContracts } from '@alien/orchestration/contracts';
import { RequestContext } from '@alien/identity';
import { AppNatsConfig, PrefixedClientNats, RpcClient, appNatsClient } from '@alien/nest-rpc';
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';

export const CLUSTERS_CLIENT_OPTIONS = Symbol('CLUSTERS_CLIENT_OPTIONS');

export interface ClustersClientOptions {
  /** The catalog's own NATS settings (its user included). */
  nats: AppNatsConfig;
  timeoutMs: number;
}

/**
 * Orchestration owns clusters; the catalog asks it (over NATS, with the caller's context) which
 * clusters the caller's organization may use, and never reads its tables.
 */
@Injectable()
export class ClustersClient implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly proxy: PrefixedClientNats;
  private readonly rpc: RpcClient;

  constructor(@Inject(CLUSTERS_CLIENT_OPTIONS) options: ClustersClientOptions) {
    this.proxy = appNatsClient(options.nats, 'catalog-to-orchestration');
    this.rpc = new RpcClient(this.proxy, 'orchestration', options.timeoutMs);
  }

  /** The clusters among `ids` visible to `ctx.identity.organizationId`, by id (unknown and invisible ones absent). */
  async visible(ctx: RequestContext, ids: number[]): Promise<Map<number, ClusterRef>> {
    const unique = [...new Set(ids)];
    if (!unique.length || ctx.identity.organizationId === null) return new Map();
    const refs = await this.rpc.call(OrchestrationContracts.clusters.visible, { ids: unique }, ctx);
    return new Map(refs.map((r) => [r.id, r]));
  }

  async onApplicationBootstrap(): Promise<void> {
    this.proxy.connect().catch(() => undefined);
  }

  async onModuleDestroy(): Promise<void> {
    await this.proxy.close();
  }
}
