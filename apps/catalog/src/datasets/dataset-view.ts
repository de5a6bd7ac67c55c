import { DatasetSchema, DatasetType, DatasetView, RefView, Visibility } from '@alien/catalog/contracts';
import { iso } from '../shared/sql';

/**
 * The one query behind every dataset view: the row, its license/provider/source and its tags as
 * `{id, slug, name}`. Fixed SQL (no query building) because `GET /datasets/{id}` is a hot path (bench P1);
 * tools/bench's baseline runs the same statement.
 */
export const DATASET_VIEW_SQL = `
  SELECT d."id", d."name", d."slug", d."description", d."type", d."schema_fields", d."schema_version", d."pipeline",
         d."visibility", d."license_id", d."provider_id", d."source_id", d."cluster_id", d."access_price",
         d."organization_id", d."entry_count", d."created_at", d."updated_at",
         l."slug" AS "license_slug", l."name" AS "license_name",
         p."slug" AS "provider_slug", p."name" AS "provider_name",
         s."slug" AS "source_slug", s."name" AS "source_name",
         COALESCE((SELECT json_agg(json_build_object('id', t."id", 'slug', t."slug", 'name', t."name") ORDER BY t."name", t."id")
                   FROM "catalog"."dataset_tags" dt JOIN "catalog"."tags" t ON t."id" = dt."tag_id"
                   WHERE dt."dataset_id" = d."id"), '[]'::json) AS "tags"
  FROM "catalog"."datasets" d
  LEFT JOIN "catalog"."licenses" l ON l."id" = d."license_id"
  LEFT JOIN "catalog"."providers" p ON p."id" = d."provider_id"
  LEFT JOIN "catalog"."sources" s ON s."id" = d."source_id"`;

/** Public datasets, plus the caller's organization's (`$n` = its id, or null for anonymous callers). */
export const visibleTo = (param: string) => `(d."visibility" = 'public' OR d."organization_id" = ${param})`;

/** `GET /datasets/{id}`: one statement, visibility included. */
export const DATASET_BY_ID_SQL = `${DATASET_VIEW_SQL} WHERE d."id" = $1 AND ${visibleTo('$2')}`;

export interface DatasetViewRow {
  id: number;
  name: string;
  slug: string;
  description: string | null;
  type: DatasetType;
  schema_fields: DatasetSchema['fields'];
  schema_version: number;
  pipeline: Record<string, unknown>;
  visibility: Visibility;
  license_id: number | null;
  provider_id: number | null;
  source_id: number | null;
  cluster_id: number;
  access_price: number;
  organization_id: number;
  entry_count: number;
  created_at: Date;
  updated_at: Date;
  license_slug: string | null;
  license_name: string | null;
  provider_slug: string | null;
  provider_name: string | null;
  source_slug: string | null;
  source_name: string | null;
  tags: RefView[];
}

function ref(id: number | null, slug: string | null, name: string | null): RefView | null {
  return id === null || slug === null || name === null ? null : { id, slug, name };
}

export function toDatasetView(row: DatasetViewRow): DatasetView {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    description: row.description,
    type: row.type,
    schema: { version: row.schema_version, fields: row.schema_fields },
    pipeline: row.pipeline,
    visibility: row.visibility,
    licenseId: row.license_id,
    providerId: row.provider_id,
    sourceId: row.source_id,
    tagIds: row.tags.map((t) => t.id),
    license: ref(row.license_id, row.license_slug, row.license_name),
    provider: ref(row.provider_id, row.provider_slug, row.provider_name),
    source: ref(row.source_id, row.source_slug, row.source_name),
    tags: row.tags,
    clusterId: row.cluster_id,
    accessPrice: row.access_price,
    organizationId: row.organization_id,
    entryCount: row.entry_count,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}
