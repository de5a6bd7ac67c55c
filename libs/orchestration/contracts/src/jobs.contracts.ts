import { event, rpc } from '@alien/contracts';
import { Page, PageQuery } from '@alien/envelope';
import { WorkflowEdgeView, WorkflowNodeView } from './workflows.contracts';

// Runs, jobs, their events (SSE), metrics and consumption.

/** `pending → running → completed | failed | cancelled`. */
export const JOB_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TERMINAL_JOB_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];
export function isTerminalJobStatus(status: string): boolean {
  return (TERMINAL_JOB_STATUSES as readonly string[]).includes(status);
}

export const JOB_ORDER_BY = ['id', 'createdAt', 'finishedAt', 'status'] as const;
export type JobOrderBy = (typeof JOB_ORDER_BY)[number];

/** What existing clients read: `result.results["<nodeId>"][0]`, `result.stream["<nodeId>"].chunks`. */
export interface JobResult {
  results: Record<string, unknown[]>;
  stream: Record<string, { chunks: unknown[]; status?: 'streaming' | 'complete' }>;
}

export interface JobErrorView {
  code: string;
  message: string;
  nodeId?: string;
}

export interface JobView {
  id: number;
  slug: string;
  status: JobStatus;
  /** 0–100: finished nodes over all nodes (100 once completed). */
  progress: number;
  workflowId: number;
  /** The workflow's graph version the job runs. */
  graphVersion: number;
  organizationId: number;
  userId: number | null;
  presetId: number | null;
  input: Record<string, unknown>;
  result: JobResult;
  /** The graph's nodes, each with `data.isExecuted`, `data.outputs[]` and `data.errors[]`. */
  nodes: WorkflowNodeView[];
  error: JobErrorView | null;
  attempts: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
}

/** A job without its graph and result (lists). */
export type JobSummaryView = Omit<JobView, 'nodes' | 'result' | 'input'>;

export interface RunRequest {
  workflowId: number;
  input?: Record<string, unknown>;
  nodes?: WorkflowNodeView[];
  edges?: WorkflowEdgeView[];
  presetId?: number;
  idempotencyKey?: string;
}

export interface JobListRequest {
  page: PageQuery<JobOrderBy>;
  status?: JobStatus;
  workflowId?: number;
  from?: string;
  to?: string;
}

export interface NodeTiming {
  nodeId: string;
  type: string;
  status: 'completed' | 'failed';
  startedAt: string | null;
  finishedAt: string;
  durationMs: number;
  attempt: number;
  truncated: boolean;
}

export interface UsageView {
  kind: 'model' | 'connector' | 'cluster';
  refId: string;
  name: string | null;
  nodeId: string;
  quantity: number;
  unit: string;
  unitPrice: number;
  cost: number;
}

export interface ComputeContextView {
  jobId: number;
  status: JobStatus;
  worker: string | null;
  attempts: number;
  /** From creation to the first start, ms (null while pending). */
  queueWaitMs: number | null;
  runMs: number | null;
  nodes: NodeTiming[];
  clusters: string[];
  models: string[];
  connectors: string[];
  usage: UsageView[];
  units: { tokens: number; externalUnits: number; cost: number };
  deadLetterReason: string | null;
}

export interface MetricsRequest {
  workflowId: number;
  from?: string;
  to?: string;
  interval: 'hour' | 'day';
}

export interface RunStats {
  runs: number;
  byStatus: Record<JobStatus, number>;
  /** completed ÷ finished (completed + failed + cancelled); null without finished runs. */
  successRate: number | null;
  p50DurationMs: number | null;
  p95DurationMs: number | null;
}

export interface WorkflowMetricsView extends RunStats {
  workflowId: number;
  from: string;
  to: string;
  interval: 'hour' | 'day';
  series: (RunStats & { bucket: string })[];
  nodes: { nodeId: string; type: string; runs: number; avgDurationMs: number }[];
}

export const CONSUMPTION_GROUP_BY = ['workflow', 'model', 'connector'] as const;
export type ConsumptionGroupBy = (typeof CONSUMPTION_GROUP_BY)[number];

export interface ConsumptionRow {
  /** The workflow id, model or connector reference of the group. */
  key: string;
  name: string | null;
  quantity: number;
  unit: string;
  cost: number;
  jobs: number;
}

export interface ConsumptionView {
  from: string;
  to: string;
  groupBy: ConsumptionGroupBy;
  totalCost: number;
  rows: ConsumptionRow[];
}

/**
 * What the gateway needs to open `GET /jobs/{id}/stream`: the job as the caller may see it (404
 * otherwise) — its snapshot for `init` while nothing was published yet, and whether it has ended.
 */
export interface JobStreamOpening {
  job: JobView;
  /** The per-job subject of its events (without the deployment's prefix). */
  subject: string;
}

/** One job event on JetStream, as the SSE stream sends it in `data:` (`type` update or done). */
export interface JobEvent {
  type: 'update' | 'done';
  /** What happened: status, node.started, node.finished, node.failed, node.skipped, chunk. */
  event: 'status' | 'node.started' | 'node.finished' | 'node.failed' | 'node.skipped' | 'chunk';
  jobId: number;
  status: JobStatus;
  progress: number;
  nodeId?: string;
  /** `node.finished`: what the node produced (also for nodes that are not output nodes). */
  output?: unknown;
  /**
   * `update`: the delta to merge (`results[nodeId]` set, `stream[nodeId].chunks` appended);
   * `done`: the whole final result.
   */
  result: Partial<JobResult>;
  /** The output and result were too large for the message bus and are left out (read the job instead). */
  resultOmitted?: true;
  error?: JobErrorView | null;
  at: string;
}

export const JobContracts = {
  run: rpc<RunRequest, JobView>('orchestration.workflow.run.v1'),
  jobs: {
    list: rpc<JobListRequest, Page<JobSummaryView>>('orchestration.job.list.v1'),
    get: rpc<{ id: number }, JobView>('orchestration.job.get.v1'),
    latest: rpc<{ workflowId: number }, JobView>('orchestration.job.latest.v1'),
    cancel: rpc<{ id: number }, JobView>('orchestration.job.cancel.v1'),
    computeContext: rpc<{ id: number }, ComputeContextView>('orchestration.job.compute-context.v1'),
    openStream: rpc<{ id: number }, JobStreamOpening>('orchestration.job.open-stream.v1'),
  },
  metrics: {
    workflow: rpc<MetricsRequest, WorkflowMetricsView>('orchestration.workflow.metrics.v1'),
  },
  consumption: {
    workflow: rpc<{ workflowId: number; from?: string; to?: string; groupBy: ConsumptionGroupBy }, ConsumptionView>(
      'orchestration.workflow.consumption.v1',
    ),
    organization: rpc<{ from?: string; to?: string; groupBy: ConsumptionGroupBy }, ConsumptionView>(
      'orchestration.consumption.get.v1',
    ),
  },
} as const;

/**
 * JetStream: the work queue (one message per admitted job), the per-job event subjects the SSE
 * streams read (`<progressed>.<jobId>`), cancel requests every worker hears, and dead letters.
 */
export const JobEvents = {
  queued: event<{ jobId: number }>('orchestration.job.queued.v1'),
  progressed: event<JobEvent>('orchestration.job.progressed.v1'),
  cancelRequested: event<{ jobId: number }>('orchestration.job.cancel-requested.v1'),
  deadLettered: event<{ jobId: number; reason: string; attempts: number }>('orchestration.job.dead-lettered.v1'),
} as const;

export const JOB_QUEUE_STREAM = 'ORCHESTRATION_JOBS';
export const JOB_EVENTS_STREAM = 'ORCHESTRATION_JOB_EVENTS';
export const JOB_DEAD_LETTER_STREAM = 'ORCHESTRATION_JOB_DEAD_LETTERS';

/** The subject of one job's events (prefix it with the deployment's NATS subject prefix). */
export function jobEventSubject(jobId: number): string {
  return `${JobEvents.progressed.subject}.${jobId}`;
}

/** Folds an event into a cumulative result (what `init` carries): results set, chunks appended. */
export function mergeJobResult(into: JobResult, delta: Partial<JobResult> | undefined): JobResult {
  if (!delta) return into;
  for (const [nodeId, outputs] of Object.entries(delta.results ?? {})) into.results[nodeId] = outputs;
  for (const [nodeId, part] of Object.entries(delta.stream ?? {})) {
    const target = (into.stream[nodeId] ??= { chunks: [] });
    target.chunks.push(...(part?.chunks ?? []));
    if (part?.status) target.status = part.status;
  }
  return into;
}
