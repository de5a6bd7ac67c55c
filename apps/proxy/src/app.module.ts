import { AssertionKeyRing, IdentityAssertionSigner } from '@alien/identity-assertion';
import { IdentityModule } from '@alien/nest-identity';
import { EVENT_BUS_OPTIONS, EventBus, ServiceCoreModule } from '@alien/nest-service';
import { KeyRing } from '@alien/secrets';
import { DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { ServiceClientsModule } from './bus/service-clients';
import { ClusterProxy } from './clusters/cluster-proxy';
import { ClusterRoutes } from './clusters/cluster-routes';
import { PROXY_CONFIG, ProxyConfig } from './config';
import { DataPlane } from './data-plane/data-plane';
import { proxyDataSourceOptions } from './database/data-source';
import { ConnectorsService } from './external-apis/connectors.service';
import { EndpointsService } from './external-apis/endpoints.service';
import { ExternalApiProxy } from './external-apis/external-api-proxy';
import { ExternalApisHandler } from './external-apis/external-apis.handler';
import { ProxyOrganizationDeletedConsumer } from './external-apis/organization-deleted.consumer';
import { UsageService } from './external-apis/usage.service';
import { JwksHandler } from './jwks/jwks.handler';
import { ProxyLogWriter } from './proxy-logs/proxy-log.writer';
import { ProxyLogsHandler } from './proxy-logs/proxy-logs.handler';
import { ProxyLogsService } from './proxy-logs/proxy-logs.service';

@Global()
@Module({})
export class ProxyModule {
  static register(config: ProxyConfig, logger: Logger): DynamicModule {
    const assertionKeys = new AssertionKeyRing(config.IDENTITY_ASSERTION_KEYS);
    return {
      module: ProxyModule,
      imports: [
        ServiceCoreModule.forRoot({
          service: 'proxy',
          config,
          logger,
          dataSource: proxyDataSourceOptions(config.DATABASE_URL, config.DATABASE_POOL_SIZE),
        }),
        ServiceClientsModule,
        // Callers are authenticated here exactly as at the gateway (same lib, same cache and events).
        IdentityModule.forRoot(config),
      ],
      controllers: [JwksHandler, ProxyLogsHandler, ExternalApisHandler],
      providers: [
        { provide: PROXY_CONFIG, useValue: config },
        { provide: KeyRing, useValue: new KeyRing(config.SECRETS_KEY_RING) },
        { provide: AssertionKeyRing, useValue: assertionKeys },
        { provide: IdentityAssertionSigner, useValue: new IdentityAssertionSigner(assertionKeys, config.IDENTITY_ASSERTION_ISSUER) },
        // The proxy publishes no events; it consumes auth's organization deletions durably.
        { provide: EVENT_BUS_OPTIONS, useValue: { url: config.NATS_URL, prefix: config.NATS_SUBJECT_PREFIX, name: 'proxy', streams: [] } },
        EventBus,
        ConnectorsService,
        EndpointsService,
        UsageService,
        ExternalApiProxy,
        ProxyOrganizationDeletedConsumer,
        ClusterRoutes,
        ClusterProxy,
        ProxyLogWriter,
        ProxyLogsService,
        DataPlane,
      ],
      exports: [PROXY_CONFIG, KeyRing, AssertionKeyRing, IdentityAssertionSigner],
    };
  }
}
