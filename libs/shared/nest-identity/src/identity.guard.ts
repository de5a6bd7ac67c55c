import { ApiError } from '@alien/envelope';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PLATFORM_ADMIN, PUBLIC_ROUTE, rawRequest, requestIdOf, setIdentity } from '@alien/nest-http';
import { IdentityService } from './identity.service';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Global guard: resolves the caller's identity on every route (bad credentials are 401 even on
 * public routes), then applies the route's requirements: authentication unless @Public(), the
 * `write` ability for non-GET requests made with a token, platform admin where marked.
 */
@Injectable()
export class IdentityGuard implements CanActivate {
  constructor(
    private readonly identities: IdentityService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = rawRequest(context.switchToHttp().getRequest());
    const identity = await this.identities.resolve(req, requestIdOf(req));
    setIdentity(req, identity);
    const targets = [context.getHandler(), context.getClass()];
    if (identity.userId === null) {
      if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
      throw ApiError.unauthenticated('Authentication required');
    }
    if (!SAFE_METHODS.has(req.method ?? 'GET') && !identity.abilities.includes('write')) {
      throw ApiError.forbidden('This token is read-only', 'read_only_token');
    }
    if (this.reflector.getAllAndOverride<boolean>(PLATFORM_ADMIN, targets) && !identity.isPlatformAdmin) {
      throw ApiError.forbidden('Only platform admins can do this');
    }
    return true;
  }
}
