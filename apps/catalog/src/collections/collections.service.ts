import {
  CollectionGetRequest,
  CollectionListRequest,
  CollectionRoutingView,
  CollectionView,
  CollectionWrite,
  DatasetOrderBy,
  DatasetView,
  DeletedReply,
  ListRequest,
  Visibility,
} from '@alien/catalog/contracts';
import { ApiError, Page } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import { saveWithUniqueSlug } from '@alien/persistence';
import { BatchQuery } from '@alien/slug';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ClustersClient } from '../clusters/clusters.client';
import { visibleTo } from '../datasets/dataset-view';
import { DatasetsService } from '../datasets/datasets.service';
import { assertWriter, callerOrganization, isVisible, organizationForCreate } from '../shared/access';
import { SqlParams, containsPattern, inOrder, iso, returning, sqlDirection } from '../shared/sql';

interface CollectionRow {
  id: number;
  name: string;
  slug: string;
  description: string | null;
  visibility: Visibility;
  organization_id: number;
  dataset_count: number;
  created_at: Date;
  updated_at: Date;
}

/** `$1` is the caller's organization in every statement built on this. */
const VIEW_SQL = `
  SELECT c."id", c."name", c."slug", c."description", c."visibility", c."organization_id", c."created_at", c."updated_at",
    (SELECT count(*) FROM "catalog"."collection_datasets" cd JOIN "catalog"."datasets" d ON d."id" = cd."dataset_id"
     WHERE cd."collection_id" = c."id" AND ${visibleTo('$1')})::int AS "dataset_count"
  FROM "catalog"."collections" c`;
const VISIBLE = `(c."visibility" = 'public' OR c."organization_id" = $1)`;
const ORDER_COLUMNS = { name: 'c."name"', createdAt: 'c."created_at"', updatedAt: 'c."updated_at"' } as const;

function toView(row: CollectionRow): CollectionView {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    description: row.description,
    visibility: row.visibility,
    organizationId: row.organization_id,
    datasetCount: row.dataset_count,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

type Queryable = Pick<EntityManager, 'query'>;

@Injectable()
export class CollectionsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly datasets: DatasetsService,
    private readonly clusters: ClustersClient,
  ) {}

  async list(ctx: RequestContext, req: CollectionListRequest): Promise<Page<CollectionView>> {
    const q = new SqlParams();
    q.p(callerOrganization(ctx));
    const where = [VISIBLE];
    if (req.q) where.push(`c."name" ILIKE ${q.p(containsPattern(req.q))} ESCAPE '\\'`);
    if (req.visibility) where.push(`c."visibility" = ${q.p(req.visibility)}`);
    const dir = sqlDirection(req.page.direction);
    const rows: CollectionRow[] = await this.db.query(
      `${VIEW_SQL} WHERE ${where.join(' AND ')} ORDER BY ${ORDER_COLUMNS[req.page.orderBy]} ${dir}, c."id" ${dir}
       LIMIT ${q.p(req.page.perPage)} OFFSET ${q.p((req.page.page - 1) * req.page.perPage)}`,
      q.values,
    );
    const counted: { n: string }[] = await this.db.query(`SELECT count(*) AS "n" FROM "catalog"."collections" c WHERE ${where.join(' AND ')}`, q.values.slice(0, -2));
    return { items: rows.map(toView), total: Number(counted[0]?.n ?? 0), page: req.page.page, perPage: req.page.perPage };
  }

  private async visibleRow(ctx: RequestContext, id: number, m: Queryable = this.db, lock = false): Promise<CollectionRow> {
    const rows: CollectionRow[] = await m.query(`${VIEW_SQL} WHERE c."id" = $2${lock ? ' FOR UPDATE OF c' : ''}`, [callerOrganization(ctx), id]);
    const row = rows[0];
    if (!row || !isVisible(ctx, { organizationId: row.organization_id, visibility: row.visibility })) throw ApiError.notFound('Collection not found');
    return row;
  }

  private owned(row: CollectionRow) {
    return { organizationId: row.organization_id, visibility: row.visibility };
  }

  async get(ctx: RequestContext, req: CollectionGetRequest): Promise<CollectionView> {
    if ('id' in req) return toView(await this.visibleRow(ctx, req.id));
    const params: unknown[] = [callerOrganization(ctx), req.slug];
    let sql = `${VIEW_SQL} WHERE c."slug" = $2 AND ${VISIBLE}`;
    if (req.organizationId !== undefined) {
      params.push(req.organizationId);
      sql += ` AND c."organization_id" = $3`;
    }
    const rows: CollectionRow[] = await this.db.query(`${sql} ORDER BY c."organization_id"`, params);
    // Your organization's collection wins; among others' public ones the slug must be unambiguous.
    const own = rows.find((r) => r.organization_id === callerOrganization(ctx));
    if (own) return toView(own);
    if (!rows.length) throw ApiError.notFound('Collection not found');
    if (rows.length > 1) {
      throw ApiError.conflict(
        `Several collections you can see have the slug "${req.slug}" (organizations ${rows.map((r) => r.organization_id).join(', ')}); pick one with ?organizationId=`,
        'ambiguous_slug',
      );
    }
    return toView(rows[0] as CollectionRow);
  }

  async batch(ctx: RequestContext, req: BatchQuery): Promise<CollectionView[]> {
    const org = callerOrganization(ctx);
    if ('ids' in req) {
      const rows: CollectionRow[] = await this.db.query(`${VIEW_SQL} WHERE c."id" = ANY($2) AND ${VISIBLE}`, [org, req.ids]);
      return inOrder(req.ids, rows).map(toView);
    }
    const rows: CollectionRow[] = await this.db.query(`${VIEW_SQL} WHERE c."slug" = ANY($2) AND ${VISIBLE} ORDER BY c."organization_id", c."id"`, [org, req.slugs]);
    return req.slugs.flatMap((slug) => rows.filter((r) => r.slug === slug)).map(toView);
  }

  async create(ctx: RequestContext, req: CollectionWrite): Promise<CollectionView> {
    const organizationId = organizationForCreate(ctx);
    // A derived slug moves on to `-2`, `-3`… (or `collection-<random>`); only a chosen one can be 409.
    const isTaken = (slug: string) => this.slugTaken(this.db, organizationId, slug);
    const id = await saveWithUniqueSlug({ explicit: req.slug, name: req.name, fallback: 'collection', what: 'collection of your organization', isTaken }, async (slug) => {
      const rows: { id: number }[] = await this.db.query(
        `INSERT INTO "catalog"."collections" ("organization_id", "name", "slug", "description", "visibility", "created_by")
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING "id"`,
        [organizationId, req.name.trim(), slug, req.description ?? null, req.visibility ?? 'private', ctx.identity.userId],
      );
      return (rows[0] as { id: number }).id;
    });
    return toView(await this.visibleRow(ctx, id));
  }

  async update(ctx: RequestContext, id: number, patch: Partial<CollectionWrite>): Promise<CollectionView> {
    await this.db.transaction(async (m) => {
      const row = await this.visibleRow(ctx, id, m, true);
      assertWriter(ctx, this.owned(row), 'Collection');
      const q = new SqlParams();
      const set = [`"updated_at" = now()`];
      if (patch.name !== undefined) set.push(`"name" = ${q.p(patch.name.trim())}`);
      if (patch.slug !== undefined && patch.slug !== row.slug) {
        await this.assertSlugFree(m, row.organization_id, patch.slug);
        set.push(`"slug" = ${q.p(patch.slug)}`);
      }
      if (patch.description !== undefined) set.push(`"description" = ${q.p(patch.description)}`);
      if (patch.visibility !== undefined) set.push(`"visibility" = ${q.p(patch.visibility)}`);
      await m.query(`UPDATE "catalog"."collections" SET ${set.join(', ')} WHERE "id" = ${q.p(id)}`, q.values);
    });
    return toView(await this.visibleRow(ctx, id));
  }

  async remove(ctx: RequestContext, id: number): Promise<DeletedReply> {
    const row = await this.visibleRow(ctx, id);
    assertWriter(ctx, this.owned(row), 'Collection');
    await this.db.query(`DELETE FROM "catalog"."collections" WHERE "id" = $1`, [id]);
    return { id, deleted: true };
  }

  /** The collection's datasets the caller can see, filtered and ordered like `GET /datasets`. */
  async listDatasets(ctx: RequestContext, req: ListRequest<DatasetOrderBy, { id: number }>): Promise<Page<DatasetView>> {
    await this.visibleRow(ctx, req.id);
    const q = new SqlParams();
    const where = [visibleTo(q.p(callerOrganization(ctx))), `d."id" IN (SELECT "dataset_id" FROM "catalog"."collection_datasets" WHERE "collection_id" = ${q.p(req.id)})`];
    let rank: string | null = null;
    if (req.q) {
      const query = `websearch_to_tsquery('english', ${q.p(req.q)})`;
      where.push(`d."search" @@ ${query}`);
      rank = `ts_rank(d."search", ${query})`;
    }
    return this.datasets.page(where.join(' AND '), q, req, rank);
  }

  /** Adds datasets the caller can see (one it cannot see: 404 naming it, and nothing is added). */
  async addDatasets(ctx: RequestContext, id: number, datasetIds: number[]): Promise<CollectionView> {
    await this.db.transaction(async (m) => {
      const row = await this.visibleRow(ctx, id, m, true);
      assertWriter(ctx, this.owned(row), 'Collection');
      const ids = [...new Set(datasetIds)];
      const visible: { id: number }[] = await m.query(`SELECT d."id" FROM "catalog"."datasets" d WHERE d."id" = ANY($1) AND ${visibleTo('$2')}`, [
        ids,
        callerOrganization(ctx),
      ]);
      const found = new Set(visible.map((v) => v.id));
      const missing = ids.find((d) => !found.has(d));
      if (missing !== undefined) throw ApiError.notFound(`Dataset ${missing} not found`, 'dataset_not_found');
      await m.query(
        `INSERT INTO "catalog"."collection_datasets" ("collection_id", "dataset_id") SELECT $1, unnest($2::int[]) ON CONFLICT DO NOTHING`,
        [id, ids],
      );
      await m.query(`UPDATE "catalog"."collections" SET "updated_at" = now() WHERE "id" = $1`, [id]);
    });
    return toView(await this.visibleRow(ctx, id));
  }

  async removeDataset(ctx: RequestContext, id: number, datasetId: number): Promise<CollectionView> {
    const row = await this.visibleRow(ctx, id);
    assertWriter(ctx, this.owned(row), 'Collection');
    const removed = await returning(
      this.db,
      `DELETE FROM "catalog"."collection_datasets" WHERE "collection_id" = $1 AND "dataset_id" = $2 RETURNING 1`,
      [id, datasetId],
    );
    if (!removed.length) throw ApiError.notFound('The dataset is not in this collection', 'dataset_not_found');
    await this.db.query(`UPDATE "catalog"."collections" SET "updated_at" = now() WHERE "id" = $1`, [id]);
    return toView(await this.visibleRow(ctx, id));
  }

  /**
   * For each cluster holding datasets of the collection that the caller can see, what a client needs
   * to fan a search out through the cluster proxy. Clusters orchestration does not show to the
   * caller's organization are left out (the proxy would refuse them anyway).
   */
  async routing(ctx: RequestContext, id: number): Promise<CollectionRoutingView> {
    await this.visibleRow(ctx, id);
    const datasets: { id: number; slug: string; cluster_id: number }[] = await this.db.query(
      `SELECT d."id", d."slug", d."cluster_id" FROM "catalog"."collection_datasets" cd JOIN "catalog"."datasets" d ON d."id" = cd."dataset_id"
       WHERE cd."collection_id" = $1 AND ${visibleTo('$2')} ORDER BY d."cluster_id", d."slug", d."id"`,
      [id, callerOrganization(ctx)],
    );
    const clusters = await this.clusters.visible(ctx, datasets.map((d) => d.cluster_id));
    const out: CollectionRoutingView['clusters'] = [];
    for (const d of datasets) {
      const cluster = clusters.get(d.cluster_id);
      if (!cluster) continue;
      let group = out.find((g) => g.clusterId === cluster.id);
      if (!group) {
        group = { clusterId: cluster.id, slug: cluster.slug, status: cluster.status, proxyPath: cluster.proxyPath, datasets: [] };
        out.push(group);
      }
      group.datasets.push({ id: d.id, slug: d.slug });
    }
    return { collectionId: id, clusters: out };
  }

  private async slugTaken(m: Queryable, organizationId: number, slug: string): Promise<boolean> {
    const taken: unknown[] = await m.query(`SELECT 1 FROM "catalog"."collections" WHERE "organization_id" = $1 AND "slug" = $2`, [organizationId, slug]);
    return taken.length > 0;
  }

  private async assertSlugFree(m: Queryable, organizationId: number, slug: string): Promise<void> {
    if (await this.slugTaken(m, organizationId, slug)) throw ApiError.conflict(`Your organization already has a collection with slug "${slug}"`, 'slug_taken');
  }
}
