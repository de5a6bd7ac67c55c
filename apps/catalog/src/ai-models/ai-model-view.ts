import { AiModelView, ModelType, PricingType, RefView, Visibility } from '@alien/catalog/contracts';
import { RequestContext } from '@alien/identity';
import { isAdminRole } from '../shared/access';
import { iso, toNumber } from '../shared/sql';

export const AI_MODEL_VIEW_SQL = `
  SELECT m."id", m."organization_id", m."name", m."slug", m."description", m."version", m."model_type", m."provider_id",
         m."api_url", m."pricing_type", m."price_per_input_token", m."price_per_output_token", m."context_window",
         m."visibility", m."created_at", m."updated_at",
         p."slug" AS "provider_slug", p."name" AS "provider_name",
         COALESCE((SELECT json_agg(json_build_object('id', t."id", 'slug', t."slug", 'name', t."name") ORDER BY t."name", t."id")
                   FROM "catalog"."ai_model_tags" mt JOIN "catalog"."tags" t ON t."id" = mt."tag_id"
                   WHERE mt."model_id" = m."id"), '[]'::json) AS "tags",
         EXISTS (SELECT 1 FROM "catalog"."ai_model_credentials" c WHERE c."model_id" = m."id") AS "has_credentials"
  FROM "catalog"."ai_models" m
  LEFT JOIN "catalog"."providers" p ON p."id" = m."provider_id"`;

/** Public models; the caller's organization's; private platform models for platform admins. */
export const modelVisibleTo = (org: string, admin: string) =>
  `(m."visibility" = 'public' OR m."organization_id" = ${org} OR (m."organization_id" IS NULL AND ${admin}))`;

export interface AiModelRow {
  id: number;
  organization_id: number | null;
  name: string;
  slug: string;
  description: string | null;
  version: string | null;
  model_type: ModelType;
  provider_id: number | null;
  api_url: string;
  pricing_type: PricingType;
  price_per_input_token: string | null;
  price_per_output_token: string | null;
  context_window: number | null;
  visibility: Visibility;
  created_at: Date;
  updated_at: Date;
  provider_slug: string | null;
  provider_name: string | null;
  tags: RefView[];
  has_credentials: boolean;
}

export function toAiModelView(row: AiModelRow): AiModelView {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    description: row.description,
    version: row.version,
    modelType: row.model_type,
    providerId: row.provider_id,
    provider: row.provider_id !== null && row.provider_slug !== null ? { id: row.provider_id, slug: row.provider_slug, name: row.provider_name ?? '' } : null,
    apiUrl: row.api_url,
    pricingType: row.pricing_type,
    pricePerInputToken: toNumber(row.price_per_input_token),
    pricePerOutputToken: toNumber(row.price_per_output_token),
    contextWindow: row.context_window,
    tagIds: row.tags.map((t) => t.id),
    tags: row.tags,
    visibility: row.visibility,
    organizationId: row.organization_id,
    hasCredentials: row.has_credentials,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

type ModelAccess = Pick<AiModelRow, 'organization_id' | 'visibility'>;

export function modelVisible(ctx: RequestContext, m: ModelAccess): boolean {
  if (m.visibility === 'public') return true;
  return m.organization_id === null ? ctx.identity.isPlatformAdmin : m.organization_id === ctx.identity.organizationId;
}

/** Platform models: platform admins. An organization's models: its admins and owners. */
export function modelWritable(ctx: RequestContext, m: ModelAccess): boolean {
  if (m.organization_id === null) return ctx.identity.isPlatformAdmin;
  return m.organization_id === ctx.identity.organizationId && isAdminRole(ctx.identity.role);
}

/** Organizations that may use a model (and so read its credentials): its own, and any for public platform models. */
export function modelUsableBy(m: ModelAccess, organizationId: number | null): boolean {
  if (organizationId === null) return false;
  return m.organization_id === organizationId || (m.organization_id === null && m.visibility === 'public');
}
