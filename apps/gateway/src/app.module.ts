import { AuthHttpModule } from '@alien/auth/http';
import { CatalogHttpModule } from '@alien/catalog/http';
import { IdentityGuard, IdentityModule } from '@alien/nest-identity';
import { OrchestrationHttpModule } from '@alien/orchestration/http';
import { ProxyHttpModule } from '@alien/proxy/http';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, DiscoveryModule, HttpAdapterHost } from '@nestjs/core';
import { LoggerModule, PinoLogger } from 'nestjs-pino';
import type { Logger } from 'pino';
import { GATEWAY_CONFIG, GatewayConfig } from './config';
import { DocsController, OPENAPI_DOCUMENT } from './docs/docs.controller';
import { GatewayHealth, HealthController } from './health/health.controller';
import { EnvelopeExceptionFilter } from './http/envelope-exception.filter';
import { GATEWAY_LIFECYCLE, GatewayLifecycle } from './http/http-hooks';
import { RouteTable } from './http/route-table';
import { ServiceClientsModule } from './rpc/service-clients';

@Module({})
export class GatewayModule {
  static register(config: GatewayConfig, logger: Logger, lifecycle: GatewayLifecycle = { stopping: false }): DynamicModule {
    return {
      module: GatewayModule,
      global: true,
      imports: [
        DiscoveryModule,
        // Nest's own log lines go through pino; per-request access lines come from the HTTP hooks
        // (http-hooks.ts), so nestjs-pino's per-request middleware is not mounted anywhere.
        LoggerModule.forRoot({ pinoHttp: { logger }, forRoutes: [] }),
        ServiceClientsModule,
        IdentityModule.forRoot(config),
        // Each domain's routes, owned by its team (libs/<domain>/http).
        AuthHttpModule,
        CatalogHttpModule,
        OrchestrationHttpModule,
        ProxyHttpModule,
      ],
      // Only the platform's own routes live here.
      controllers: [HealthController, DocsController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: GATEWAY_LIFECYCLE, useValue: lifecycle },
        // Filled in by main.ts once every route is known.
        { provide: OPENAPI_DOCUMENT, useValue: { json: '{}' } },
        RouteTable,
        GatewayHealth,
        { provide: APP_GUARD, useExisting: IdentityGuard },
        {
          provide: APP_FILTER,
          inject: [HttpAdapterHost, RouteTable, PinoLogger],
          useFactory: (host: HttpAdapterHost, routes: RouteTable, pino: PinoLogger) =>
            new EnvelopeExceptionFilter(host, routes, pino, config.BODY_LIMIT_BYTES),
        },
      ],
      exports: [GATEWAY_CONFIG],
    };
  }
}
