import { natsCredentials } from '@alien/nest-rpc';
import { EventContract } from '@alien/contracts';
import { Inject, Injectable, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import {
  AckPolicy,
  ConsumerMessages,
  DeliverPolicy,
  JSONCodec,
  JetStreamClient,
  NatsConnection,
  RetentionPolicy,
  StorageType,
  connect,
} from 'nats';
import { PinoLogger } from 'nestjs-pino';

export const EVENT_BUS_OPTIONS = Symbol('EVENT_BUS_OPTIONS');
/** The service's own NATS user (ServiceCoreModule provides it from NATS_USER/NATS_PASSWORD). */
export const NATS_CREDENTIALS = Symbol('NATS_CREDENTIALS');

export interface EventBusOptions {
  url: string;
  /** Subject prefix (tests share a NATS server); '' in production. */
  prefix: string;
  name: string;
  /** The service's NATS user and password, when the server requires them. */
  user?: string;
  password?: string;
  /** Streams this service owns: created or updated at start. */
  streams: { name: string; subjects: string[] }[];
}

const codec = JSONCodec();
const WEEK_NS = 7 * 24 * 60 * 60 * 1e9;
const SECOND_NS = 1e9;

export interface DurableHandlerOptions<T> {
  /** The stream holding the event (e.g. AUTH_EVENTS); prefixed like the publisher's. */
  stream: string;
  event: EventContract<T>;
  /** Durable consumer name, one per reacting service and event (e.g. `catalog-organization-deleted`). */
  durable: string;
  handle(payload: T, delivery: { redelivered: boolean; attempt: number }): Promise<void>;
  /** Deliveries before the message is given up (logged); default 10. */
  maxDeliver?: number;
  /** How long a handler may take before the message is redelivered; default 30 s. */
  ackWaitSec?: number;
}

/** Stream names cannot contain dots; a prefixed deployment gets its own streams. */
export function streamName(prefix: string, name: string): string {
  return `${prefix.replace(/[^A-Za-z0-9_-]/g, '_')}${name}`;
}

/**
 * Publishes domain events to JetStream (durable, for services that react later) — core NATS
 * subscribers on the same subject (every gateway replica) get them at once as well.
 */
@Injectable()
export class EventBus implements OnModuleInit, OnModuleDestroy {
  private nc?: NatsConnection;
  private js?: JetStreamClient;
  private readonly consumers: ConsumerMessages[] = [];

  constructor(
    @Inject(EVENT_BUS_OPTIONS) private readonly options: EventBusOptions,
    private readonly logger: PinoLogger,
    @Optional() @Inject(NATS_CREDENTIALS) private readonly credentials?: { user?: string; password?: string },
  ) {
    logger.setContext(EventBus.name);
  }

  async onModuleInit(): Promise<void> {
    this.nc = await connect({
      servers: this.options.url.split(','),
      name: `${this.options.name}-events`,
      ...natsCredentials(this.options.user ? this.options : (this.credentials ?? {})),
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      waitOnFirstConnect: true,
    });
    const jsm = await this.nc.jetstreamManager();
    for (const stream of this.options.streams) {
      const config = {
        name: streamName(this.options.prefix, stream.name),
        subjects: stream.subjects.map((s) => this.options.prefix + s),
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        max_age: WEEK_NS,
      };
      try {
        await jsm.streams.info(config.name);
        await jsm.streams.update(config.name, config);
      } catch {
        await jsm.streams.add(config);
      }
    }
    this.js = this.nc.jetstream();
  }

  /** Publishes after the change is committed. A failure is logged, not thrown: the change stands. */
  async publish<T>(event: EventContract<T>, payload: T): Promise<void> {
    try {
      if (!this.js) throw new Error('event bus not connected');
      await this.js.publish(this.options.prefix + event.subject, codec.encode(payload), { timeout: 2_000 });
    } catch (err) {
      this.logger.error({ err, subject: event.subject }, 'event publish failed');
    }
  }

  /**
   * Reacts to an event at least once, surviving restarts: a durable JetStream consumer (shared by the
   * service's replicas) delivers each event; the handler's success acks it, a failure naks it for a
   * retry with back-off, and after maxDeliver attempts it is logged and dropped.
   */
  async handleDurably<T>(options: DurableHandlerOptions<T>): Promise<void> {
    if (!this.nc || !this.js) throw new Error('event bus not connected');
    const stream = streamName(this.options.prefix, options.stream);
    const maxDeliver = options.maxDeliver ?? 10;
    const jsm = await this.nc.jetstreamManager();
    await jsm.consumers.add(stream, {
      durable_name: options.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: this.options.prefix + options.event.subject,
      max_deliver: maxDeliver,
      ack_wait: (options.ackWaitSec ?? 30) * SECOND_NS,
    });
    const consumer = await this.js.consumers.get(stream, options.durable);
    const messages = await consumer.consume({ max_messages: 16 });
    this.consumers.push(messages);
    void (async () => {
      for await (const msg of messages) {
        const attempt = msg.info.redeliveryCount;
        try {
          await options.handle(codec.decode(msg.data) as T, { redelivered: msg.redelivered, attempt });
          msg.ack();
        } catch (err) {
          const giveUp = attempt >= maxDeliver;
          this.logger.error({ err, subject: options.event.subject, attempt, giveUp }, 'event handler failed');
          if (giveUp) msg.term('handler kept failing');
          else msg.nak(Math.min(30_000, 250 * 2 ** attempt));
        }
      }
    })();
  }

  /**
   * handleDurably, started in the background and retried (with back-off) until the stream exists: the
   * service that owns a stream creates it when it starts, possibly after the services that react to it.
   */
  consumeWhenAvailable<T>(options: DurableHandlerOptions<T>): void {
    const attempt = (n: number): void => {
      if (this.stopped) return;
      this.handleDurably(options).then(
        () => this.logger.info({ durable: options.durable, subject: options.event.subject }, 'consuming'),
        (err: unknown) => {
          const delay = Math.min(5_000, 200 * 2 ** n);
          if (n >= 3 && n % 5 === 3) this.logger.warn({ err, attempt: n, delay, stream: options.stream }, 'waiting for the event stream');
          this.retries.add(setTimeout(() => attempt(n + 1), delay).unref());
        },
      );
    };
    attempt(0);
  }

  private stopped = false;
  private readonly retries = new Set<NodeJS.Timeout>();

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    for (const timer of this.retries) clearTimeout(timer);
    await Promise.allSettled(this.consumers.map((c) => c.close()));
    await this.nc?.drain().catch(() => undefined);
  }
}
