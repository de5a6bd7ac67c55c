import { ApiError } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import {
  ConsumptionGroupBy,
  ConsumptionRow,
  ConsumptionView,
  JOB_STATUSES,
  JobStatus,
  MetricsRequest,
  RunStats,
  WorkflowMetricsView,
} from '@alien/orchestration/contracts';
import { Injectable } from '@nestjs/common';
import { actingOrganization } from '../shared/access';
import { Sql } from '../shared/sql';
import { WorkflowsService } from '../workflows/workflows.service';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Widest windows: 31 days of hours, 366 days of days. */
const MAX_SPAN = { hour: 31 * DAY, day: 366 * DAY };

interface StatsRow {
  runs: number;
  pending: number;
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
  p50: number | null;
  p95: number | null;
}

const STATS_SQL = `count(*)::int AS runs,
  ${JOB_STATUSES.map((s) => `count(*) FILTER (WHERE status = '${s}')::int AS ${s}`).join(',\n  ')},
  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at) * 1000)
    FILTER (WHERE finished_at IS NOT NULL AND started_at IS NOT NULL) AS p50,
  percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at) * 1000)
    FILTER (WHERE finished_at IS NOT NULL AND started_at IS NOT NULL) AS p95`;

function toStats(row: StatsRow | undefined): RunStats {
  const r = row ?? { runs: 0, pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0, p50: null, p95: null };
  const byStatus = Object.fromEntries(JOB_STATUSES.map((s) => [s, Number(r[s] ?? 0)])) as Record<JobStatus, number>;
  const ended = byStatus.completed + byStatus.failed + byStatus.cancelled;
  const round = (v: number | null) => (v === null || v === undefined ? null : Math.round(Number(v) * 10) / 10);
  return {
    runs: Number(r.runs),
    byStatus,
    successRate: ended ? Math.round((byStatus.completed / ended) * 10_000) / 10_000 : null,
    p50DurationMs: round(r.p50),
    p95DurationMs: round(r.p95),
  };
}

/** `from`/`to` (ISO) with defaults and bounds; 422 naming the field otherwise. */
export function window(from: string | undefined, to: string | undefined, defaultSpanMs: number, maxSpanMs: number) {
  const end = to ? new Date(to) : new Date();
  const start = from ? new Date(from) : new Date(end.getTime() - defaultSpanMs);
  if (Number.isNaN(end.getTime())) throw ApiError.invalid('to', 'date', 'to must be an ISO-8601 date-time');
  if (Number.isNaN(start.getTime())) throw ApiError.invalid('from', 'date', 'from must be an ISO-8601 date-time');
  if (start >= end) throw ApiError.invalid('from', 'before', 'from must be before to');
  if (end.getTime() - start.getTime() > maxSpanMs) {
    throw ApiError.invalid('from', 'range', `The window may span at most ${Math.round(maxSpanMs / DAY)} days`);
  }
  return { start, end };
}

@Injectable()
export class MetricsService {
  constructor(
    private readonly sql: Sql,
    private readonly workflows: WorkflowsService,
  ) {}

  /** Runs of a workflow by the caller's organization: by status, success rate, p50/p95, per node. */
  async workflow(ctx: RequestContext, req: MetricsRequest): Promise<WorkflowMetricsView> {
    const organizationId = actingOrganization(ctx);
    await this.workflows.visibleRow(ctx, { id: req.workflowId });
    const { start, end } = window(req.from, req.to, req.interval === 'hour' ? DAY : 30 * DAY, MAX_SPAN[req.interval]);
    const params = [req.workflowId, organizationId, start, end];
    const where = 'workflow_id = $1 AND organization_id = $2 AND created_at >= $3 AND created_at < $4';
    const [totals, series, nodes] = await Promise.all([
      this.sql.query<StatsRow>(`SELECT ${STATS_SQL} FROM orchestration.jobs WHERE ${where}`, params),
      this.sql.query<StatsRow & { bucket: Date }>(
        `SELECT date_trunc('${req.interval}', created_at) AS bucket, ${STATS_SQL}
         FROM orchestration.jobs WHERE ${where} GROUP BY 1 ORDER BY 1`,
        params,
      ),
      this.sql.query<{ node_id: string; type: string; runs: number; avg: number }>(
        `SELECT n.node_id, n.type, count(*)::int AS runs, avg(n.duration_ms)::float8 AS avg
         FROM orchestration.job_nodes n JOIN orchestration.jobs j ON j.id = n.job_id
         WHERE j.workflow_id = $1 AND j.organization_id = $2 AND j.created_at >= $3 AND j.created_at < $4 AND n.status = 'completed'
         GROUP BY n.node_id, n.type ORDER BY n.node_id`,
        params,
      ),
    ]);
    return {
      workflowId: req.workflowId,
      from: start.toISOString(),
      to: end.toISOString(),
      interval: req.interval,
      ...toStats(totals[0]),
      series: series.map((row) => ({ bucket: new Date(row.bucket).toISOString(), ...toStats(row) })),
      nodes: nodes.map((n) => ({ nodeId: n.node_id, type: n.type, runs: n.runs, avgDurationMs: Math.round(n.avg * 10) / 10 })),
    };
  }

  /** Consumption of the caller's organization (model tokens × price, external units × unit price). */
  async consumption(
    ctx: RequestContext,
    req: { from?: string; to?: string; groupBy: ConsumptionGroupBy; workflowId?: number },
  ): Promise<ConsumptionView> {
    const organizationId = actingOrganization(ctx);
    if (req.workflowId !== undefined) await this.workflows.visibleRow(ctx, { id: req.workflowId });
    const { start, end } = window(req.from, req.to, 30 * DAY, 366 * DAY);
    const params: unknown[] = [organizationId, start, end];
    let where = 'organization_id = $1 AND created_at >= $2 AND created_at < $3';
    if (req.workflowId !== undefined) {
      params.push(req.workflowId);
      where += ` AND workflow_id = $${params.length}`;
    }
    const group =
      req.groupBy === 'workflow'
        ? { key: 'workflow_id::text', name: 'NULL', unit: `'mixed'`, filter: '' }
        : { key: 'ref_id', name: 'max(name)', unit: 'max(unit)', filter: ` AND kind = '${req.groupBy === 'model' ? 'model' : 'connector'}'` };
    const rows = await this.sql.query<{ key: string; name: string | null; quantity: string; unit: string; cost: string; jobs: number }>(
      `SELECT ${group.key} AS key, ${group.name} AS name, sum(quantity) AS quantity, ${group.unit} AS unit,
         sum(cost) AS cost, count(DISTINCT job_id)::int AS jobs
       FROM orchestration.job_usage WHERE ${where}${group.filter} GROUP BY 1 ORDER BY sum(cost) DESC, 1`,
      params,
    );
    const out: ConsumptionRow[] = rows.map((r) => ({
      key: r.key,
      name: r.name,
      quantity: Number(r.quantity),
      unit: r.unit,
      cost: Number(r.cost),
      jobs: r.jobs,
    }));
    return {
      from: start.toISOString(),
      to: end.toISOString(),
      groupBy: req.groupBy,
      totalCost: out.reduce((s, r) => s + r.cost, 0),
      rows: out,
    };
  }
}
