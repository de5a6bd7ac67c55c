import { Identity } from '@alien/identity';
import {
  JobErrorView,
  JobResult,
  JobStatus,
  JobSummaryView,
  JobView,
  WorkflowEdgeView,
  WorkflowNodeView,
} from '@alien/orchestration/contracts';
import { Inject, Injectable } from '@nestjs/common';
import type { OrchestrationConfig } from '../config';
import { NodeState, annotateNodes as annotate, buildJobResult } from '../engine/engine';
import { iso, isoRequired } from '../shared/access';
import { Query, Sql } from '../shared/sql';
import { ORCHESTRATION_CONFIG } from '../shared/tokens';
import { fitJobView } from './fit-view';

export interface JobRow {
  id: number;
  slug: string;
  organization_id: number;
  user_id: number | null;
  identity: Partial<Identity>;
  workflow_id: number;
  graph_version: number;
  graph: { nodes: WorkflowNodeView[]; edges: WorkflowEdgeView[] };
  input: Record<string, unknown>;
  preset_id: number | null;
  status: JobStatus;
  progress: number;
  result: JobResult | null;
  error: JobErrorView | null;
  attempts: number;
  worker: string | null;
  lease_until: Date | null;
  admitted_at: Date | null;
  published_at: Date | null;
  cancel_requested_at: Date | null;
  dead_letter_reason: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  updated_at: Date;
}

export interface JobNodeRow {
  job_id: number;
  node_id: string;
  type: string;
  status: 'completed' | 'failed';
  output: unknown;
  chunks: unknown[] | null;
  annotation: { branches?: string[]; error?: JobErrorView; usage?: unknown[] } | null;
  truncated: boolean;
  attempt: number;
  started_at: Date | null;
  finished_at: Date;
  duration_ms: number;
}

/** A `job_nodes` row as the worker hands it over (attempt and job id added by the store). */
export interface NewJobNode {
  node_id: string;
  type: string;
  status: 'completed' | 'failed';
  output: unknown;
  chunks: unknown[] | null;
  annotation: JobNodeRow['annotation'];
  truncated: boolean;
  started_at: string | null;
  finished_at: string;
  duration_ms: number;
}

/** Columns of list views: everything but the graph, input and result. */
export const SUMMARY_COLUMNS =
  'id, slug, organization_id, user_id, workflow_id, graph_version, preset_id, status, progress, error, attempts, created_at, started_at, finished_at, updated_at';

export function toJobSummary(row: JobRow): JobSummaryView {
  return {
    id: row.id,
    slug: row.slug,
    status: row.status,
    progress: row.progress,
    workflowId: row.workflow_id,
    graphVersion: row.graph_version,
    organizationId: row.organization_id,
    userId: row.user_id,
    presetId: row.preset_id,
    error: row.error,
    attempts: row.attempts,
    createdAt: isoRequired(row.created_at),
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    updatedAt: isoRequired(row.updated_at),
  };
}

function outputsOf(nodes: JobNodeRow[]): Record<string, unknown> {
  const outputs: Record<string, unknown> = {};
  for (const node of nodes) if (node.status === 'completed') outputs[node.node_id] = node.output;
  return outputs;
}

/** The result so far, built by the engine from the persisted node outputs (output nodes' answers, streamed chunks). */
export function resultFromNodes(graph: JobRow['graph'], nodes: JobNodeRow[]): JobResult {
  const streams: Record<string, { chunks: never[]; complete: boolean }> = {};
  for (const node of nodes) if (node.chunks?.length) streams[node.node_id] = { chunks: node.chunks as never[], complete: true };
  return buildJobResult(graph as never, outputsOf(nodes), streams) as JobResult;
}

/** The graph's nodes with `data.isExecuted`, `data.outputs[]` and `data.errors[]` from what ran. */
export function annotateNodes(graph: JobRow['graph'], nodes: JobNodeRow[]): WorkflowNodeView[] {
  const states: Record<string, NodeState> = {};
  for (const node of nodes) {
    states[node.node_id] = { status: node.status, durationMs: node.duration_ms, ...(node.annotation?.error ? { error: node.annotation.error as never } : {}) };
  }
  return annotate({ nodes: graph?.nodes ?? [], edges: graph?.edges ?? [] } as never, states, outputsOf(nodes)) as WorkflowNodeView[];
}

/** A job as the API shows it, left-out values marked where it would not fit in one answer (`fitJobView`). */
export function toJobView(row: JobRow, nodes: JobNodeRow[]): JobView {
  return fitJobView({
    ...toJobSummary(row),
    input: row.input ?? {},
    result: row.result ?? resultFromNodes(row.graph, nodes),
    nodes: annotateNodes(row.graph, nodes),
  });
}

/** A job's terminal transition as the SQL functions take it: status, result, error, progress. */
function outcomeParams(outcome: { status: JobStatus; result: JobResult | null; error: JobErrorView | null; progress: number }): unknown[] {
  return [outcome.status, outcome.result ? JSON.stringify(outcome.result) : null, outcome.error ? JSON.stringify(outcome.error) : null, outcome.progress];
}

const J = 'orchestration.jobs';
const N = 'orchestration.job_nodes';

/**
 * The SQL of jobs that the api (create, cancel, read) and the worker (claim, persist, finish) share,
 * including admission: at most ORG_CONCURRENCY_LIMIT jobs of one organization are admitted to the
 * queue at once; the others wait as `pending` and are admitted, oldest first, as slots free up.
 */
@Injectable()
export class JobStore {
  constructor(
    readonly sql: Sql,
    @Inject(ORCHESTRATION_CONFIG) private readonly config: OrchestrationConfig,
  ) {}

  async view(jobId: number, q: Query = this.sql.query): Promise<JobView | null> {
    const [[row], nodes] = await Promise.all([
      q<JobRow>(`SELECT * FROM ${J} WHERE id = $1`, [jobId]),
      q<JobNodeRow>(`SELECT * FROM ${N} WHERE job_id = $1 ORDER BY finished_at, node_id`, [jobId]),
    ]);
    return row ? toJobView(row, nodes) : null;
  }

  nodes(jobId: number, q: Query = this.sql.query): Promise<JobNodeRow[]> {
    return q<JobNodeRow>(`SELECT * FROM ${N} WHERE job_id = $1 ORDER BY finished_at, node_id`, [jobId]);
  }

  /** Admits waiting jobs of an organization while it has free slots (`orchestration.admit_jobs`); returns their ids. */
  async admit(organizationId: number, q: Query = this.sql.query): Promise<number[]> {
    const [row] = await q<{ ids: number[] }>('SELECT orchestration.admit_jobs($1, $2) AS ids', [organizationId, this.config.ORG_CONCURRENCY_LIMIT]);
    return row?.ids ?? [];
  }

  /**
   * The terminal transition of a running job held by `worker` (`orchestration.finish_job`), then
   * admission of the organization's next jobs. Null when the worker no longer holds the job.
   */
  async finish(
    jobId: number,
    worker: string,
    outcome: { status: JobStatus; result: JobResult | null; error: JobErrorView | null; progress: number; deadLetterReason?: string },
  ): Promise<number[] | null> {
    const [row] = await this.sql.query<{ ids: number[] | null }>(
      'SELECT orchestration.finish_job($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7, $8) AS ids',
      [jobId, worker, ...outcomeParams(outcome), outcome.deadLetterReason ?? null, this.config.ORG_CONCURRENCY_LIMIT],
    );
    return row?.ids ?? null;
  }

  /**
   * `finish` together with the rows of nodes the worker kept in memory (`finish_job_with_nodes`): one
   * statement, one commit. Null when the worker no longer holds the job (then nothing is written).
   */
  async finishWithNodes(
    jobId: number,
    worker: string,
    attempt: number,
    outcome: { status: JobStatus; result: JobResult | null; error: JobErrorView | null; progress: number },
    nodes: NewJobNode[],
  ): Promise<{ admitted: number[]; inserted: number } | null> {
    const [row] = await this.sql.prepared<{ done: { admitted: number[]; inserted: number } | null }>(
      'orchestration.finish_job_with_nodes',
      'SELECT orchestration.finish_job_with_nodes($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7, $8, $9::jsonb) AS done',
      [jobId, worker, ...outcomeParams(outcome), this.config.ORG_CONCURRENCY_LIMIT, attempt, JSON.stringify(nodes)],
    );
    return row?.done ?? null;
  }

  /**
   * Node rows of a running job, in one statement, and the job's progress; `owned` is false when the
   * worker no longer holds the job. `inserted` < rows given means a node had been persisted before.
   */
  async persistNodes(jobId: number, worker: string, attempt: number, nodes: NewJobNode[], progress: number): Promise<{ inserted: number; owned: boolean }> {
    // The job row is updated (and so locked) first and the rows go in only while this worker holds
    // the job: a job deleted meanwhile (its workflow or organization deleted) writes nothing, where
    // an unconditional insert would break the foreign key and look like an outage.
    const [row] = await this.sql.query<{ inserted: number; owned: boolean }>(
      `WITH upd AS (
         UPDATE ${J} SET progress = GREATEST(progress, $5), updated_at = now()
         WHERE id = $1 AND worker = $2 AND status = 'running' RETURNING 1),
       ins AS (
         INSERT INTO ${N} (job_id, node_id, type, status, output, chunks, annotation, truncated, attempt, started_at, finished_at, duration_ms)
         SELECT $1, n.node_id, n.type, n.status, n.output, n.chunks, n.annotation, coalesce(n.truncated, false), $3,
             n.started_at, coalesce(n.finished_at, now()), coalesce(n.duration_ms, 0)
           FROM jsonb_to_recordset($4::jsonb) AS n(node_id text, type text, status text, output jsonb, chunks jsonb, annotation jsonb,
             truncated boolean, started_at timestamptz, finished_at timestamptz, duration_ms integer)
          WHERE EXISTS (SELECT 1 FROM upd)
         ON CONFLICT (job_id, node_id) DO NOTHING RETURNING 1)
       SELECT (SELECT count(*) FROM ins)::int AS inserted, EXISTS (SELECT 1 FROM upd) AS owned`,
      [jobId, worker, attempt, JSON.stringify(nodes), progress],
    );
    return row ?? { inserted: 0, owned: false };
  }

  /**
   * Marks published jobs that are still waiting in the queue. A job a worker already claimed needs no
   * mark (the relay only looks at pending jobs), so under a moving queue this usually writes nothing.
   */
  async markPublished(ids: number[]): Promise<void> {
    if (ids.length) await this.sql.query(`UPDATE ${J} SET published_at = now() WHERE id = ANY($1::int[]) AND status = 'pending'`, [ids]);
  }

  /** Admitted jobs that never reached the queue (the api died or NATS failed between commit and publish). */
  unpublished(olderThanMs: number): Promise<{ id: number }[]> {
    return this.sql.query<{ id: number }>(
      `SELECT id FROM ${J} WHERE status = 'pending' AND admitted_at IS NOT NULL AND published_at IS NULL
         AND admitted_at < now() - make_interval(secs => $1::float8 / 1000) ORDER BY id LIMIT 500`,
      [olderThanMs],
    );
  }

  /** Organizations with jobs waiting for a slot. */
  async waitingOrganizations(): Promise<number[]> {
    const rows = await this.sql.query<{ organization_id: number }>(
      `SELECT DISTINCT organization_id FROM ${J} WHERE status = 'pending' AND admitted_at IS NULL`,
    );
    return rows.map((r) => r.organization_id);
  }
}
