import {
  JobResult,
  JobStreamOpening,
  JobView,
  isTerminalJobStatus,
  mergeJobResult,
} from '@alien/orchestration/contracts';
import { ApiError } from '@alien/envelope';
import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { JOB_STREAM_CONFIG, JobStreamConfig } from '../config';
import { FeedEvent, JobEventFeed } from './job-event-feed';

interface OpenStream {
  res: ServerResponse;
  openedAt: number;
  lastWrite: number;
  close(): void;
}

/**
 * The snapshot `init` carries: the job as the service sees it (finished nodes from Postgres), then
 * the stored events folded in (status, progress, results; streamed chunks of nodes not finished yet).
 */
export function foldSnapshot(job: JobView, history: FeedEvent[]): { status: JobView['status']; progress: number; result: JobResult; error: JobView['error'] } {
  const snapshot = { status: job.status, progress: job.progress, result: structuredClone(job.result), error: job.error };
  if (isTerminalJobStatus(job.status)) return snapshot;
  const finished = new Set([...Object.keys(job.result.results), ...Object.keys(job.result.stream)]);
  for (const { event } of history) {
    if (event.type === 'done') {
      return { status: event.status, progress: event.progress, result: event.result as JobResult, error: event.error ?? null };
    }
    snapshot.status = event.status;
    snapshot.progress = Math.max(snapshot.progress, event.progress);
    const delta: Partial<JobResult> = { results: event.result.results };
    const stream = Object.fromEntries(Object.entries(event.result.stream ?? {}).filter(([nodeId]) => !finished.has(nodeId)));
    if (Object.keys(stream).length) delta.stream = stream;
    mergeJobResult(snapshot.result, delta);
  }
  return snapshot;
}

function frame(type: string, id: number, data: unknown): string {
  return `event: ${type}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Serves `GET /jobs/{id}/stream` on the raw response: `init` (full snapshot) first, then `update`s
 * and `done` from the live feed, resumable with `Last-Event-ID` (the JetStream sequence) without loss
 * or duplicates; a comment line as heartbeat; closes on `done` or after JOB_STREAM_MAX_MS. One timer
 * for all streams.
 */
@Injectable()
export class JobStreams implements OnModuleInit, OnModuleDestroy {
  private readonly open = new Set<OpenStream>();
  /** Open streams per organization (JOB_STREAMS_PER_ORGANIZATION). */
  private readonly perOrganization = new Map<number, number>();
  private ticker?: NodeJS.Timeout;

  constructor(
    private readonly feed: JobEventFeed,
    @Inject(JOB_STREAM_CONFIG) private readonly config: JobStreamConfig,
  ) {}

  onModuleInit(): void {
    const every = Math.min(1_000, this.config.JOB_STREAM_HEARTBEAT_MS);
    this.ticker = setInterval(() => this.tick(), every);
    this.ticker.unref();
  }

  get openStreams(): number {
    return this.open.size;
  }

  private tick(): void {
    const now = Date.now();
    for (const stream of this.open) {
      if (now - stream.openedAt >= this.config.JOB_STREAM_MAX_MS) stream.close();
      else if (now - stream.lastWrite >= this.config.JOB_STREAM_HEARTBEAT_MS) {
        stream.res.write(': heartbeat\n\n');
        stream.lastWrite = now;
      }
    }
  }

  /** 429 when the organization already holds JOB_STREAMS_PER_ORGANIZATION streams on this gateway. */
  assertRoom(organizationId: number): void {
    const limit = this.config.JOB_STREAMS_PER_ORGANIZATION;
    if ((this.perOrganization.get(organizationId) ?? 0) >= limit) {
      throw new ApiError(429, `Your organization already has ${limit} job streams open here; close some or reconnect later`, 'too_many_streams');
    }
  }

  /** Streams a job the caller may see (the opening came from the service, after its access check). */
  async serve(opening: JobStreamOpening, lastEventId: number | null, res: ServerResponse, headers: Record<string, string>): Promise<void> {
    const job = opening.job;
    if (lastEventId !== null && isTerminalJobStatus(job.status) && (await this.hadDone(job.id, lastEventId))) {
      // The client has the job's `done`: nothing more will come. 204 is how SSE says "do not reconnect".
      res.writeHead(204, headers);
      res.end();
      return;
    }
    const buffered: FeedEvent[] = [];
    let ready = false;
    let sent = lastEventId ?? 0;
    let closed = false;
    let unlisten: () => void = () => undefined;

    const organizationId = job.organizationId;
    this.perOrganization.set(organizationId, (this.perOrganization.get(organizationId) ?? 0) + 1);
    let released = false;
    /** Once, however the stream ends (done, max duration, error, the client leaving). */
    const release = () => {
      if (released) return;
      released = true;
      unlisten();
      this.open.delete(stream);
      const left = (this.perOrganization.get(organizationId) ?? 1) - 1;
      if (left > 0) this.perOrganization.set(organizationId, left);
      else this.perOrganization.delete(organizationId);
    };
    const stream: OpenStream = {
      res,
      openedAt: Date.now(),
      lastWrite: Date.now(),
      close: () => {
        if (closed) return;
        closed = true;
        release();
        res.end();
      },
    };
    const write = (type: string, id: number, data: unknown) => {
      if (closed) return;
      res.write(frame(type, id, data));
      stream.lastWrite = Date.now();
    };
    const deliver = ({ seq, event }: FeedEvent) => {
      if (seq <= sent || closed) return;
      sent = seq;
      write(event.type, seq, event);
      if (event.type === 'done') stream.close();
    };
    res.on('close', () => {
      closed = true;
      release();
    });

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
      ...headers,
    });
    res.flushHeaders();
    this.open.add(stream);

    try {
      // Listen first, then read where the stored events end: everything after that comes live.
      unlisten = await this.feed.listen(job.id, (event) => (ready ? deliver(event) : buffered.push(event)));
      if (released) {
        // The client left while the listener was being set up.
        unlisten();
        return;
      }
      const last = await this.feed.lastSeq(job.id);
      // An id beyond the job's last event was never sent by this stream (garbage, another job's, a
      // reset stream): resuming after it would drop every event, done included. Start over with init.
      if (lastEventId === null || lastEventId > last) {
        const history = last > 0 ? await this.feed.history(job.id, 0, last) : [];
        const snapshot = foldSnapshot(job, history);
        sent = last;
        write('init', last, { type: 'init', jobId: job.id, workflowId: job.workflowId, ...snapshot });
        if (isTerminalJobStatus(snapshot.status)) {
          write('done', last, { type: 'done', jobId: job.id, event: 'status', ...snapshot, at: new Date().toISOString() });
          stream.close();
          return;
        }
      } else {
        const history = last > lastEventId ? await this.feed.history(job.id, lastEventId, last) : [];
        for (const event of history) deliver(event);
        if (!closed && isTerminalJobStatus(job.status) && sent >= last) {
          // Its events already went out (or expired): end the stream the way a finished job ends.
          const snapshot = foldSnapshot(job, []);
          write('done', Math.max(last, lastEventId), { type: 'done', jobId: job.id, event: 'status', ...snapshot, at: new Date().toISOString() });
          stream.close();
          return;
        }
      }
      ready = true;
      for (const event of buffered.splice(0)) deliver(event);
    } catch {
      write('error', sent, { type: 'error', message: 'The job event stream is unavailable; reconnect with Last-Event-ID' });
      stream.close();
    }
  }

  /** Whether `lastEventId` is the id of the job's stored `done` (its last event). */
  private async hadDone(jobId: number, lastEventId: number): Promise<boolean> {
    try {
      const last = await this.feed.lastSeq(jobId);
      if (last === 0 || lastEventId !== last) return false;
      const [stored] = await this.feed.history(jobId, last - 1, last);
      return stored?.event.type === 'done';
    } catch {
      return false; // the stream below says what is wrong
    }
  }

  /**
   * Waits for a job to end (run-sync): listens before re-reading the job, so an end in between is
   * not missed. Resolves with the final job, or with the job as it is when `ms` pass.
   */
  async waitForEnd(jobId: number, ms: number, read: () => Promise<JobView>): Promise<{ job: JobView; ended: boolean }> {
    let resolveDone: () => void = () => undefined;
    const done = new Promise<void>((r) => (resolveDone = r));
    const unlisten = await this.feed.listen(jobId, ({ event }) => {
      if (event.type === 'done') resolveDone();
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      const current = await read();
      if (isTerminalJobStatus(current.status)) return { job: current, ended: true };
      const ended = await Promise.race([done.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)))]);
      const job = await read();
      return { job, ended: ended && isTerminalJobStatus(job.status) };
    } finally {
      clearTimeout(timer);
      unlisten();
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.ticker);
    for (const stream of this.open) stream.close();
  }
}
