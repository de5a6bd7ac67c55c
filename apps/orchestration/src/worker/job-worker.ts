import { JobErrorView, JobEvent, JobResult, JobStatus, isTerminalJobStatus } from '@alien/orchestration/contracts';
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Consumer, JSONCodec, JsMsg, Subscription } from 'nats';
import { PinoLogger } from 'nestjs-pino';
import type { OrchestrationConfig } from '../config';
import { CompletedNode, RunEvent, RunOutcome, UsageRecord, buildJobResult, isPureNodeType, runWorkflow } from '../engine/engine';
import { JobRow, JobStore, NewJobNode } from '../jobs/job-store';
import { JobBus } from '../queue/job-bus';
import { JobDispatcher } from '../queue/job-dispatcher';
import { ORCHESTRATION_CONFIG } from '../shared/tokens';
import { NodeServicesFactory } from './node-services';

const codec = JSONCodec<{ jobId?: number }>();
const J = 'orchestration.jobs';

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
    const [job] = await this.store.sql.prepared<JobRow>(
      'orchestration.claim_job',
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
    const chunks = new Map<string, unknown[]>();
    const started = new Map<string, Date>();

    // Pure nodes (no effect outside the run: input, output, edit_fields, condition, …) are kept in
    // memory: their rows in `unsaved`, every event in `held`. Both go out with the next write the job
    // needs anyway: before a node with side effects starts (so what it may depend on is durable),
    // when it finishes (its own row, persisted as it finishes, as always), or with the finishing
    // write. Events are published only after that write, in order: nobody sees a node finish that is
    // not durable. A worker that dies in between loses those rows and the next attempt runs those
    // pure nodes again, which nobody can observe: same inputs, same outputs, no effect outside, and
    // none of their events was published.
    const unsaved: NewJobNode[] = [];
    const held: JobEvent[] = [];
    let writes: Promise<void> = Promise.resolve();
    /** Persists the rows kept so far (if any) and `then`, then publishes the held events in order; serialised. */
    const flush = (then?: () => Promise<void>): Promise<void> => {
      const step = writes.then(async () => {
        const rows = unsaved.splice(0);
        const events = held.splice(0);
        if (rows.length) await this.persistNodes(job, rows, progress());
        await then?.();
        this.sendUpdates(events);
      });
      writes = step.catch(() => undefined);
      return step;
    };
    const publish = (event: Omit<JobEvent, 'jobId' | 'at' | 'status' | 'progress' | 'type'> & Partial<JobEvent>) => {
      held.push({ type: 'update', jobId: job.id, status: 'running', progress: progress(), at: new Date().toISOString(), ...event } as JobEvent);
    };
    const rowOf = (
      event: { nodeId: string; nodeType: string; at: string; durationMs: number },
      status: NewJobNode['status'],
      output: unknown,
      annotation: NewJobNode['annotation'],
      truncated: boolean,
    ): NewJobNode => ({
      node_id: event.nodeId,
      type: event.nodeType,
      status,
      output: output ?? null,
      chunks: chunks.get(event.nodeId) ?? null,
      annotation,
      truncated,
      started_at: started.get(event.nodeId)?.toISOString() ?? null,
      finished_at: event.at,
      duration_ms: Math.round(event.durationMs),
    });

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
      const pure = isPureNodeType(event.nodeType);
      switch (event.type) {
        case 'node.started':
          started.set(event.nodeId, new Date(event.at));
          publish({ event: 'node.started', nodeId: event.nodeId, result: {} });
          if (!pure) await flush();
          return;
        case 'stream.chunk': {
          const list = chunks.get(event.nodeId) ?? [];
          list.push(event.chunk);
          chunks.set(event.nodeId, list);
          publish({ event: 'chunk', nodeId: event.nodeId, result: { stream: { [event.nodeId]: { chunks: [event.chunk], status: 'streaming' } } } });
          if (!pure) await flush();
          return;
        }
        case 'node.finished': {
          const usage = event.usage?.length ? event.usage : undefined;
          unsaved.push(rowOf(event, 'completed', event.output, event.branches ? { branches: event.branches } : null, event.truncated === true));
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
          if (!pure) await flush(usage && (() => this.recordUsage(job, event.nodeId, usage)));
          return;
        }
        case 'node.failed': {
          const usage = event.usage?.length ? event.usage : undefined;
          unsaved.push(rowOf(event, 'failed', null, { error: event.error as JobErrorView }, false));
          ended.add(event.nodeId);
          publish({ event: 'node.failed', nodeId: event.nodeId, error: event.error as JobErrorView, result: {} });
          if (!pure) await flush(usage && (() => this.recordUsage(job, event.nodeId, usage)));
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
    // The pure nodes' rows go with the finishing write; their held events follow it, then `done`.
    // Updates went out on this connection before `done`: JetStream stores them in that order.
    await writes;
    await this.finish(job, status, outcome.result as JobResult, error, status === 'completed' ? 100 : progress(), unsaved.splice(0), held.splice(0));
    msg.ack();
  }

  private async persistNodes(job: JobRow, rows: NewJobNode[], progress: number): Promise<void> {
    const result = await this.store.persistNodes(job.id, this.workerId, job.attempts, rows, progress);
    if (!result.owned) {
      // Another worker holds it now, or it is gone (cancelled, or its workflow or organization deleted).
      this.stop(job.id, 'lease_lost');
      return;
    }
    if (result.inserted < rows.length) {
      // Must never happen: the engine skips nodes listed in `completed`.
      this.logger.error({ jobId: job.id, nodeIds: rows.map((r) => r.node_id) }, 'finished node re-ran');
    }
  }

  /**
   * Publishes held updates in order. A `node.started` held together with the same node's end (a pure
   * node, kept in memory until now) is left out: it would arrive after the fact and say nothing the
   * `node.finished`/`node.failed` right behind it does not.
   */
  private sendUpdates(events: JobEvent[]): void {
    const ended = new Set<string>();
    for (const e of events) if ((e.event === 'node.finished' || e.event === 'node.failed') && e.nodeId) ended.add(e.nodeId);
    for (const e of events) {
      if (e.event === 'node.started' && e.nodeId && ended.has(e.nodeId)) continue;
      try {
        this.bus.publishUpdate(e);
      } catch (err) {
        this.logger.warn({ err, jobId: e.jobId }, 'event publish failed');
      }
    }
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

  /**
   * The one terminal transition of a job (conditional on still holding it), written together with the
   * rows of the pure nodes kept in memory; then their held events, `done` and admission.
   */
  private async finish(
    job: JobRow,
    status: JobStatus,
    result: JobResult,
    error: JobErrorView | null,
    progress: number,
    rows: NewJobNode[],
    held: JobEvent[],
  ): Promise<void> {
    const done = await this.store.finishWithNodes(job.id, this.workerId, job.attempts, { status, result, error, progress }, rows);
    if (!done) {
      this.logger.warn({ jobId: job.id }, 'job changed hands before it finished here; not finishing it twice');
      return;
    }
    if (done.inserted < rows.length) this.logger.error({ jobId: job.id, nodeIds: rows.map((r) => r.node_id) }, 'finished node re-ran');
    this.services.forget(job.id);
    this.sendUpdates(held);
    await this.publishDone(job.id, status, progress, result, error);
    void this.dispatcher.dispatch(done.admitted);
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
