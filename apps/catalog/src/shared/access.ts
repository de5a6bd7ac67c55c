import { Visibility } from '@alien/catalog/contracts';
import { ApiError } from '@alien/envelope';
import { RequestContext, Role, roleAtLeast } from '@alien/identity';

/** What every owned catalog resource has for the access rules. */
export interface Owned {
  organizationId: number | null;
  visibility: Visibility;
}

/** The organization the request acts in (null: anonymous, or a user without one). */
export function callerOrganization(ctx: RequestContext): number | null {
  return ctx.identity.organizationId;
}

/** Public resources are for everyone; private ones for members of the owning organization. */
export function isVisible(ctx: RequestContext, resource: Owned): boolean {
  return resource.visibility === 'public' || (resource.organizationId !== null && resource.organizationId === ctx.identity.organizationId);
}

/** Writers, admins and owners (a `client` role only reads). */
export function isWriterRole(role: Role | null): boolean {
  return roleAtLeast(role, 'writer') && role !== 'client';
}

export function isAdminRole(role: Role | null): boolean {
  return roleAtLeast(role, 'admin') && role !== 'client';
}

/**
 * Writes need the writer role in the owning organization. A resource the caller cannot see is 404
 * (existence is never confirmed); one it can see but not change is 403.
 */
export function assertWriter(ctx: RequestContext, resource: Owned, what: string, minimum: 'writer' | 'admin' = 'writer'): void {
  if (!isVisible(ctx, resource)) throw ApiError.notFound(`${what} not found`);
  const own = resource.organizationId !== null && resource.organizationId === ctx.identity.organizationId;
  const roleOk = minimum === 'admin' ? isAdminRole(ctx.identity.role) : isWriterRole(ctx.identity.role);
  if (!own || !roleOk) throw ApiError.forbidden(`Changing this ${what.toLowerCase()} needs the ${minimum} role in the organization that owns it`);
}

/** The organization new resources belong to: the caller's, where it holds at least `minimum`. */
export function organizationForCreate(ctx: RequestContext, minimum: 'writer' | 'admin' = 'writer'): number {
  if (ctx.identity.userId === null) throw ApiError.unauthenticated('Authentication required');
  const organizationId = ctx.identity.organizationId;
  if (organizationId === null) {
    throw ApiError.forbidden('Pick an organization to act in (x-organization-id, or POST /organizations/{id}/switch)', 'no_organization');
  }
  const ok = minimum === 'admin' ? isAdminRole(ctx.identity.role) : isWriterRole(ctx.identity.role);
  if (!ok) throw ApiError.forbidden(`This needs the ${minimum} role in the organization`);
  return organizationId;
}
