import { ServiceName } from '@alien/contracts';
import { PrefixedClientNats, RpcClient, appNatsClient } from '@alien/nest-rpc';
import { ServiceBus } from '@alien/nest-http';
import { Global, Inject, Injectable, Module, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { GATEWAY_CONFIG, GatewayConfig } from '../config';

/**
 * One NATS connection for the gateway, one typed client per service on top of it.
 * `clients.catalog.call(CatalogContracts.reference.tags.get, {id}, ctx)`.
 */
@Injectable()
export class ServiceClients extends ServiceBus implements OnApplicationBootstrap, OnModuleDestroy {
  readonly proxy: PrefixedClientNats;
  readonly auth: RpcClient;
  readonly catalog: RpcClient;
  readonly orchestration: RpcClient;
  readonly proxyService: RpcClient;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    super();
    this.proxy = appNatsClient(config, 'gateway');
    const make = (service: ServiceName) => new RpcClient(this.proxy, service, config.RPC_TIMEOUT_MS);
    this.auth = make('auth');
    this.catalog = make('catalog');
    this.orchestration = make('orchestration');
    this.proxyService = make('proxy');
  }

  client(service: ServiceName): RpcClient {
    return service === 'proxy' ? this.proxyService : this[service];
  }

  async onApplicationBootstrap(): Promise<void> {
    // Connect eagerly but never block start: while NATS is away requests answer 503 and the
    // client keeps reconnecting.
    this.proxy.connect().catch(() => undefined);
  }

  async onModuleDestroy(): Promise<void> {
    await this.proxy.close();
  }
}

@Global()
@Module({
  providers: [ServiceClients, { provide: ServiceBus, useExisting: ServiceClients }],
  exports: [ServiceClients, ServiceBus],
})
export class ServiceClientsModule {}
