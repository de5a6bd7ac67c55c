import { AssertionKeyRing, IdentityAssertionSigner } from '@alien/identity-assertion';
import { IdentityModule } from '@alien/nest-identity';
import { ServiceCoreModule } from '@alien/nest-service';
import { KeyRing } from '@alien/secrets';
import { DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { ServiceClientsModule } from './bus/service-clients';
import { ClusterProxy } from './clusters/cluster-proxy';
import { ClusterRoutes } from './clusters/cluster-routes';
import { PROXY_CONFIG, ProxyConfig } from './config';
import { DataPlane } from './data-plane/data-plane';
import { proxyDataSourceOptions } from './database/data-source';
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
      controllers: [JwksHandler, ProxyLogsHandler],
      providers: [
        { provide: PROXY_CONFIG, useValue: config },
        { provide: KeyRing, useValue: new KeyRing(config.SECRETS_KEY_RING) },
        { provide: AssertionKeyRing, useValue: assertionKeys },
        { provide: IdentityAssertionSigner, useValue: new IdentityAssertionSigner(assertionKeys, config.IDENTITY_ASSERTION_ISSUER) },
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
