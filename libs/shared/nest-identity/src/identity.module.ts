import { DynamicModule, Module } from '@nestjs/common';
import { AuthEventsListener } from './auth-events.listener';
import { IDENTITY_CONFIG, IdentityConfig } from './identity-config';
import { IdentityGuard } from './identity.guard';
import { IdentityService } from './identity.service';
import { JwtVerifier } from './jwt/jwt-verifier';
import { PrincipalCache } from './principal-cache';
import { TokenUsageReporter } from './token-usage';

/**
 * Caller authentication for an edge app: `oat_` tokens (verified by auth over NATS) and OIDC JWTs,
 * cached principals evicted by auth's events, `lastUsedAt` reporting. Needs a ServiceBus provider
 * (the app's NATS connection). Register IdentityGuard as the app's global guard to use it on routes.
 */
@Module({})
export class IdentityModule {
  static forRoot(config: IdentityConfig): DynamicModule {
    return {
      module: IdentityModule,
      global: true,
      providers: [
        { provide: IDENTITY_CONFIG, useValue: config },
        { provide: PrincipalCache, useValue: new PrincipalCache(config.AUTH_CACHE_TTL_MS, config.AUTH_CACHE_MAX_ENTRIES) },
        JwtVerifier,
        TokenUsageReporter,
        IdentityService,
        AuthEventsListener,
        IdentityGuard,
      ],
      exports: [IDENTITY_CONFIG, PrincipalCache, IdentityService, IdentityGuard, JwtVerifier],
    };
  }
}
