import { natsCredentials } from '@alien/nest-rpc';
import { JOB_EVENTS_STREAM, JobEvent, JobEvents, jobEventSubject } from '@alien/orchestration/contracts';
import { IDENTITY_CONFIG, IdentityConfig } from '@alien/nest-identity';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ConsumerMessages, DeliverPolicy, JSONCodec, JetStreamManager, NatsConnection, connect } from 'nats';

const codec = JSONCodec<JobEvent>();

/** An event as the feed hands it out: its JetStream sequence is its SSE `id`. */
export interface FeedEvent {
  seq: number;
  event: JobEvent;
}

type Listener = (e: FeedEvent) => void;

/** Stream names cannot contain dots; a prefixed deployment has its own streams (as services name them). */
function streamName(prefix: string, name: string): string {
  return `${prefix.replace(/[^A-Za-z0-9_-]/g, '_')}${name}`;
}

/**
 * The gateway's view of job events, straight from NATS (never Postgres): one ordered JetStream
 * consumer per gateway process receives every new job event and hands it to the local listeners of
 * that job (SSE streams, run-sync waits); history for `init` and `Last-Event-ID` comes from the job's
 * subject in the stream, message by message. Connects on first use.
 */
@Injectable()
export class JobEventFeed implements OnModuleDestroy {
  private readonly logger = new Logger(JobEventFeed.name);
  private connecting?: Promise<{ nc: NatsConnection; jsm: JetStreamManager }>;
  private live?: Promise<void>;
  private messages?: ConsumerMessages;
  private readonly listeners = new Map<number, Set<Listener>>();
  private readonly prefix: string;
  private readonly stream: string;

  constructor(@Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig) {
    this.prefix = config.NATS_SUBJECT_PREFIX;
    this.stream = streamName(this.prefix, JOB_EVENTS_STREAM);
  }

  private nats() {
    this.connecting ??= (async () => {
      const nc = await connect({
        servers: this.config.NATS_URL.split(','),
        name: 'gateway-job-events',
        ...natsCredentials({ user: this.config.NATS_USER, password: this.config.NATS_PASSWORD }),
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        noAsyncTraces: true,
        pingInterval: 5_000,
        maxPingOut: 2,
      });
      return { nc, jsm: await nc.jetstreamManager() };
    })().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  /** Starts the live consumer once (new events only); every later event reaches the listeners. */
  private ensureLive(): Promise<void> {
    this.live ??= (async () => {
      const { nc } = await this.nats();
      const consumer = await nc.jetstream().consumers.get(this.stream, {
        filterSubjects: `${this.prefix}${JobEvents.progressed.subject}.*`,
        deliver_policy: DeliverPolicy.New,
      });
      const messages = await consumer.consume({ max_messages: 1_000 });
      this.messages = messages;
      void (async () => {
        for await (const msg of messages) {
          const jobId = Number(msg.subject.slice(msg.subject.lastIndexOf('.') + 1));
          const set = this.listeners.get(jobId);
          if (!set?.size) continue;
          let event: JobEvent;
          try {
            event = codec.decode(msg.data);
          } catch {
            continue;
          }
          for (const listener of set) listener({ seq: msg.seq, event });
        }
      })().catch((err: unknown) => this.logger.warn(`job event feed stopped: ${String(err)}`));
    })().catch((error: unknown) => {
      this.live = undefined;
      throw error;
    });
    return this.live;
  }

  /** Registers a listener for one job's new events; resolves once the live feed runs. Returns the unsubscribe. */
  async listen(jobId: number, listener: Listener): Promise<() => void> {
    await this.ensureLive();
    let set = this.listeners.get(jobId);
    if (!set) this.listeners.set(jobId, (set = new Set()));
    set.add(listener);
    return () => {
      const current = this.listeners.get(jobId);
      current?.delete(listener);
      if (current && current.size === 0) this.listeners.delete(jobId);
    };
  }

  /** Sequence of the job's last stored event (0: none yet). */
  async lastSeq(jobId: number): Promise<number> {
    const { jsm } = await this.nats();
    try {
      const last = await jsm.streams.getMessage(this.stream, { last_by_subj: this.prefix + jobEventSubject(jobId) });
      return last.seq;
    } catch (error) {
      if (/no message found/i.test(String((error as Error)?.message))) return 0;
      throw error;
    }
  }

  /** The job's stored events with `after < seq <= upTo`, in order. */
  async history(jobId: number, after: number, upTo: number): Promise<FeedEvent[]> {
    const { jsm } = await this.nats();
    const subject = this.prefix + jobEventSubject(jobId);
    const out: FeedEvent[] = [];
    let seq = after + 1;
    while (seq <= upTo) {
      let msg;
      try {
        // `next_by_subj` (server ≥ 2.9) is missing from the client's request type.
        msg = await jsm.streams.getMessage(this.stream, { seq, next_by_subj: subject } as unknown as { seq: number });
      } catch (error) {
        if (/no message found/i.test(String((error as Error)?.message))) break;
        throw error;
      }
      if (msg.seq > upTo) break;
      out.push({ seq: msg.seq, event: codec.decode(msg.data) });
      seq = msg.seq + 1;
    }
    return out;
  }

  /** Local listeners (for the bench's memory figure and tests). */
  get listenerCount(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  async onModuleDestroy(): Promise<void> {
    await this.messages?.close().catch(() => undefined);
    if (this.connecting) {
      const { nc } = await this.connecting.catch(() => ({ nc: undefined }));
      await nc?.close().catch(() => undefined);
    }
  }
}
