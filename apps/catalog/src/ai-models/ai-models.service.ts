import { AiModelListRequest, AiModelPatch, AiModelView, AiModelWrite, DeletedReply } from '@alien/catalog/contracts';
import { ApiError, Page } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import { saveWithUniqueSlug } from '@alien/persistence';
import { BatchQuery, IdOrSlug } from '@alien/slug';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { organizationForCreate } from '../shared/access';
import { References } from '../shared/references';
import { SqlParams, containsPattern, inOrder, sqlDirection } from '../shared/sql';
import { AI_MODEL_VIEW_SQL, AiModelRow, modelVisible, modelVisibleTo, modelWritable, toAiModelView } from './ai-model-view';

const ORDER_COLUMNS = { name: 'm."name"', createdAt: 'm."created_at"', updatedAt: 'm."updated_at"' } as const;
type Queryable = Pick<EntityManager, 'query'>;

@Injectable()
export class AiModelsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly references: References,
  ) {}

  /** A model the caller may see (404 otherwise). */
  async visibleRow(ctx: RequestContext, id: number, m: Queryable = this.db, lock = false): Promise<AiModelRow> {
    const rows: AiModelRow[] = await m.query(`${AI_MODEL_VIEW_SQL} WHERE m."id" = $1${lock ? ' FOR UPDATE OF m' : ''}`, [id]);
    const row = rows[0];
    if (!row || !modelVisible(ctx, row)) throw ApiError.notFound('AI model not found');
    return row;
  }

  /** A model the caller may change: 404 when invisible, 403 when visible but not theirs to write. */
  async writableRow(ctx: RequestContext, id: number, m: Queryable = this.db, lock = false): Promise<AiModelRow> {
    const row = await this.visibleRow(ctx, id, m, lock);
    if (!modelWritable(ctx, row)) {
      throw ApiError.forbidden(row.organization_id === null ? 'Only platform admins change platform models' : 'Changing this model needs the admin role in its organization');
    }
    return row;
  }

  async list(ctx: RequestContext, req: AiModelListRequest): Promise<Page<AiModelView>> {
    const q = new SqlParams();
    const org = q.p(ctx.identity.organizationId);
    const where = [modelVisibleTo(org, q.p(ctx.identity.isPlatformAdmin))];
    if (req.select === 'public') where.push(`m."visibility" = 'public'`);
    if (req.select === 'organization') where.push(`m."organization_id" = ${org}`);
    if (req.modelType) where.push(`m."model_type" = ${q.p(req.modelType)}`);
    const provider = await this.references.filterId('providers', req.provider);
    if (provider !== undefined) where.push(`m."provider_id" = ${q.p(provider)}`);
    if (req.tag) {
      where.push(
        'id' in req.tag
          ? `EXISTS (SELECT 1 FROM "catalog"."ai_model_tags" mt WHERE mt."model_id" = m."id" AND mt."tag_id" = ${q.p(req.tag.id)})`
          : `EXISTS (SELECT 1 FROM "catalog"."ai_model_tags" mt JOIN "catalog"."tags" t ON t."id" = mt."tag_id" WHERE mt."model_id" = m."id" AND t."slug" = ${q.p(req.tag.slug)})`,
      );
    }
    if (req.q) {
      const pattern = q.p(containsPattern(req.q));
      where.push(`(m."name" ILIKE ${pattern} ESCAPE '\\' OR m."slug" ILIKE ${pattern} ESCAPE '\\' OR m."description" ILIKE ${pattern} ESCAPE '\\')`);
    }
    const dir = sqlDirection(req.page.direction);
    const filter = where.join(' AND ');
    const rows: AiModelRow[] = await this.db.query(
      `${AI_MODEL_VIEW_SQL} WHERE ${filter} ORDER BY ${ORDER_COLUMNS[req.page.orderBy]} ${dir}, m."id" ${dir}
       LIMIT ${q.p(req.page.perPage)} OFFSET ${q.p((req.page.page - 1) * req.page.perPage)}`,
      q.values,
    );
    const counted: { n: string }[] = await this.db.query(`SELECT count(*) AS "n" FROM "catalog"."ai_models" m WHERE ${filter}`, q.values.slice(0, -2));
    return { items: rows.map(toAiModelView), total: Number(counted[0]?.n ?? 0), page: req.page.page, perPage: req.page.perPage };
  }

  async get(ctx: RequestContext, req: IdOrSlug & { organizationId?: number }): Promise<AiModelView> {
    if ('id' in req) return toAiModelView(await this.visibleRow(ctx, req.id));
    const q = new SqlParams();
    const where = [`m."slug" = ${q.p(req.slug)}`, modelVisibleTo(q.p(ctx.identity.organizationId), q.p(ctx.identity.isPlatformAdmin))];
    if (req.organizationId !== undefined) where.push(`m."organization_id" = ${q.p(req.organizationId)}`);
    const rows: AiModelRow[] = await this.db.query(`${AI_MODEL_VIEW_SQL} WHERE ${where.join(' AND ')} ORDER BY m."organization_id" NULLS FIRST`, q.values);
    // Your organization's model wins, then the platform's; other organizations' public ones must be unambiguous.
    const pick =
      rows.find((r) => r.organization_id !== null && r.organization_id === ctx.identity.organizationId) ??
      rows.find((r) => r.organization_id === null) ??
      (rows.length === 1 ? rows[0] : undefined);
    if (pick) return toAiModelView(pick);
    if (!rows.length) throw ApiError.notFound('AI model not found');
    throw ApiError.conflict(
      `Several AI models you can see have the slug "${req.slug}" (organizations ${rows.map((r) => r.organization_id).join(', ')}); pick one with ?organizationId=`,
      'ambiguous_slug',
    );
  }

  async batch(ctx: RequestContext, req: BatchQuery): Promise<AiModelView[]> {
    const visible = modelVisibleTo('$2', '$3');
    const params = [ctx.identity.organizationId, ctx.identity.isPlatformAdmin];
    if ('ids' in req) {
      const rows: AiModelRow[] = await this.db.query(`${AI_MODEL_VIEW_SQL} WHERE m."id" = ANY($1) AND ${visible}`, [req.ids, ...params]);
      return inOrder(req.ids, rows).map(toAiModelView);
    }
    const rows: AiModelRow[] = await this.db.query(
      `${AI_MODEL_VIEW_SQL} WHERE m."slug" = ANY($1) AND ${visible} ORDER BY m."organization_id" NULLS FIRST, m."id"`,
      [req.slugs, ...params],
    );
    return req.slugs.flatMap((slug) => rows.filter((r) => r.slug === slug)).map(toAiModelView);
  }

  async create(ctx: RequestContext, req: AiModelWrite): Promise<AiModelView> {
    let organizationId: number | null;
    if (req.organizationId === null) {
      if (!ctx.identity.isPlatformAdmin) throw ApiError.forbidden('Only platform admins create platform models (organizationId: null)');
      organizationId = null;
    } else {
      organizationId = organizationForCreate(ctx, 'admin');
      if (req.organizationId !== undefined && req.organizationId !== organizationId) {
        throw ApiError.forbidden('Models are created for the organization the request acts in', 'organization_mismatch');
      }
    }
    await this.references.assertExist([
      { field: 'providerId', table: 'providers', ids: [req.providerId] },
      { field: 'tagIds', table: 'tags', ids: req.tagIds ?? [] },
    ]);
    // A derived slug moves on to `-2`, `-3`… (or `model-<random>`); only a chosen one can be 409.
    const isTaken = (slug: string) => this.slugTaken(this.db, organizationId, slug);
    const save = (slug: string) =>
      this.db.transaction(async (m) => {
        const rows: { id: number }[] = await m.query(
          `INSERT INTO "catalog"."ai_models" ("organization_id", "name", "slug", "description", "version", "model_type", "provider_id", "api_url",
             "pricing_type", "price_per_input_token", "price_per_output_token", "context_window", "visibility", "created_by")
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING "id"`,
          [
            organizationId,
            req.name.trim(),
            slug,
            req.description ?? null,
            req.version ?? null,
            req.modelType,
            req.providerId ?? null,
            req.apiUrl,
            req.pricingType,
            req.pricePerInputToken ?? null,
            req.pricePerOutputToken ?? null,
            req.contextWindow ?? null,
            req.visibility ?? 'private',
            ctx.identity.userId,
          ],
        );
        const id = (rows[0] as { id: number }).id;
        await this.setTags(m, id, req.tagIds ?? []);
        return id;
      });
    const id = await saveWithUniqueSlug({ explicit: req.slug, name: req.name, fallback: 'model', what: 'AI model of this owner', isTaken }, save);
    return toAiModelView(await this.visibleRow(ctx, id));
  }

  async update(ctx: RequestContext, id: number, patch: AiModelPatch): Promise<AiModelView> {
    await this.db.transaction(async (m) => {
      const row = await this.writableRow(ctx, id, m, true);
      await this.references.assertExist(
        [
          { field: 'providerId', table: 'providers', ids: [patch.providerId] },
          { field: 'tagIds', table: 'tags', ids: patch.tagIds ?? [] },
        ],
        m,
      );
      const q = new SqlParams();
      const set = [`"updated_at" = now()`];
      const column = (name: string, value: unknown) => set.push(`"${name}" = ${q.p(value)}`);
      if (patch.name !== undefined) column('name', patch.name.trim());
      if (patch.slug !== undefined && patch.slug !== row.slug) {
        await this.assertSlugFree(m, row.organization_id, patch.slug);
        column('slug', patch.slug);
      }
      if (patch.description !== undefined) column('description', patch.description);
      if (patch.version !== undefined) column('version', patch.version);
      if (patch.modelType !== undefined) column('model_type', patch.modelType);
      if (patch.providerId !== undefined) column('provider_id', patch.providerId);
      if (patch.apiUrl !== undefined) column('api_url', patch.apiUrl);
      if (patch.pricingType !== undefined) column('pricing_type', patch.pricingType);
      if (patch.pricePerInputToken !== undefined) column('price_per_input_token', patch.pricePerInputToken);
      if (patch.pricePerOutputToken !== undefined) column('price_per_output_token', patch.pricePerOutputToken);
      if (patch.contextWindow !== undefined) column('context_window', patch.contextWindow);
      if (patch.visibility !== undefined) column('visibility', patch.visibility);
      await m.query(`UPDATE "catalog"."ai_models" SET ${set.join(', ')} WHERE "id" = ${q.p(id)}`, q.values);
      if (patch.tagIds !== undefined) await this.setTags(m, id, patch.tagIds);
    });
    return toAiModelView(await this.visibleRow(ctx, id));
  }

  /** Deletes the model; its credentials and their audit trail go with it. */
  async remove(ctx: RequestContext, id: number): Promise<DeletedReply> {
    await this.writableRow(ctx, id);
    await this.db.query(`DELETE FROM "catalog"."ai_models" WHERE "id" = $1`, [id]);
    return { id, deleted: true };
  }

  private async slugTaken(m: Queryable, organizationId: number | null, slug: string): Promise<boolean> {
    const taken: unknown[] = await m.query(`SELECT 1 FROM "catalog"."ai_models" WHERE coalesce("organization_id", 0) = $1 AND "slug" = $2`, [
      organizationId ?? 0,
      slug,
    ]);
    return taken.length > 0;
  }

  private async assertSlugFree(m: Queryable, organizationId: number | null, slug: string): Promise<void> {
    if (await this.slugTaken(m, organizationId, slug)) throw ApiError.conflict(`An AI model with slug "${slug}" already exists for this owner`, 'slug_taken');
  }

  private async setTags(m: Queryable, id: number, tagIds: number[]): Promise<void> {
    await m.query(`DELETE FROM "catalog"."ai_model_tags" WHERE "model_id" = $1`, [id]);
    if (tagIds.length) {
      await m.query(`INSERT INTO "catalog"."ai_model_tags" ("model_id", "tag_id") SELECT $1, unnest($2::int[]) ON CONFLICT DO NOTHING`, [id, [...new Set(tagIds)]]);
    }
  }
}
