import { ApiError } from '@alien/envelope';
import { RequestContext, roleAtLeast } from '@alien/identity';

/** The organization a request acts in (the gateway checked the membership); 403 when it has none. */
export function actingOrganization(ctx: RequestContext): number {
  if (ctx.identity.userId === null) throw ApiError.unauthenticated('Authentication required');
  const organizationId = ctx.identity.organizationId;
  if (organizationId === null) {
    throw ApiError.forbidden('Create or join an organization first: runs and workflows belong to one', 'no_organization');
  }
  return organizationId;
}

/** The caller's organization, or null for anonymous callers and users without one (public reads). */
export function viewerOrganization(ctx: RequestContext): number | null {
  return ctx.identity.userId === null ? null : ctx.identity.organizationId;
}

/** Writers and above change workflows and presets of their organization (viewers and clients read and run). */
export function requireWriter(ctx: RequestContext): number {
  const organizationId = actingOrganization(ctx);
  if (!roleAtLeast(ctx.identity.role, 'writer') || ctx.identity.role === 'client') {
    throw ApiError.forbidden('This needs the writer role or higher');
  }
  return organizationId;
}

export const iso = (d: Date | string | null | undefined): string | null =>
  d === null || d === undefined ? null : (d instanceof Date ? d : new Date(d)).toISOString();

export const isoRequired = (d: Date | string): string => (d instanceof Date ? d : new Date(d)).toISOString();
