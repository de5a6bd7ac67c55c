import { ApiError, Page } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import {
  ComputeContextView,
  JobEvent,
  JobListRequest,
  JobStreamOpening,
  JobSummaryView,
  JobView,
  RunRequest,
  UsageView,
  isTerminalJobStatus,
  jobEventSubject,
} from '@alien/orchestration/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { createHash } from 'node:crypto';
import type { OrchestrationConfig } from '../config';
import { validateWorkflowGraph } from '../engine/engine';
import { PresetsService } from '../presets/presets.service';
import { JobBus } from '../queue/job-bus';
import { JobDispatcher } from '../queue/job-dispatcher';
import { actingOrganization, iso } from '../shared/access';
import { ORCHESTRATION_CONFIG } from '../shared/tokens';
import { WorkflowsService } from '../workflows/workflows.service';
import { JobNodeRow, JobRow, JobStore, SUMMARY_COLUMNS, toJobSummary, toJobView } from './job-store';

const J = 'orchestration.jobs';
const ORDER_COLUMNS: Record<string, string> = { id: 'id', createdAt: 'created_at', finishedAt: 'finished_at', status: 'status' };
/** How long `POST /jobs/{id}/cancel` waits for a running job to stop before answering. */
const CANCEL_WAIT_MS = 2_000;

/** JSON with sorted keys: the same body always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** What orchestration.create_job / run_workflow answer. */
interface RunCreated {
  notFound?: boolean;
  replayed?: number;
  conflict?: boolean;
  job?: JobRow;
  admitted?: number[];
}

let lastSlugMs = 0;
/** Milliseconds for job slugs, strictly increasing within this process. */
function slugMs(): number {
  lastSlugMs = Math.max(Date.now(), lastSlugMs + 1);
  return lastSlugMs;
}

@Injectable()
export class JobsService {
  constructor(
    private readonly store: JobStore,
    private readonly workflows: WorkflowsService,
    private readonly presets: PresetsService,
    private readonly dispatcher: JobDispatcher,
    private readonly bus: JobBus,
    private readonly logger: PinoLogger,
    @Inject(ORCHESTRATION_CONFIG) private readonly config: OrchestrationConfig,
  ) {
    logger.setContext(JobsService.name);
  }

  /**
   * Creates a job in the caller's organization (also for another organization's public workflow:
   * the run is the caller's, and billed to it) and enqueues it once admitted. With an
   * Idempotency-Key, the same key and body within the TTL return the first job; another body is 422.
   */
  async run(ctx: RequestContext, req: RunRequest): Promise<JobView> {
    const organizationId = actingOrganization(ctx);
    const overridden = req.nodes !== undefined || req.edges !== undefined;
    // The request hash only matters with an Idempotency-Key (same key, other body → 422).
    const requestHash =
      req.idempotencyKey === undefined
        ? null
        : createHash('sha256')
            .update(canonicalJson({ workflowId: req.workflowId, input: req.input, nodes: req.nodes, edges: req.edges, presetId: req.presetId }))
            .digest('hex');
    const common = [
      JSON.stringify(ctx.identity),
      req.idempotencyKey ?? null,
      requestHash,
      this.config.IDEMPOTENCY_TTL_SEC,
      this.config.ORG_CONCURRENCY_LIMIT,
    ];

    // The saved workflow as it is (the usual run): visibility, job, key and admission in one round trip.
    // With a graph override or a preset, the workflow is read first (validation, the preset's input).
    let create: () => Promise<RunCreated | undefined>;
    if (!overridden && req.presetId === undefined) {
      create = async () => {
        const [row] = await this.store.sql.prepared<{ created: RunCreated }>(
          'orchestration.run_workflow',
          'SELECT orchestration.run_workflow($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9, $10) AS created',
          [req.workflowId, organizationId, ctx.identity.userId, String(slugMs()), JSON.stringify(req.input ?? {}), ...common],
        );
        if (row?.created?.notFound) throw ApiError.notFound('Workflow not found');
        return row?.created;
      };
    } else {
      // A replay answers the first job even if the workflow's preset is gone since: the key first.
      const replay = await this.replayed(organizationId, req.idempotencyKey, requestHash);
      if (replay) return replay;
      const workflow = await this.workflows.visibleRow(ctx, { id: req.workflowId });
      const graph = { nodes: req.nodes ?? workflow.nodes, edges: req.edges ?? workflow.edges };
      if (overridden) validateWorkflowGraph(graph);
      const preset = req.presetId !== undefined ? await this.presets.forRun(this.store.sql.query, workflow.id, req.presetId) : null;
      const input = { ...(preset?.input ?? {}), ...(req.input ?? {}) };
      create = async () => {
        const [row] = await this.store.sql.query<{ created: RunCreated }>(
          'SELECT orchestration.create_job($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9::jsonb, $10, $11, $12, $13) AS created',
          [
            `job-${workflow.slug}-${slugMs()}`.slice(0, 200),
            organizationId,
            ctx.identity.userId,
            workflow.id,
            workflow.graph_version,
            JSON.stringify(graph),
            JSON.stringify(input),
            preset?.id ?? null,
            ...common,
          ],
        );
        return row?.created;
      };
    }
    for (let attempt = 0; ; attempt++) {
      let created: RunCreated | undefined;
      try {
        created = await create();
      } catch (error) {
        // Another request with this key committed first: look again and answer with its job.
        if (/idempotency_key_raced/.test(String((error as Error)?.message)) && attempt < 3) continue;
        throw error;
      }
      if (created?.conflict) {
        throw ApiError.invalid('Idempotency-Key', 'idempotency', 'This Idempotency-Key was already used with another request body');
      }
      if (created?.replayed !== undefined) return (await this.store.view(created.replayed)) as JobView;
      const job = created?.job as JobRow;
      if (created?.admitted?.length) void this.dispatcher.dispatch(created.admitted);
      return toJobView(job, []);
    }
  }

  /** The job a live Idempotency-Key names (same body), or 422 (another body); undefined when the key is new. */
  private async replayed(organizationId: number, key: string | undefined, requestHash: string | null): Promise<JobView | undefined> {
    if (key === undefined) return undefined;
    const [seen] = await this.store.sql.query<{ job_id: number; request_hash: string }>(
      `SELECT job_id, request_hash FROM orchestration.idempotency_keys
        WHERE organization_id = $1 AND key = $2 AND created_at > now() - make_interval(secs => $3)`,
      [organizationId, key, this.config.IDEMPOTENCY_TTL_SEC],
    );
    if (!seen) return undefined;
    if (seen.request_hash !== requestHash) {
      throw ApiError.invalid('Idempotency-Key', 'idempotency', 'This Idempotency-Key was already used with another request body');
    }
    return (await this.store.view(seen.job_id)) ?? undefined;
  }

  async list(ctx: RequestContext, req: JobListRequest): Promise<Page<JobSummaryView>> {
    const organizationId = actingOrganization(ctx);
    const params: unknown[] = [organizationId];
    const where = ['organization_id = $1'];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (req.status) add('status = ?', req.status);
    if (req.workflowId !== undefined) add('workflow_id = ?', req.workflowId);
    if (req.from) add('created_at >= ?', req.from);
    if (req.to) add('created_at < ?', req.to);
    const column = ORDER_COLUMNS[req.page.orderBy] ?? 'id';
    const direction = req.page.direction === 'asc' ? 'ASC' : 'DESC';
    const clause = where.join(' AND ');
    const [rows, [count]] = await Promise.all([
      this.store.sql.query<JobRow>(
        `SELECT ${SUMMARY_COLUMNS} FROM ${J} WHERE ${clause} ORDER BY ${column} ${direction} NULLS LAST, id ${direction}
         LIMIT ${req.page.perPage} OFFSET ${(req.page.page - 1) * req.page.perPage}`,
        params,
      ),
      this.store.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${J} WHERE ${clause}`, params),
    ]);
    return { items: rows.map(toJobSummary), total: count?.n ?? 0, page: req.page.page, perPage: req.page.perPage };
  }

  /** A job of the caller's organization; anyone else's is 404. */
  async get(ctx: RequestContext, id: number): Promise<JobView> {
    const organizationId = actingOrganization(ctx);
    const [[row], nodes] = await Promise.all([
      this.store.sql.query<JobRow>(`SELECT * FROM ${J} WHERE id = $1 AND organization_id = $2`, [id, organizationId]),
      this.store.nodes(id),
    ]);
    if (!row) throw ApiError.notFound('Job not found');
    return toJobView(row, nodes);
  }

  /** The caller's organization's latest run of a workflow it may see. */
  async latest(ctx: RequestContext, workflowId: number): Promise<JobView> {
    const organizationId = actingOrganization(ctx);
    await this.workflows.visibleRow(ctx, { id: workflowId });
    const [row] = await this.store.sql.query<{ id: number }>(
      `SELECT id FROM ${J} WHERE workflow_id = $1 AND organization_id = $2 ORDER BY id DESC LIMIT 1`,
      [workflowId, organizationId],
    );
    if (!row) throw ApiError.notFound('This workflow has no job yet');
    return this.get(ctx, row.id);
  }

  /**
   * Cancels a job: a pending one at once; a running one through its worker (it stops within a
   * second), waiting up to 2 s for it to end. A finished job is 409.
   */
  async cancel(ctx: RequestContext, id: number): Promise<JobView> {
    const organizationId = actingOrganization(ctx);
    const [row] = await this.store.sql.query<JobRow>(
      `UPDATE ${J} SET
         cancel_requested_at = COALESCE(cancel_requested_at, now()),
         status = CASE WHEN status = 'pending' THEN 'cancelled' ELSE status END,
         finished_at = CASE WHEN status = 'pending' THEN now() ELSE finished_at END,
         error = CASE WHEN status = 'pending' THEN '{"code":"cancelled","message":"Cancelled before it started"}'::jsonb ELSE error END,
         updated_at = now()
       WHERE id = $1 AND organization_id = $2 AND status IN ('pending', 'running')
       RETURNING ${SUMMARY_COLUMNS}, admitted_at`,
      [id, organizationId],
    );
    if (!row) {
      const current = await this.get(ctx, id);
      throw ApiError.conflict(`The job has already ended (${current.status})`, 'job_finished');
    }
    if (row.status === 'cancelled') {
      const view = (await this.store.view(id)) as JobView;
      await this.bus
        .publishDone(doneEvent(view))
        .catch((err: unknown) => this.logger.warn({ err, jobId: id }, 'cancel event publish failed'));
      if (row.admitted_at) void this.dispatcher.admitAndDispatch(organizationId).catch(() => undefined);
      return view;
    }
    const watch = this.bus.watchDone(id);
    this.bus.requestCancel(id);
    await watch.wait(CANCEL_WAIT_MS);
    return this.get(ctx, id);
  }

  async computeContext(ctx: RequestContext, id: number): Promise<ComputeContextView> {
    const job = await this.get(ctx, id);
    const [[row], nodes, usage] = await Promise.all([
      this.store.sql.query<JobRow>(`SELECT worker, dead_letter_reason, started_at, finished_at, created_at FROM ${J} WHERE id = $1`, [id]),
      this.store.nodes(id),
      this.store.sql.query<{
        node_id: string;
        kind: UsageView['kind'];
        ref_id: string;
        name: string | null;
        quantity: string;
        unit: string;
        unit_price: string;
        cost: string;
      }>(`SELECT * FROM orchestration.job_usage WHERE job_id = $1 ORDER BY id`, [id]),
    ]);
    const r = row as JobRow;
    const usageViews: UsageView[] = usage.map((u) => ({
      kind: u.kind,
      refId: u.ref_id,
      name: u.name,
      nodeId: u.node_id,
      quantity: Number(u.quantity),
      unit: u.unit,
      unitPrice: Number(u.unit_price),
      cost: Number(u.cost),
    }));
    const refs = (kind: UsageView['kind']) => [...new Set(usageViews.filter((u) => u.kind === kind).map((u) => u.refId))];
    return {
      jobId: id,
      status: job.status,
      worker: r.worker,
      attempts: job.attempts,
      queueWaitMs: r.started_at ? r.started_at.getTime() - r.created_at.getTime() : null,
      runMs: r.started_at && r.finished_at ? r.finished_at.getTime() - r.started_at.getTime() : null,
      nodes: nodes.map((n: JobNodeRow) => ({
        nodeId: n.node_id,
        type: n.type,
        status: n.status,
        startedAt: iso(n.started_at),
        finishedAt: n.finished_at.toISOString(),
        durationMs: n.duration_ms,
        attempt: n.attempt,
        truncated: n.truncated,
      })),
      clusters: refs('cluster'),
      models: refs('model'),
      connectors: refs('connector'),
      usage: usageViews,
      units: {
        tokens: usageViews.filter((u) => u.unit === 'tokens').reduce((s, u) => s + u.quantity, 0),
        externalUnits: usageViews.filter((u) => u.kind === 'connector').reduce((s, u) => s + u.quantity, 0),
        cost: usageViews.reduce((s, u) => s + u.cost, 0),
      },
      deadLetterReason: r.dead_letter_reason,
    };
  }

  /** What the gateway needs before it starts an SSE stream: the visible job (404 first) and its subject. */
  async openStream(ctx: RequestContext, id: number): Promise<JobStreamOpening> {
    return { job: await this.get(ctx, id), subject: jobEventSubject(id) };
  }
}

/** The `done` event of a job that reached a terminal state. */
export function doneEvent(job: JobView): JobEvent {
  if (!isTerminalJobStatus(job.status)) throw new Error(`job ${job.id} is ${job.status}`);
  return {
    type: 'done',
    event: 'status',
    jobId: job.id,
    status: job.status,
    progress: job.progress,
    result: job.result,
    error: job.error,
    at: new Date().toISOString(),
  };
}
