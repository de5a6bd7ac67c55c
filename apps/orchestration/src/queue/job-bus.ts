import { natsCredentials } from '@alien/nest-rpc';
import {
  JOB_DEAD_LETTER_STREAM,
  JOB_EVENTS_STREAM,
  JOB_QUEUE_STREAM,
  JobEvent,
  JobEvents,
  jobEventSubject,
} from '@alien/orchestration/contracts';
import { streamName } from '@alien/nest-service';
import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import {
  AckPolicy,
  Consumer,
  DeliverPolicy,
  DiscardPolicy,
  JSONCodec,
  JetStreamClient,
  JetStreamManager,
  NatsConnection,
  PubAck,
  RetentionPolicy,
  StorageType,
  StreamConfig,
  Subscription,
  connect,
} from 'nats';
import { PinoLogger } from 'nestjs-pino';
import { hostname } from 'node:os';
import { ORCHESTRATION_CONFIG } from '../shared/tokens';
import type { OrchestrationConfig } from '../config';

const codec = JSONCodec<unknown>();
const NS = 1e6; // ns per ms
export const WORKERS_DURABLE = 'orchestration-workers';
/** Room left under max_payload for the subject and headers (msgID) of an event. */
const EVENT_HEADROOM_BYTES = 4_096;

/**
 * The service's JetStream side: the work queue (one message per admitted job, de-duplicated by job
 * id), the per-job event subjects SSE clients read, cancel requests every worker hears (core NATS),
 * and dead letters. Streams are created or updated at start by whichever role starts first.
 */
@Injectable()
export class JobBus implements OnModuleInit, OnApplicationShutdown {
  private nc?: NatsConnection;
  private js?: JetStreamClient;
  private jsm?: JetStreamManager;
  private readonly prefix: string;
  readonly workerId: string;

  constructor(
    @Inject(ORCHESTRATION_CONFIG) private readonly config: OrchestrationConfig,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(JobBus.name);
    this.prefix = config.NATS_SUBJECT_PREFIX;
    this.workerId = config.WORKER_ID ?? `${hostname()}-${process.pid}`;
  }

  get queueStream(): string {
    return streamName(this.prefix, JOB_QUEUE_STREAM);
  }

  get eventsStream(): string {
    return streamName(this.prefix, JOB_EVENTS_STREAM);
  }

  async onModuleInit(): Promise<void> {
    this.nc = await connect({
      servers: this.config.NATS_URL.split(','),
      name: `orchestration-${this.config.ORCHESTRATION_ROLE}-jobs`,
      ...natsCredentials({ user: this.config.NATS_USER, password: this.config.NATS_PASSWORD }),
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      waitOnFirstConnect: true,
      noAsyncTraces: true,
      pingInterval: 5_000,
      maxPingOut: 2,
    });
    this.jsm = await this.nc.jetstreamManager();
    this.js = this.nc.jetstream();
    await this.ensureStream({
      name: this.queueStream,
      subjects: [this.prefix + JobEvents.queued.subject],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      duplicate_window: 120_000 * NS,
      max_age: 7 * 86_400_000 * NS,
    });
    await this.ensureStream({
      name: this.eventsStream,
      subjects: [`${this.prefix}${JobEvents.progressed.subject}.*`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_age: this.config.JOB_EVENTS_MAX_AGE_SEC * 1_000 * NS,
      max_msgs_per_subject: this.config.JOB_EVENTS_MAX_PER_JOB,
    });
    await this.ensureStream({
      name: streamName(this.prefix, JOB_DEAD_LETTER_STREAM),
      subjects: [this.prefix + JobEvents.deadLettered.subject],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: 30 * 86_400_000 * NS,
    });
  }

  private async ensureStream(config: Partial<StreamConfig> & { name: string }): Promise<void> {
    const jsm = this.manager();
    try {
      await jsm.streams.add(config);
    } catch {
      // Exists already (another process of the service created it): bring its limits up to date.
      await jsm.streams.update(config.name, config);
    }
  }

  /** The workers' durable pull consumer (explicit ack; deliveries are bounded by the job's attempts, not here). */
  async workerConsumer(): Promise<Consumer> {
    const jsm = this.manager();
    const config = {
      durable_name: WORKERS_DURABLE,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: this.prefix + JobEvents.queued.subject,
      ack_wait: this.config.JOB_ACK_WAIT_MS * NS,
      max_deliver: -1,
      max_ack_pending: 100_000,
    };
    try {
      await jsm.consumers.add(this.queueStream, config);
    } catch {
      await jsm.consumers.update(this.queueStream, WORKERS_DURABLE, config);
    }
    return this.client().consumers.get(this.queueStream, WORKERS_DURABLE);
  }

  /** Puts an admitted job on the work queue; a second publish of the same job within 2 minutes is dropped. */
  async enqueue(jobId: number): Promise<void> {
    await this.client().publish(this.prefix + JobEvents.queued.subject, codec.encode({ jobId }), {
      msgID: `job-${jobId}`,
      timeout: 5_000,
    });
  }

  /** Appends an event to the job's subject and waits for JetStream's ack. */
  publishEvent(event: JobEvent): Promise<PubAck> {
    return this.client().publish(this.prefix + jobEventSubject(event.jobId), this.encodeEvent(event), { timeout: 5_000 });
  }

  /**
   * Appends an update to the job's subject without waiting for an ack (the stream captures it in
   * the order this connection sent it). The job's `done` (publishDone, acked) follows on the same
   * connection, so once it is acked every update before it is stored.
   */
  publishUpdate(event: JobEvent): void {
    this.connection().publish(this.prefix + jobEventSubject(event.jobId), this.encodeEvent(event));
  }

  /** The job's last event; a second `done` of the same job within the duplicate window is dropped. */
  publishDone(event: JobEvent): Promise<PubAck> {
    return this.client().publish(this.prefix + jobEventSubject(event.jobId), this.encodeEvent(event), {
      timeout: 5_000,
      msgID: `job-${event.jobId}-done`,
    });
  }

  /**
   * An event as bytes that fit the server's max_payload: when a node's output or the result is too
   * large to carry, the event goes without them (`resultOmitted: true`) rather than not at all — a
   * lost `done` left SSE clients and run-sync waiting until their timeouts.
   */
  private encodeEvent(event: JobEvent): Uint8Array {
    const data = codec.encode(event);
    const max = this.nc?.info?.max_payload;
    if (!max || data.length <= max - EVENT_HEADROOM_BYTES) return data;
    const { output: _output, ...rest } = event;
    const result = event.type === 'done' ? { results: {}, stream: {} } : {};
    return codec.encode({ ...rest, result, resultOmitted: true } satisfies JobEvent);
  }

  /** True when the job's last event on JetStream is its `done`. */
  async hasDone(jobId: number): Promise<boolean> {
    try {
      const last = await this.manager().streams.getMessage(this.eventsStream, { last_by_subj: this.prefix + jobEventSubject(jobId) });
      return (codec.decode(last.data) as { type?: string }).type === 'done';
    } catch {
      return false;
    }
  }

  async deadLetter(payload: { jobId: number; reason: string; attempts: number }): Promise<void> {
    await this.client().publish(this.prefix + JobEvents.deadLettered.subject, codec.encode(payload), { timeout: 5_000 });
  }

  /** Tells every worker (core NATS, no queue group) to stop a job it may be running. */
  requestCancel(jobId: number): void {
    this.connection().publish(this.prefix + JobEvents.cancelRequested.subject, codec.encode({ jobId }));
  }

  onCancelRequested(handler: (jobId: number) => void): Subscription {
    return this.connection().subscribe(this.prefix + JobEvents.cancelRequested.subject, {
      callback: (err, msg) => {
        if (err) return;
        const { jobId } = codec.decode(msg.data) as { jobId?: number };
        if (typeof jobId === 'number') handler(jobId);
      },
    });
  }

  /**
   * Resolves with the job's `done` event, or null after `ms`. Subscribes before the caller looks at
   * the job again, so a job ending in between is not missed by a caller that re-reads it afterwards.
   */
  watchDone(jobId: number): { done: Promise<JobEvent | null>; wait(ms: number): Promise<JobEvent | null>; stop(): void } {
    let resolve: (e: JobEvent | null) => void = () => undefined;
    const done = new Promise<JobEvent | null>((r) => (resolve = r));
    const sub = this.connection().subscribe(this.prefix + jobEventSubject(jobId), {
      callback: (err, msg) => {
        if (err) return;
        const event = codec.decode(msg.data) as JobEvent;
        if (event.type === 'done') {
          sub.unsubscribe();
          resolve(event);
        }
      },
    });
    let timer: NodeJS.Timeout | undefined;
    return {
      done,
      wait: (ms) => {
        timer = setTimeout(() => resolve(null), ms);
        return done.finally(() => clearTimeout(timer));
      },
      stop: () => {
        sub.unsubscribe();
        clearTimeout(timer);
        resolve(null);
      },
    };
  }

  private connection(): NatsConnection {
    if (!this.nc) throw new Error('job bus not connected');
    return this.nc;
  }

  private client(): JetStreamClient {
    if (!this.js) throw new Error('job bus not connected');
    return this.js;
  }

  private manager(): JetStreamManager {
    if (!this.jsm) throw new Error('job bus not connected');
    return this.jsm;
  }

  /** Last: the worker and the relay stop (onModuleDestroy) before the connection goes. */
  async onApplicationShutdown(): Promise<void> {
    await this.nc?.drain().catch((err: unknown) => this.logger.warn({ err }, 'job bus drain failed'));
  }
}
