import { JobErrorView, JobEvent, JobResult, JobStatus, isTerminalJobStatus } from '@alien/orchestration/contracts';
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Consumer, JSONCodec, JsMsg, Subscription } from 'nats';
import { PinoLogger } from 'nestjs-pino';
import type { OrchestrationConfig } from '../config';
import { CompletedNode, RunEvent, RunOutcome, UsageRecord, buildJobResult, runWorkflow } from '../engine/engine';
import { JobNodeRow, JobRow, JobStore } from '../jobs/job-store';
import { JobBus } from '../queue/job-bus';
import { JobDispatcher } from '../queue/job-dispatcher';
import { ORCHESTRATION_CONFIG } from '../shared/tokens';
import { NodeServicesFactory } from './node-services';

const codec = JSONCodec<{ jobId?: number }>();
const J = 'orchestration.jobs';
const N = 'orchestration.job_nodes';

type StopReason = 'cancel' | 'shutdown' | 'lease_lost';

interface Running {
  abort: AbortController;
  reason?: StopReason;
}

/** A failure of the platform (database, NATS) rather than of the job: the delivery is retried. */
class InfrastructureError extends Error {}

function backoffList(spec: string): number[] {
  return spec.split(',').map((s) => Number(s.trim()));
}

/**
 * Executes jobs from the JetStream work queue. Per delivery: claim the job in Postgres (a lease, so a
 * stale duplicate never runs it twice), resume after the nodes an earlier attempt finished, persist
 * each node's result as it finishes, publish every event on the job's subject, heart-beat JetStream
 * (`msg.working()`) and the lease while nodes run, then finish the job exactly once (a conditional
 * update), admit the organization's next waiting job and ack. Infrastructure errors nak with
 * back-off; a job delivered more than JOB_MAX_ATTEMPTS times fails with a dead-letter reason.
 */
@Injectable()
export class JobWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly running = new Map<number, Running>();
  private inflight = 0;
  private wakeUp: (() => void) | null = null;
  private stopping = false;
  private loopDone: Promise<void> = Promise.resolve();
  private cancelSub?: Subscription;
  private readonly backoff: number[];
  private readonly heartbeatMs: number;
  private readonly leaseMs: number;

  constructor(
    private readonly bus: JobBus,
    private readonly store: JobStore,
    private readonly dispatcher: JobDispatcher,
    private readonly services: NodeServicesFactory,
    private readonly logger: PinoLogger,
    @Inject(ORCHESTRATION_CONFIG) private readonly config: OrchestrationConfig,
  ) {
    logger.setContext(JobWorker.name);
    this.backoff = backoffList(config.JOB_RETRY_BACKOFF_MS);
    this.heartbeatMs = Math.max(200, Math.floor(config.JOB_ACK_WAIT_MS / 3));
    // Shorter than the ack wait: when JetStream redelivers, the silent worker's lease has expired.
    this.leaseMs = Math.floor(config.JOB_ACK_WAIT_MS * 0.9);
  }

  get workerId(): string {
    return this.bus.workerId;
  }

  async onApplicationBootstrap(): Promise<void> {
    const consumer = await this.bus.workerConsumer();
    this.cancelSub = this.bus.onCancelRequested((jobId) => this.stop(jobId, 'cancel'));
    this.loopDone = this.loop(consumer);
    this.logger.info({ worker: this.workerId, concurrency: this.config.WORKER_CONCURRENCY }, 'job worker started');
  }

  private stop(jobId: number, reason: StopReason): void {
    const entry = this.running.get(jobId);
    if (!entry || entry.abort.signal.aborted) return;
    entry.reason = reason;
    entry.abort.abort(reason);
  }

  private async loop(consumer: Consumer): Promise<void> {
    while (!this.stopping) {
      const free = this.config.WORKER_CONCURRENCY - this.inflight;
      if (free <= 0) {
        await new Promise<void>((resolve) => (this.wakeUp = resolve));
        continue;
      }
      try {
        const batch = await consumer.fetch({ max_messages: free, expires: 1_000 });
        for await (const msg of batch) {
          if (this.stopping) {
            msg.nak();
            continue;
          }
          this.inflight++;
          void this.handle(msg).finally(() => {
            this.inflight--;
            const wake = this.wakeUp;
            this.wakeUp = null;
            wake?.();
          });
        }
      } catch (err) {
        if (this.stopping) break;
        this.logger.warn({ err }, 'fetching jobs failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private delayFor(attempt: number): number {
    return this.backoff[Math.min(Math.max(attempt - 1, 0), this.backoff.length - 1)] ?? 1_000;
  }

  async handle(msg: JsMsg): Promise<void> {
    const jobId = codec.decode(msg.data).jobId;
    if (typeof jobId !== 'number') {
      msg.term('not a job message');
      return;
    }
    // Registered before the claim: a cancel request that arrives from now on reaches this job.
    const entry: Running = { abort: new AbortController() };
    this.running.set(jobId, entry);
    let claimed: JobRow | null = null;
    try {
      const claim = await this.claim(jobId);
      if (claim.kind === 'gone') {
        if (claim.status && isTerminalJobStatus(claim.status)) await this.ensureDone(jobId);
        msg.ack();
        return;
      }
      if (claim.kind === 'busy') {
        msg.nak(claim.retryMs);
        return;
      }
      claimed = claim.job;
      if (claimed.attempts > this.config.JOB_MAX_ATTEMPTS) {
        await this.deadLetter(claimed, `Gave up after ${claimed.attempts - 1} attempts (the worker kept failing or dying)`);
        msg.term('max attempts');
        return;
      }
      await this.execute(claimed, msg, entry);
    } catch (err) {
      const attempt = claimed?.attempts ?? msg.info.redeliveryCount;
      const delay = this.delayFor(attempt);
      this.logger.error({ err, jobId, attempt, retryInMs: delay }, 'job attempt failed on an infrastructure error; retrying');
      if (claimed) {
        await this.store.sql
          .query(`UPDATE ${J} SET lease_until = now() WHERE id = $1 AND worker = $2 AND status = 'running'`, [jobId, this.workerId])
          .catch(() => undefined);
      }
      msg.nak(delay);
    } finally {
      this.running.delete(jobId);
    }
  }

  private async claim(
    jobId: number,
  ): Promise<{ kind: 'claimed'; job: JobRow } | { kind: 'gone'; status?: JobStatus } | { kind: 'busy'; retryMs: number }> {
    const [job] = await this.store.sql.query<JobRow>(
      `UPDATE ${J} SET status = 'running', attempts = attempts + 1, worker = $2,
         lease_until = now() + make_interval(secs => $3::float8 / 1000), started_at = COALESCE(started_at, now()), updated_at = now()
       WHERE id = $1 AND (status = 'pending' OR (status = 'running' AND lease_until < now()))
       RETURNING *`,
      [jobId, this.workerId, this.leaseMs],
    );
    if (job) return { kind: 'claimed', job };
    const [current] = await this.store.sql.query<{ status: JobStatus; lease_ms: number | null }>(
      `SELECT status, (extract(epoch FROM lease_until - now()) * 1000)::int AS lease_ms FROM ${J} WHERE id = $1`,
      [jobId],
    );
    if (!current || current.status !== 'running') return { kind: 'gone', status: current?.status };
    return { kind: 'busy', retryMs: Math.max(100, (current.lease_ms ?? 0) + 100) };
  }

  private async execute(job: JobRow, msg: JsMsg, entry: Running): Promise<void> {
    // A first delivery has nothing persisted yet; later ones resume after what earlier attempts finished.
    const previous = job.attempts > 1 ? await this.store.nodes(job.id) : [];
    const completed: Record<string, CompletedNode> = {};
    for (const n of previous) {
      if (n.status !== 'completed') continue;
      const done: CompletedNode = { output: n.output, durationMs: n.duration_ms };
      if (n.annotation?.branches) done.branches = n.annotation.branches;
      if (n.truncated) done.truncated = true;
      if (n.chunks?.length) done.chunks = n.chunks as CompletedNode['chunks'];
      completed[n.node_id] = done;
    }
    const total = Math.max(1, job.graph?.nodes?.length ?? 1);
    // Nodes whose output is part of the job's result (output, http_response, isOutput…), as the engine decides.
    const answering = new Set(
      Object.keys(buildJobResult(job.graph as never, Object.fromEntries((job.graph?.nodes ?? []).map((n) => [n.id, null]))).results),
    );
    const ended = new Set(previous.map((n) => n.node_id));
    const progress = () => Math.min(99, Math.round((100 * ended.size) / total));
    const publish = (event: Omit<JobEvent, 'jobId' | 'at' | 'status' | 'progress' | 'type'> & Partial<JobEvent>) => {
      const full: JobEvent = { type: 'update', jobId: job.id, status: 'running', progress: progress(), at: new Date().toISOString(), ...event } as JobEvent;
      try {
        this.bus.publishUpdate(full);
      } catch (err) {
        this.logger.warn({ err, jobId: job.id }, 'event publish failed');
      }
    };
    const chunks = new Map<string, unknown[]>();
    const started = new Map<string, Date>();

    const heartbeat = setInterval(() => {
      msg.working();
      void this.store.sql
        .query<{ cancel_requested_at: Date | null }>(
          `UPDATE ${J} SET lease_until = now() + make_interval(secs => $3::float8 / 1000)
           WHERE id = $1 AND worker = $2 AND status = 'running' RETURNING cancel_requested_at`,
          [job.id, this.workerId, this.leaseMs],
        )
        .then(
          ([row]) => {
            if (!row) this.stop(job.id, 'lease_lost');
            else if (row.cancel_requested_at) this.stop(job.id, 'cancel');
          },
          (err: unknown) => this.logger.warn({ err, jobId: job.id }, 'lease heartbeat failed'),
        );
    }, this.heartbeatMs);

    if (job.cancel_requested_at) this.stop(job.id, 'cancel');
    // No separate "running" event: the first node.started (right after the claim) carries the status.

    const onEvent = async (event: RunEvent): Promise<void> => {
      switch (event.type) {
        case 'node.started':
          started.set(event.nodeId, new Date(event.at));
          publish({ event: 'node.started', nodeId: event.nodeId, result: {} });
          return;
        case 'stream.chunk': {
          const list = chunks.get(event.nodeId) ?? [];
          list.push(event.chunk);
          chunks.set(event.nodeId, list);
          publish({ event: 'chunk', nodeId: event.nodeId, result: { stream: { [event.nodeId]: { chunks: [event.chunk], status: 'streaming' } } } });
          return;
        }
        case 'node.finished': {
          await this.persistNode(job, {
            nodeId: event.nodeId,
            type: event.nodeType,
            status: 'completed',
            output: event.output,
            chunks: chunks.get(event.nodeId) ?? null,
            annotation: event.branches ? { branches: event.branches } : null,
            truncated: event.truncated === true,
            startedAt: started.get(event.nodeId) ?? null,
            durationMs: event.durationMs,
            usage: event.usage,
            progress: Math.min(99, Math.round((100 * (ended.size + 1)) / total)),
          });
          ended.add(event.nodeId);
          const streamed = chunks.has(event.nodeId);
          publish({
            event: 'node.finished',
            nodeId: event.nodeId,
            output: event.output,
            result: {
              ...(answering.has(event.nodeId) ? { results: { [event.nodeId]: [event.output] } } : {}),
              ...(streamed ? { stream: { [event.nodeId]: { chunks: [], status: 'complete' as const } } } : {}),
            },
          });
          return;
        }
        case 'node.failed': {
          await this.persistNode(job, {
            nodeId: event.nodeId,
            type: event.nodeType,
            status: 'failed',
            output: null,
            chunks: chunks.get(event.nodeId) ?? null,
            annotation: { error: event.error as JobErrorView },
            truncated: false,
            startedAt: started.get(event.nodeId) ?? null,
            durationMs: event.durationMs,
            usage: event.usage,
            progress: progress(),
          });
          ended.add(event.nodeId);
          publish({ event: 'node.failed', nodeId: event.nodeId, error: event.error as JobErrorView, result: {} });
          return;
        }
        case 'node.skipped':
          ended.add(event.nodeId);
          publish({ event: 'node.skipped', nodeId: event.nodeId, result: {} });
          return;
      }
    };

    let outcome: RunOutcome;
    try {
      outcome = await runWorkflow({
        graph: job.graph as never,
        input: job.input,
        jobId: String(job.id),
        completed,
        services: this.services.forJob(job),
        signal: entry.abort.signal,
        limits: this.services.limits,
        http: this.services.http,
        onEvent,
      });
    } catch (err) {
      clearInterval(heartbeat);
      if (entry.reason === 'shutdown') {
        msg.nak();
        return;
      }
      if (entry.reason === 'lease_lost') {
        msg.ack();
        return;
      }
      throw new InfrastructureError((err as Error)?.message ?? String(err), { cause: err });
    }
    clearInterval(heartbeat);

    if (entry.reason === 'shutdown') {
      // Stopped by our own shutdown: another worker resumes it after the nodes persisted so far.
      await this.store.sql
        .query(`UPDATE ${J} SET lease_until = now() WHERE id = $1 AND worker = $2 AND status = 'running'`, [job.id, this.workerId])
        .catch(() => undefined);
      msg.nak();
      return;
    }
    if (entry.reason === 'lease_lost') {
      msg.ack();
      return;
    }
    const status: JobStatus = entry.reason === 'cancel' ? 'cancelled' : outcome.status;
    const error: JobErrorView | null =
      status === 'completed'
        ? null
        : status === 'cancelled'
          ? { code: 'cancelled', message: 'Cancelled while running' }
          : ((outcome.error as JobErrorView | undefined) ?? { code: 'node_error', message: 'The job failed' });
    // Updates went out on this connection before `done`: JetStream stores them in that order.
    await this.finish(job, status, outcome.result as JobResult, error, status === 'completed' ? 100 : progress());
    msg.ack();
  }

  private async persistNode(
    job: JobRow,
    node: {
      nodeId: string;
      type: string;
      status: 'completed' | 'failed';
      output: unknown;
      chunks: unknown[] | null;
      annotation: JobNodeRow['annotation'];
      truncated: boolean;
      startedAt: Date | null;
      durationMs: number;
      usage?: UsageRecord[];
      progress: number;
    },
  ): Promise<void> {
    const rows = await this.store.sql.query<{ inserted: number; owned: boolean }>(
      `WITH ins AS (
         INSERT INTO ${N} (job_id, node_id, type, status, output, chunks, annotation, truncated, attempt, started_at, duration_ms)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8, $9, $10, $11)
         ON CONFLICT (job_id, node_id) DO NOTHING RETURNING 1),
       upd AS (
         UPDATE ${J} SET progress = GREATEST(progress, $12), updated_at = now()
         WHERE id = $1 AND worker = $13 AND status = 'running' RETURNING 1)
       SELECT (SELECT count(*) FROM ins)::int AS inserted, EXISTS (SELECT 1 FROM upd) AS owned`,
      [
        job.id,
        node.nodeId,
        node.type,
        node.status,
        JSON.stringify(node.output ?? null),
        node.chunks ? JSON.stringify(node.chunks) : null,
        node.annotation ? JSON.stringify(node.annotation) : null,
        node.truncated,
        job.attempts,
        node.startedAt,
        Math.round(node.durationMs),
        node.progress,
        this.workerId,
      ],
    );
    const result = rows[0];
    if (result && result.inserted === 0) {
      // Must never happen: the engine skips nodes listed in `completed`.
      this.logger.error({ jobId: job.id, nodeId: node.nodeId }, 'finished node re-ran');
    }
    if (result && !result.owned) this.stop(job.id, 'lease_lost');
    if (node.usage?.length) await this.recordUsage(job, node.nodeId, node.usage);
  }

  private async recordUsage(job: JobRow, nodeId: string, usage: UsageRecord[]): Promise<void> {
    const rows = usage.flatMap((u) => {
      switch (u.kind) {
        case 'model': {
          const { cost, name } = this.services.costOf(job.id, u.model, u.promptTokens, u.completionTokens);
          const unitPrice = u.totalTokens ? cost / u.totalTokens : 0;
          return [['model', String(u.modelId ?? u.model), name ?? String(u.model), u.totalTokens, 'tokens', unitPrice]];
        }
        case 'external': {
          const { price, name } = this.services.unitPriceOf(job.id, u.connectorId, u.endpointId);
          return [['connector', String(u.connectorId), name ?? `endpoint ${u.endpointId}`, u.units, 'units', price]];
        }
        case 'cluster':
          return [['cluster', String(u.clusterId), u.operation, 1, 'requests', 0]];
        default:
          return [];
      }
    });
    for (const [kind, ref, name, quantity, unit, price] of rows) {
      await this.store.sql.query(
        `INSERT INTO orchestration.job_usage (job_id, organization_id, workflow_id, node_id, kind, ref_id, name, quantity, unit, unit_price, cost)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $8::numeric * $10::numeric)`,
        [job.id, job.organization_id, job.workflow_id, nodeId, kind, ref, name, quantity, unit, price],
      );
    }
  }

  /** The one terminal transition of a job (conditional on still holding it), then `done` and admission. */
  private async finish(job: JobRow, status: JobStatus, result: JobResult, error: JobErrorView | null, progress: number): Promise<void> {
    const admitted = await this.store.finish(job.id, this.workerId, { status, result, error, progress });
    if (!admitted) {
      this.logger.warn({ jobId: job.id }, 'job changed hands before it finished here; not finishing it twice');
      return;
    }
    this.services.forget(job.id);
    await this.publishDone(job.id, status, progress, result, error);
    void this.dispatcher.dispatch(admitted);
  }

  private async publishDone(jobId: number, status: JobStatus, progress: number, result: JobResult, error: JobErrorView | null): Promise<void> {
    await this.bus
      .publishDone({ type: 'done', event: 'status', jobId, status, progress, result, error, at: new Date().toISOString() })
      .catch((err: unknown) => this.logger.error({ err, jobId }, 'done event publish failed'));
  }

  /** A delivery of a job that already ended: make sure its `done` event exists (the worker may have died right after finishing). */
  private async ensureDone(jobId: number): Promise<void> {
    if (await this.bus.hasDone(jobId)) return;
    const view = await this.store.view(jobId);
    if (view && isTerminalJobStatus(view.status)) await this.publishDone(jobId, view.status, view.progress, view.result, view.error);
  }

  private async deadLetter(job: JobRow, reason: string): Promise<void> {
    const error: JobErrorView = { code: 'dead_lettered', message: reason };
    const view = await this.store.view(job.id);
    const result = view?.result ?? { results: {}, stream: {} };
    const admitted = await this.store.finish(job.id, this.workerId, { status: 'failed', result, error, progress: job.progress, deadLetterReason: reason });
    if (!admitted) return;
    this.logger.error({ jobId: job.id, attempts: job.attempts - 1, reason }, 'job dead-lettered');
    await this.bus.deadLetter({ jobId: job.id, reason, attempts: job.attempts - 1 }).catch(() => undefined);
    await this.publishDone(job.id, 'failed', job.progress, result, error);
    void this.dispatcher.dispatch(admitted);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    this.wakeUp?.();
    this.cancelSub?.unsubscribe();
    for (const jobId of this.running.keys()) this.stop(jobId, 'shutdown');
    const deadline = Date.now() + 5_000;
    while (this.inflight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await Promise.race([this.loopDone, new Promise((r) => setTimeout(r, 1_500))]);
  }
}
