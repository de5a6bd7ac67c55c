import { ApiError } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import { PresetInput, PresetView } from '@alien/orchestration/contracts';
import { mapDatabaseError, saveWithUniqueSlug } from '@alien/persistence';
import { Injectable } from '@nestjs/common';
import { isoRequired } from '../shared/access';
import { Query, Sql } from '../shared/sql';
import { WorkflowsService } from '../workflows/workflows.service';

interface PresetRow {
  id: number;
  workflow_id: number;
  organization_id: number;
  name: string;
  slug: string;
  input: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

function toPresetView(row: PresetRow): PresetView {
  return {
    id: row.id,
    workflowId: row.workflow_id,
    name: row.name,
    slug: row.slug,
    input: row.input ?? {},
    organizationId: row.organization_id,
    createdAt: isoRequired(row.created_at),
    updatedAt: isoRequired(row.updated_at),
  };
}

function rethrow(error: unknown): never {
  const mapped = mapDatabaseError(error);
  if (mapped?.status === 409) throw ApiError.conflict('This workflow already has a preset with this slug', 'slug_taken');
  throw mapped ?? error;
}

const T = 'orchestration.presets';

/**
 * Saved inputs of a workflow. Whoever may read the workflow reads its presets (and may run with
 * them); only the owning organization's writers change them.
 */
@Injectable()
export class PresetsService {
  constructor(
    private readonly sql: Sql,
    private readonly workflows: WorkflowsService,
  ) {}

  async list(ctx: RequestContext, workflowId: number): Promise<PresetView[]> {
    await this.workflows.visibleRow(ctx, { id: workflowId });
    const rows = await this.sql.query<PresetRow>(`SELECT * FROM ${T} WHERE workflow_id = $1 ORDER BY id`, [workflowId]);
    return rows.map(toPresetView);
  }

  /** The preset a run names; 404 unless it belongs to that (visible) workflow. */
  async forRun(q: Query, workflowId: number, presetId: number): Promise<PresetView> {
    const [row] = await q<PresetRow>(`SELECT * FROM ${T} WHERE id = $1 AND workflow_id = $2`, [presetId, workflowId]);
    if (!row) throw ApiError.notFound('Preset not found');
    return toPresetView(row);
  }

  async create(ctx: RequestContext, workflowId: number, input: PresetInput): Promise<PresetView> {
    const workflow = await this.workflows.ownedRow(ctx, workflowId);
    const isTaken = async (slug: string) => (await this.sql.query(`SELECT 1 FROM ${T} WHERE workflow_id = $1 AND slug = $2`, [workflowId, slug])).length > 0;
    try {
      return await saveWithUniqueSlug({ explicit: input.slug, name: input.name, fallback: 'preset', what: 'preset of this workflow', isTaken }, async (slug) => {
        const [row] = await this.sql.query<PresetRow>(
          `INSERT INTO ${T} (workflow_id, organization_id, name, slug, input) VALUES ($1, $2, $3, $4, $5::jsonb) RETURNING *`,
          [workflowId, workflow.organization_id, input.name.trim(), slug, JSON.stringify(input.input ?? {})],
        );
        return toPresetView(row as PresetRow);
      });
    } catch (error) {
      rethrow(error);
    }
  }

  async update(ctx: RequestContext, workflowId: number, id: number, patch: Partial<PresetInput>): Promise<PresetView> {
    await this.workflows.ownedRow(ctx, workflowId);
    try {
      const [row] = await this.sql.query<PresetRow>(
        `UPDATE ${T} SET name = COALESCE($3, name), slug = COALESCE($4, slug), input = COALESCE($5::jsonb, input), updated_at = now()
         WHERE id = $1 AND workflow_id = $2 RETURNING *`,
        [id, workflowId, patch.name?.trim() ?? null, patch.slug ?? null, patch.input === undefined ? null : JSON.stringify(patch.input)],
      );
      if (!row) throw ApiError.notFound('Preset not found');
      return toPresetView(row);
    } catch (error) {
      if (error instanceof ApiError) throw error;
      rethrow(error);
    }
  }

  async remove(ctx: RequestContext, workflowId: number, id: number): Promise<{ id: number; deleted: true }> {
    await this.workflows.ownedRow(ctx, workflowId);
    const [row] = await this.sql.query<{ id: number }>(`DELETE FROM ${T} WHERE id = $1 AND workflow_id = $2 RETURNING id`, [id, workflowId]);
    if (!row) throw ApiError.notFound('Preset not found');
    return { id, deleted: true };
  }
}
