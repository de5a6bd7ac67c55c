import { CatalogContracts } from '@alien/catalog/contracts';
import { RpcContract } from '@alien/contracts';
import { RequestContext } from '@alien/identity';
import { PrefixedClientNats, RpcClient, natsOptions } from '@alien/nest-rpc';
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { OrchestrationConfig } from '../config';
import { ORCHESTRATION_CONFIG } from '../shared/tokens';

/**
 * The catalog over NATS, for the workers (entries of datasets, AI models and their credentials),
 * always with the job's caller as `ctx`: the catalog applies that caller's visibility and audits.
 */
@Injectable()
export class CatalogClient implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly proxy: PrefixedClientNats;
  private readonly rpc: RpcClient;
  readonly contracts = CatalogContracts;

  constructor(@Inject(ORCHESTRATION_CONFIG) config: OrchestrationConfig) {
    this.proxy = new PrefixedClientNats(
      natsOptions({ url: config.NATS_URL, subjectPrefix: config.NATS_SUBJECT_PREFIX, name: 'orchestration-worker-to-catalog' }, 'client'),
      config.NATS_SUBJECT_PREFIX,
    );
    this.rpc = new RpcClient(this.proxy, 'catalog', config.SERVICE_RPC_TIMEOUT_MS);
  }

  call<Req, Res>(contract: RpcContract<Req, Res>, data: Req, ctx: RequestContext): Promise<Res> {
    return this.rpc.call(contract, data, ctx);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.proxy.connect().catch(() => undefined);
  }

  async onModuleDestroy(): Promise<void> {
    await this.proxy.close();
  }
}
