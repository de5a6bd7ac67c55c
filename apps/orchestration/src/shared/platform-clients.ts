import { CatalogContracts } from '@alien/catalog/contracts';
import { RpcContract } from '@alien/contracts';
import { RequestContext } from '@alien/identity';
import { PrefixedClientNats, RpcClient, appNatsClient } from '@alien/nest-rpc';
import { ExternalApiContracts } from '@alien/proxy/contracts';
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { OrchestrationConfig } from '../config';
import { ORCHESTRATION_CONFIG } from '../shared/tokens';

/**
 * Other services over NATS: for the workers, the catalog (entries, AI models and their credentials)
 * and the proxy's control plane (external-API endpoint prices); for the api, the catalog objects a
 * workflow refers to. Always with the caller (or the job's caller) as `ctx`: each service applies
 * that caller's visibility (and the catalog audits credential reads).
 */
@Injectable()
export class PlatformClients implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly connection: PrefixedClientNats;
  private readonly catalogRpc: RpcClient;
  private readonly proxyRpc: RpcClient;
  readonly catalogContracts = CatalogContracts;
  readonly proxyContracts = ExternalApiContracts;

  constructor(@Inject(ORCHESTRATION_CONFIG) config: OrchestrationConfig) {
    this.connection = appNatsClient(config, 'orchestration-clients');
    this.catalogRpc = new RpcClient(this.connection, 'catalog', config.SERVICE_RPC_TIMEOUT_MS);
    this.proxyRpc = new RpcClient(this.connection, 'proxy', config.SERVICE_RPC_TIMEOUT_MS);
  }

  catalog<Req, Res>(contract: RpcContract<Req, Res>, data: Req, ctx: RequestContext): Promise<Res> {
    return this.catalogRpc.call(contract, data, ctx);
  }

  proxy<Req, Res>(contract: RpcContract<Req, Res>, data: Req, ctx: RequestContext): Promise<Res> {
    return this.proxyRpc.call(contract, data, ctx);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.connection.connect().catch(() => undefined);
  }

  async onModuleDestroy(): Promise<void> {
    await this.connection.close();
  }
}
