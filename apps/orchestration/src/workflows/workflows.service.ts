import { ApiError, Page } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import {
  WorkflowEdgeView,
  WorkflowInput,
  WorkflowListRequest,
  WorkflowNodeView,
  WorkflowType,
  WorkflowView,
} from '@alien/orchestration/contracts';
import { likePattern, mapDatabaseError, saveWithUniqueSlug } from '@alien/persistence';
import { BatchQuery, IdOrSlug, orderByRequest } from '@alien/slug';
import { Injectable } from '@nestjs/common';
import { validateWorkflowGraph } from '../engine/engine';
import { iso, isoRequired, requireWriter, viewerOrganization } from '../shared/access';
import { JobBus } from '../queue/job-bus';
import { Query, Sql } from '../shared/sql';
import { WorkflowReferences } from './workflow-references';

/** A tag is on a workflow once, whatever the request repeats (first occurrence order). */
const unique = (ids: number[]): number[] => [...new Set(ids)];

export interface WorkflowRow {
  id: number;
  organization_id: number;
  name: string;
  slug: string;
  description: string | null;
  type: WorkflowType;
  is_public: boolean;
  preset_category: string | null;
  collection_id: number | null;
  dataset_id: number | null;
  tag_ids: number[];
  nodes: WorkflowNodeView[];
  edges: WorkflowEdgeView[];
  graph_version: number;
  created_by: number | null;
  created_at: Date;
  updated_at: Date;
}

export function toWorkflowView(row: WorkflowRow): WorkflowView {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    description: row.description,
    type: row.type,
    isPublic: row.is_public,
    presetCategory: row.preset_category,
    collectionId: row.collection_id,
    datasetId: row.dataset_id,
    tagIds: row.tag_ids ?? [],
    nodes: row.nodes ?? [],
    edges: row.edges ?? [],
    graphVersion: row.graph_version,
    organizationId: row.organization_id,
    createdBy: row.created_by,
    createdAt: isoRequired(row.created_at),
    updatedAt: iso(row.updated_at) as string,
  };
}

const ORDER_COLUMNS: Record<string, string> = {
  id: 'id',
  name: 'name',
  slug: 'slug',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};

const T = 'orchestration.workflows';

/** Slug conflicts name the field; other database errors keep their mapping (503, 400…). */
function rethrow(error: unknown): never {
  const mapped = mapDatabaseError(error);
  if (mapped?.status === 409) throw ApiError.conflict('A workflow with this slug already exists in your organization', 'slug_taken');
  throw mapped ?? error;
}

@Injectable()
export class WorkflowsService {
  constructor(
    private readonly sql: Sql,
    private readonly references: WorkflowReferences,
    private readonly bus: JobBus,
  ) {}

  /** Visible: the caller's organization's workflows and every public one. */
  async list(ctx: RequestContext, req: WorkflowListRequest): Promise<Page<WorkflowView>> {
    const org = viewerOrganization(ctx);
    const where: string[] = [];
    const params: unknown[] = [];
    const scope = req.scope ?? 'all';
    if (scope === 'mine') {
      if (org === null) return { items: [], total: 0, page: req.page.page, perPage: req.page.perPage };
      params.push(org);
      where.push(`organization_id = $${params.length}`);
    } else if (scope === 'public') {
      where.push('is_public');
    } else if (org === null) {
      where.push('is_public');
    } else {
      params.push(org);
      where.push(`(is_public OR organization_id = $${params.length})`);
    }
    if (req.type) {
      params.push(req.type);
      where.push(`type = $${params.length}`);
    }
    if (req.q) {
      params.push(likePattern(req.q));
      where.push(`(name ILIKE $${params.length} OR slug ILIKE $${params.length} OR description ILIKE $${params.length})`);
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const column = ORDER_COLUMNS[req.page.orderBy] ?? 'id';
    const direction = req.page.direction === 'desc' ? 'DESC' : 'ASC';
    const offset = (req.page.page - 1) * req.page.perPage;
    const [rows, count] = await Promise.all([
      this.sql.query<WorkflowRow>(
        `SELECT * FROM ${T} ${clause} ORDER BY ${column} ${direction}, id ${direction} LIMIT ${req.page.perPage} OFFSET ${offset}`,
        params,
      ),
      this.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${T} ${clause}`, params),
    ]);
    return { items: rows.map(toWorkflowView), total: count[0]?.n ?? 0, page: req.page.page, perPage: req.page.perPage };
  }

  async get(ctx: RequestContext, key: IdOrSlug): Promise<WorkflowView> {
    return toWorkflowView(await this.visibleRow(ctx, key));
  }

  /** A workflow the caller may read (own organization's or public), else 404. By slug the caller's own wins. */
  async visibleRow(ctx: RequestContext, key: IdOrSlug, q: Query = this.sql.query): Promise<WorkflowRow> {
    const org = viewerOrganization(ctx) ?? 0;
    const rows =
      'id' in key
        ? await q<WorkflowRow>(`SELECT * FROM ${T} WHERE id = $1 AND (is_public OR organization_id = $2)`, [key.id, org])
        : await q<WorkflowRow>(
            `SELECT * FROM ${T} WHERE slug = $1 AND (is_public OR organization_id = $2)
             ORDER BY (organization_id = $2) DESC, id ASC LIMIT 1`,
            [key.slug, org],
          );
    const row = rows[0];
    if (!row) throw ApiError.notFound('Workflow not found');
    return row;
  }

  /** A workflow the caller's organization owns and may change: 404 when invisible, 403 for someone else's public one. */
  async ownedRow(ctx: RequestContext, id: number, q: Query = this.sql.query, lock = false): Promise<WorkflowRow> {
    const org = requireWriter(ctx);
    if (lock) await q(`SELECT 1 FROM ${T} WHERE id = $1 AND organization_id = $2 FOR UPDATE`, [id, org]);
    const row = await this.visibleRow(ctx, { id }, q);
    if (row.organization_id !== org) throw ApiError.forbidden('Only the organization that owns this workflow can change it');
    return row;
  }

  async batch(ctx: RequestContext, query: BatchQuery): Promise<WorkflowView[]> {
    const org = viewerOrganization(ctx) ?? 0;
    if ('ids' in query) {
      const rows = await this.sql.query<WorkflowRow>(
        `SELECT * FROM ${T} WHERE id = ANY($1::int[]) AND (is_public OR organization_id = $2)`,
        [query.ids, org],
      );
      return orderByRequest(query.ids, rows, (r) => r.id).map(toWorkflowView);
    }
    const rows = await this.sql.query<WorkflowRow>(
      `SELECT DISTINCT ON (slug) * FROM ${T} WHERE slug = ANY($1::text[]) AND (is_public OR organization_id = $2)
       ORDER BY slug, (organization_id = $2) DESC, id ASC`,
      [query.slugs, org],
    );
    return orderByRequest(query.slugs, rows, (r) => r.slug).map(toWorkflowView);
  }

  async create(ctx: RequestContext, input: WorkflowInput): Promise<WorkflowView> {
    const org = requireWriter(ctx);
    const nodes = input.nodes ?? [];
    const edges = input.edges ?? [];
    validateWorkflowGraph({ nodes, edges });
    await this.references.assertVisible(ctx, { collectionId: input.collectionId, datasetId: input.datasetId, tagIds: input.tagIds });
    // A derived slug moves on to `-2`, `-3`… (or `workflow-<random>` for a name without a Latin
    // spelling); only a slug the client chose can be 409.
    const isTaken = async (slug: string) => (await this.sql.query(`SELECT 1 FROM ${T} WHERE organization_id = $1 AND slug = $2`, [org, slug])).length > 0;
    try {
      return await saveWithUniqueSlug({ explicit: input.slug, name: input.name, fallback: 'workflow', what: 'workflow of your organization', isTaken }, async (slug) => {
        const rows = await this.sql.query<WorkflowRow>(
          `INSERT INTO ${T} (organization_id, name, slug, description, type, is_public, preset_category, collection_id,
             dataset_id, tag_ids, nodes, edges, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12::jsonb, $13) RETURNING *`,
          [
            org,
            input.name.trim(),
            slug,
            input.description ?? null,
            input.type ?? 'streaming',
            input.isPublic ?? false,
            input.presetCategory ?? null,
            input.collectionId ?? null,
            input.datasetId ?? null,
            unique(input.tagIds ?? []),
            JSON.stringify(nodes),
            JSON.stringify(edges),
            ctx.identity.userId,
          ],
        );
        return toWorkflowView(rows[0] as WorkflowRow);
      });
    } catch (error) {
      rethrow(error);
    }
  }

  async update(ctx: RequestContext, id: number, patch: Partial<WorkflowInput>): Promise<WorkflowView> {
    try {
      return await this.sql.tx(async (q) => {
        const row = await this.ownedRow(ctx, id, q, true);
        const nodes = patch.nodes ?? row.nodes;
        const edges = patch.edges ?? row.edges;
        const graphChanged =
          (patch.nodes !== undefined && JSON.stringify(patch.nodes) !== JSON.stringify(row.nodes)) ||
          (patch.edges !== undefined && JSON.stringify(patch.edges) !== JSON.stringify(row.edges));
        if (graphChanged) validateWorkflowGraph({ nodes, edges });
        // Only what changes is checked: a reference saved earlier stays even if it has gone since.
        await this.references.assertVisible(ctx, {
          collectionId: patch.collectionId !== row.collection_id ? patch.collectionId : undefined,
          datasetId: patch.datasetId !== row.dataset_id ? patch.datasetId : undefined,
          tagIds: patch.tagIds,
          savedTagIds: row.tag_ids,
        });
        const next = {
          name: patch.name?.trim() ?? row.name,
          slug: patch.slug ?? row.slug,
          description: patch.description !== undefined ? patch.description : row.description,
          type: patch.type ?? row.type,
          is_public: patch.isPublic ?? row.is_public,
          preset_category: patch.presetCategory !== undefined ? patch.presetCategory : row.preset_category,
          collection_id: patch.collectionId !== undefined ? patch.collectionId : row.collection_id,
          dataset_id: patch.datasetId !== undefined ? patch.datasetId : row.dataset_id,
          tag_ids: patch.tagIds ? unique(patch.tagIds) : row.tag_ids,
        };
        const rows = await q<WorkflowRow>(
          `UPDATE ${T} SET name = $2, slug = $3, description = $4, type = $5, is_public = $6, preset_category = $7,
             collection_id = $8, dataset_id = $9, tag_ids = $10, nodes = $11::jsonb, edges = $12::jsonb,
             graph_version = graph_version + $13, updated_at = now()
           WHERE id = $1 RETURNING *`,
          [
            id,
            next.name,
            next.slug,
            next.description,
            next.type,
            next.is_public,
            next.preset_category,
            next.collection_id,
            next.dataset_id,
            next.tag_ids,
            JSON.stringify(nodes),
            JSON.stringify(edges),
            graphChanged ? 1 : 0,
          ],
        );
        return toWorkflowView(rows[0] as WorkflowRow);
      });
    } catch (error) {
      if (error instanceof ApiError) throw error;
      rethrow(error);
    }
  }

  async remove(ctx: RequestContext, id: number): Promise<{ id: number; deleted: true }> {
    await this.ownedRow(ctx, id);
    // Its jobs (every organization's) go with it by foreign key; the running ones are told to stop
    // (their workers find the job gone at their next write and end without one).
    const active = await this.sql.tx(async (q) => {
      const jobs = await q<{ id: number }>(`SELECT id FROM "orchestration"."jobs" WHERE workflow_id = $1 AND status IN ('pending', 'running')`, [id]);
      await q(`DELETE FROM ${T} WHERE id = $1`, [id]);
      return jobs;
    });
    for (const job of active) this.bus.requestCancel(job.id);
    return { id, deleted: true };
  }
}
