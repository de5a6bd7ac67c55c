import {
  DatasetGetRequest,
  DatasetListRequest,
  DatasetPatch,
  DatasetSchema,
  DatasetView,
  DatasetWrite,
  DeletedReply,
} from '@alien/catalog/contracts';
import { parseDatasetSchema, sameFields } from '@alien/catalog/metadata-schema';
import { ApiError, Page } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import { saveWithUniqueSlug } from '@alien/persistence';
import { BatchQuery } from '@alien/slug';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ClustersClient } from '../clusters/clusters.client';
import { assertWriter, callerOrganization, organizationForCreate } from '../shared/access';
import { References } from '../shared/references';
import { SqlParams, inOrder, sqlDirection } from '../shared/sql';
import { StorageGarbage } from '../storage/storage-garbage.service';
import { DATASET_BY_ID_SQL, DATASET_VIEW_SQL, DatasetViewRow, toDatasetView, visibleTo } from './dataset-view';

/** The columns access checks and writes need, without the joins of a view. */
export interface DatasetRow {
  id: number;
  organizationId: number;
  clusterId: number;
  slug: string;
  visibility: 'public' | 'private';
  schemaFields: DatasetSchema['fields'];
  schemaVersion: number;
}

const DATASET_ROW_SQL = `SELECT "id", "organization_id" AS "organizationId", "cluster_id" AS "clusterId", "slug", "visibility",
  "schema_fields" AS "schemaFields", "schema_version" AS "schemaVersion" FROM "catalog"."datasets" WHERE "id" = $1`;

const ORDER_COLUMNS = { name: 'd."name"', createdAt: 'd."created_at"', updatedAt: 'd."updated_at"' } as const;
const TS_QUERY = (param: string) => `websearch_to_tsquery('english', ${param})`;

@Injectable()
export class DatasetsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly references: References,
    private readonly clusters: ClustersClient,
    private readonly garbage: StorageGarbage,
  ) {}

  /** A dataset the caller may see (404 otherwise), as plain columns. */
  async visibleRow(ctx: RequestContext, id: number, m: Pick<EntityManager, 'query'> = this.db, lock = false): Promise<DatasetRow> {
    const rows: DatasetRow[] = await m.query(`${DATASET_ROW_SQL}${lock ? ' FOR UPDATE' : ''}`, [id]);
    const row = rows[0];
    if (!row || (row.visibility !== 'public' && row.organizationId !== callerOrganization(ctx))) throw ApiError.notFound('Dataset not found');
    return row;
  }

  async list(ctx: RequestContext, req: DatasetListRequest): Promise<Page<DatasetView>> {
    const q = new SqlParams();
    const org = q.p(callerOrganization(ctx));
    const where = [visibleTo(org)];
    let rank: string | null = null;
    if (req.q) {
      const query = TS_QUERY(q.p(req.q));
      where.push(`d."search" @@ ${query}`);
      // ts_rank (term frequency, weights: name A, description B): a fraction of ts_rank_cd's cost per row.
      rank = `ts_rank(d."search", ${query})`;
    }
    if (req.type) where.push(`d."type" = ${q.p(req.type)}`);
    if (req.visibility) where.push(`d."visibility" = ${q.p(req.visibility)}`);
    if (req.clusterId !== undefined) where.push(`d."cluster_id" = ${q.p(req.clusterId)}`);
    const [license, provider, source] = await Promise.all([
      this.references.filterId('licenses', req.license),
      this.references.filterId('providers', req.provider),
      this.references.filterId('sources', req.source),
    ]);
    if (license !== undefined) where.push(`d."license_id" = ${q.p(license)}`);
    if (provider !== undefined) where.push(`d."provider_id" = ${q.p(provider)}`);
    if (source !== undefined) where.push(`d."source_id" = ${q.p(source)}`);
    if (req.tag) {
      where.push(
        'id' in req.tag
          ? `EXISTS (SELECT 1 FROM "catalog"."dataset_tags" dt WHERE dt."dataset_id" = d."id" AND dt."tag_id" = ${q.p(req.tag.id)})`
          : `EXISTS (SELECT 1 FROM "catalog"."dataset_tags" dt JOIN "catalog"."tags" t ON t."id" = dt."tag_id" WHERE dt."dataset_id" = d."id" AND t."slug" = ${q.p(req.tag.slug)})`,
      );
    }
    return this.page(where.join(' AND '), q, req, rank);
  }

  /**
   * Runs a filtered, ordered page: ids (and the total) first, then the views of that page only.
   * With a search, the matching rows are read once (the GIN index finds them; rank and sort keys are
   * computed on the way) and both the count and the page come from that set. Without one, the page
   * walks an ordered index and the count runs beside it.
   */
  async page(where: string, q: SqlParams, req: Pick<DatasetListRequest, 'page'>, rank: string | null): Promise<Page<DatasetView>> {
    const { page } = req;
    const dir = sqlDirection(page.direction);
    const filterValues = [...q.values];
    const limit = q.p(page.perPage);
    const offset = q.p((page.page - 1) * page.perPage);
    let ids: number[];
    let total: number;
    if (rank) {
      const order = page.orderBy === 'relevance' ? 'm."rank"' : `m."${page.orderBy}"`;
      const rows: { id: number; total: string }[] = await this.db.query(
        `WITH m AS MATERIALIZED (
           SELECT d."id", ${rank} AS "rank", d."name", d."created_at" AS "createdAt", d."updated_at" AS "updatedAt"
           FROM "catalog"."datasets" d WHERE ${where})
         SELECT m."id", (SELECT count(*) FROM m) AS "total" FROM m ORDER BY ${order} ${dir}, m."id" ${dir} LIMIT ${limit} OFFSET ${offset}`,
        q.values,
      );
      ids = rows.map((r) => r.id);
      total = Number(rows[0]?.total ?? 0);
      if (!rows.length && page.page > 1) total = await this.count(where, filterValues);
    } else {
      const order = page.orderBy === 'relevance' ? `d."name" ${dir}` : `${ORDER_COLUMNS[page.orderBy]} ${dir}`;
      const [rows, counted] = await Promise.all([
        this.db.query(`SELECT d."id" FROM "catalog"."datasets" d WHERE ${where} ORDER BY ${order}, d."id" ${dir} LIMIT ${limit} OFFSET ${offset}`, q.values) as Promise<{ id: number }[]>,
        this.count(where, filterValues),
      ]);
      ids = rows.map((r) => r.id);
      total = counted;
    }
    const items = await this.viewsByIds(ids);
    return { items, total, page: page.page, perPage: page.perPage };
  }

  private async count(where: string, values: unknown[]): Promise<number> {
    const rows: { n: string }[] = await this.db.query(`SELECT count(*) AS "n" FROM "catalog"."datasets" d WHERE ${where}`, values);
    return Number(rows[0]?.n ?? 0);
  }

  /** Views of these datasets in the given order (no visibility check: callers pass visible ids only). */
  async viewsByIds(ids: number[]): Promise<DatasetView[]> {
    if (!ids.length) return [];
    const rows: DatasetViewRow[] = await this.db.query(`${DATASET_VIEW_SQL} WHERE d."id" = ANY($1)`, [ids]);
    return inOrder(ids, rows).map(toDatasetView);
  }

  async get(ctx: RequestContext, req: DatasetGetRequest): Promise<DatasetView> {
    if ('id' in req) {
      const rows: DatasetViewRow[] = await this.db.query(DATASET_BY_ID_SQL, [req.id, callerOrganization(ctx)]);
      if (!rows[0]) throw ApiError.notFound('Dataset not found');
      return toDatasetView(rows[0]);
    }
    const q = new SqlParams();
    const where = [`d."slug" = ${q.p(req.slug)}`, visibleTo(q.p(callerOrganization(ctx)))];
    if (req.clusterId !== undefined) where.push(`d."cluster_id" = ${q.p(req.clusterId)}`);
    const rows: DatasetViewRow[] = await this.db.query(`${DATASET_VIEW_SQL} WHERE ${where.join(' AND ')} ORDER BY d."cluster_id"`, q.values);
    if (!rows.length) throw ApiError.notFound('Dataset not found');
    if (rows.length > 1) {
      const clusters = rows.map((r) => r.cluster_id);
      throw ApiError.conflict(
        `Several datasets you can see have the slug "${req.slug}" (on clusters ${clusters.join(', ')}); pick one with ?clusterId=`,
        'ambiguous_slug',
      );
    }
    return toDatasetView(rows[0] as DatasetViewRow);
  }

  async batch(ctx: RequestContext, req: BatchQuery): Promise<DatasetView[]> {
    const org = callerOrganization(ctx);
    if ('ids' in req) {
      const rows: DatasetViewRow[] = await this.db.query(`${DATASET_VIEW_SQL} WHERE d."id" = ANY($1) AND ${visibleTo('$2')}`, [req.ids, org]);
      return inOrder(req.ids, rows).map(toDatasetView);
    }
    // By slug: a slug shared by several visible datasets (on different clusters) yields all of them.
    const rows: DatasetViewRow[] = await this.db.query(
      `${DATASET_VIEW_SQL} WHERE d."slug" = ANY($1) AND ${visibleTo('$2')} ORDER BY d."cluster_id", d."id"`,
      [req.slugs, org],
    );
    return req.slugs.flatMap((slug) => rows.filter((r) => r.slug === slug)).map(toDatasetView);
  }

  async create(ctx: RequestContext, req: DatasetWrite): Promise<DatasetView> {
    const organizationId = organizationForCreate(ctx);
    const schema = req.schema === undefined ? { fields: {} } : parseDatasetSchema(req.schema);
    await this.references.assertExist([
      { field: 'licenseId', table: 'licenses', ids: [req.licenseId] },
      { field: 'providerId', table: 'providers', ids: [req.providerId] },
      { field: 'sourceId', table: 'sources', ids: [req.sourceId] },
      { field: 'tagIds', table: 'tags', ids: req.tagIds ?? [] },
    ]);
    const visible = await this.clusters.visible(ctx, [req.clusterId]);
    if (!visible.has(req.clusterId)) throw ApiError.notFound('Cluster not found', 'cluster_not_found');
    // A derived slug moves on to `-2`, `-3`… (or `dataset-<random>`); only a chosen one can be 409.
    const isTaken = (slug: string) => this.slugTaken(this.db, req.clusterId, slug);
    const save = (slug: string) =>
      this.db.transaction(async (m) => {
        const rows: { id: number }[] = await m.query(
          `INSERT INTO "catalog"."datasets" ("organization_id", "cluster_id", "name", "slug", "description", "type", "schema_fields",
             "pipeline", "visibility", "license_id", "provider_id", "source_id", "access_price", "created_by")
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING "id"`,
          [
            organizationId,
            req.clusterId,
            req.name.trim(),
            slug,
            req.description ?? null,
            req.type,
            JSON.stringify(schema.fields),
            JSON.stringify(req.pipeline ?? {}),
            req.visibility ?? 'private',
            req.licenseId ?? null,
            req.providerId ?? null,
            req.sourceId ?? null,
            req.accessPrice ?? 0,
            ctx.identity.userId,
          ],
        );
        const id = (rows[0] as { id: number }).id;
        await this.setTags(m, id, req.tagIds ?? []);
        return id;
      });
    const id = await saveWithUniqueSlug({ explicit: req.slug, name: req.name, fallback: 'dataset', what: `dataset on cluster ${req.clusterId}`, isTaken }, save);
    return this.get(ctx, { id });
  }

  async update(ctx: RequestContext, id: number, patch: DatasetPatch): Promise<DatasetView> {
    await this.db.transaction(async (m) => {
      const row = await this.visibleRow(ctx, id, m, true);
      assertWriter(ctx, row, 'Dataset');
      const schema = patch.schema === undefined ? undefined : parseDatasetSchema(patch.schema);
      await this.references.assertExist(
        [
          { field: 'licenseId', table: 'licenses', ids: [patch.licenseId] },
          { field: 'providerId', table: 'providers', ids: [patch.providerId] },
          { field: 'sourceId', table: 'sources', ids: [patch.sourceId] },
          { field: 'tagIds', table: 'tags', ids: patch.tagIds ?? [] },
        ],
        m,
      );
      const q = new SqlParams();
      const set: string[] = [];
      const column = (name: string, value: unknown) => set.push(`"${name}" = ${q.p(value)}`);
      if (patch.name !== undefined) column('name', patch.name.trim());
      if (patch.slug !== undefined && patch.slug !== row.slug) {
        await this.assertSlugFree(m, row.clusterId, patch.slug);
        column('slug', patch.slug);
      }
      if (patch.description !== undefined) column('description', patch.description);
      if (patch.type !== undefined) column('type', patch.type);
      if (schema && !sameFields(schema, { fields: row.schemaFields })) {
        column('schema_fields', JSON.stringify(schema.fields));
        set.push(`"schema_version" = "schema_version" + 1`);
      }
      if (patch.pipeline !== undefined) column('pipeline', JSON.stringify(patch.pipeline));
      if (patch.visibility !== undefined) column('visibility', patch.visibility);
      if (patch.licenseId !== undefined) column('license_id', patch.licenseId);
      if (patch.providerId !== undefined) column('provider_id', patch.providerId);
      if (patch.sourceId !== undefined) column('source_id', patch.sourceId);
      if (patch.accessPrice !== undefined) column('access_price', patch.accessPrice);
      set.push(`"updated_at" = now()`);
      await m.query(`UPDATE "catalog"."datasets" SET ${set.join(', ')} WHERE "id" = ${q.p(id)}`, q.values);
      if (patch.tagIds !== undefined) await this.setTags(m, id, patch.tagIds);
    });
    return this.get(ctx, { id });
  }

  /** Deletes the dataset, its entries and (after the commit) their files. */
  async remove(ctx: RequestContext, id: number): Promise<DeletedReply> {
    const objects = await this.db.transaction(async (m) => {
      const row = await this.visibleRow(ctx, id, m, true);
      assertWriter(ctx, row, 'Dataset');
      return this.deleteWithFiles(m, `"id" = $1`, [id]);
    });
    await this.garbage.purge(objects);
    return { id, deleted: true };
  }

  /**
   * Deletes the datasets matching `where` (inside the caller's transaction), marking every file of
   * their entries as garbage in the same transaction. Returns the object ids to purge after the commit.
   */
  async deleteWithFiles(m: EntityManager, where: string, params: unknown[]): Promise<string[]> {
    const objects: { object_id: string }[] = await m.query(
      `SELECT e."object_id" FROM "catalog"."entries" e
       WHERE e."object_id" IS NOT NULL AND e."dataset_id" IN (SELECT "id" FROM "catalog"."datasets" WHERE ${where})`,
      params,
    );
    const ids = await this.garbage.mark(m, objects.map((o) => o.object_id), 'deleted');
    await m.query(`DELETE FROM "catalog"."datasets" WHERE ${where}`, params);
    return ids;
  }

  private async slugTaken(m: Pick<EntityManager, 'query'>, clusterId: number, slug: string): Promise<boolean> {
    const taken: unknown[] = await m.query(`SELECT 1 FROM "catalog"."datasets" WHERE "cluster_id" = $1 AND "slug" = $2`, [clusterId, slug]);
    return taken.length > 0;
  }

  private async assertSlugFree(m: EntityManager, clusterId: number, slug: string): Promise<void> {
    if (await this.slugTaken(m, clusterId, slug)) throw ApiError.conflict(`A dataset with slug "${slug}" already exists on cluster ${clusterId}`, 'slug_taken');
  }

  private async setTags(m: EntityManager, id: number, tagIds: number[]): Promise<void> {
    await m.query(`DELETE FROM "catalog"."dataset_tags" WHERE "dataset_id" = $1`, [id]);
    if (tagIds.length) {
      await m.query(
        `INSERT INTO "catalog"."dataset_tags" ("dataset_id", "tag_id") SELECT $1, unnest($2::int[]) ON CONFLICT DO NOTHING`,
        [id, [...new Set(tagIds)]],
      );
    }
  }
}
