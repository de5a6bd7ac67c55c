import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, DiscoveryModule, HttpAdapterHost } from '@nestjs/core';
import { LoggerModule, PinoLogger } from 'nestjs-pino';
import type { Logger } from 'pino';
import { AuthEventsListener } from './auth/auth-events.listener';
import { IdentityGuard } from './auth/identity.guard';
import { IdentityService } from './auth/identity.service';
import { JwtVerifier } from './auth/jwt/jwt-verifier';
import { PrincipalCache } from './auth/principal-cache';
import { TokenUsageReporter } from './auth/token-usage';
import { GATEWAY_CONFIG, GatewayConfig } from './config';
import { DocsController, OPENAPI_DOCUMENT } from './docs/docs.controller';
import { GatewayHealth, HealthController } from './health/health.controller';
import { requireJsonBody } from './http/content-type.middleware';
import { EnvelopeExceptionFilter } from './http/envelope-exception.filter';
import { identityOf, redactUrl, requestIdOf, stampRequestId } from './http/request-context';
import { RouteTable } from './http/route-table';
import { AccessTokensController } from './identity/access-tokens.controller';
import { OrganizationsController } from './identity/organizations.controller';
import { UsersController } from './identity/users.controller';
import { REFERENCE_CONTROLLERS } from './reference-lists/reference-lists.controller';
import { ServiceClientsModule } from './rpc/service-clients';

@Module({})
export class GatewayModule implements NestModule {
  static register(config: GatewayConfig, logger: Logger): DynamicModule {
    return {
      module: GatewayModule,
      global: true,
      imports: [
        DiscoveryModule,
        LoggerModule.forRoot({
          pinoHttp: {
            logger,
            genReqId: (req, res) => requestIdOf(req, res),
            customProps: (req) => {
              const identity = identityOf(req);
              return identity.userId === null
                ? {}
                : { userId: identity.userId, organizationId: identity.organizationId, tokenId: identity.tokenId };
            },
            customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'warn' : 'info'),
            serializers: {
              // pino-http invents an Error for every 5xx (its stack says nothing; real failures are logged
              // with their stack by the exception filter). It arrives here already serialised.
              err: (err: { type?: string; name?: string; message?: string }) => ({
                type: err.type ?? err.name,
                message: err.message,
              }),
              req: (req: { id: string; method: string; url: string }) => ({
                id: req.id,
                method: req.method,
                url: redactUrl(req.url),
              }),
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            },
            autoLogging: { ignore: (req) => req.url === '/health/live' || req.url === '/health/ready' },
          },
        }),
        ServiceClientsModule,
      ],
      controllers: [
        HealthController,
        DocsController,
        UsersController,
        OrganizationsController,
        AccessTokensController,
        ...REFERENCE_CONTROLLERS,
      ],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        // Filled in by main.ts once every route is known.
        { provide: OPENAPI_DOCUMENT, useValue: { json: '{}' } },
        RouteTable,
        GatewayHealth,
        { provide: PrincipalCache, useValue: new PrincipalCache(config.AUTH_CACHE_TTL_MS, config.AUTH_CACHE_MAX_ENTRIES) },
        JwtVerifier,
        TokenUsageReporter,
        IdentityService,
        AuthEventsListener,
        { provide: APP_GUARD, useClass: IdentityGuard },
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

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(stampRequestId, requireJsonBody).forRoutes('*path');
  }
}
