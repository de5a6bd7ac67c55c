import { ServiceName } from '@alien/contracts';
import { ServiceBus } from '@alien/nest-http';
import { PrefixedClientNats, RpcClient, appNatsClient } from '@alien/nest-rpc';
import { Global, Inject, Injectable, Module, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { PROXY_CONFIG, ProxyConfig } from '../config';

/**
 * The proxy's NATS client side (its server side is the service's microservice): one connection, one
 * typed RpcClient per service. IdentityModule asks auth through it; the data plane asks orchestration.
 */
@Injectable()
export class ServiceClients extends ServiceBus implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly nats: PrefixedClientNats;
  private readonly clients = new Map<ServiceName, RpcClient>();

  constructor(@Inject(PROXY_CONFIG) private readonly config: ProxyConfig) {
    super();
    this.nats = appNatsClient(config, 'proxy-client');
  }

  client(service: ServiceName): RpcClient {
    let client = this.clients.get(service);
    if (!client) this.clients.set(service, (client = new RpcClient(this.nats, service, this.config.RPC_TIMEOUT_MS)));
    return client;
  }

  async onApplicationBootstrap(): Promise<void> {
    // Never blocks start: while NATS is away, requests that need it answer 503.
    this.nats.connect().catch(() => undefined);
  }

  async onModuleDestroy(): Promise<void> {
    await this.nats.close();
  }
}

@Global()
@Module({
  providers: [ServiceClients, { provide: ServiceBus, useExisting: ServiceClients }],
  exports: [ServiceClients, ServiceBus],
})
export class ServiceClientsModule {}
