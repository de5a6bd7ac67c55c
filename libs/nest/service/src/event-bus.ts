import { EventContract } from '@alien/contracts';
import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { JSONCodec, JetStreamClient, NatsConnection, RetentionPolicy, StorageType, connect } from 'nats';
import { PinoLogger } from 'nestjs-pino';

export const EVENT_BUS_OPTIONS = Symbol('EVENT_BUS_OPTIONS');

export interface EventBusOptions {
  url: string;
  /** Subject prefix (tests share a NATS server); '' in production. */
  prefix: string;
  name: string;
  /** Streams this service owns: created or updated at start. */
  streams: { name: string; subjects: string[] }[];
}

const codec = JSONCodec();
const WEEK_NS = 7 * 24 * 60 * 60 * 1e9;

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

  constructor(
    @Inject(EVENT_BUS_OPTIONS) private readonly options: EventBusOptions,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(EventBus.name);
  }

  async onModuleInit(): Promise<void> {
    this.nc = await connect({
      servers: this.options.url.split(','),
      name: `${this.options.name}-events`,
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

  async onModuleDestroy(): Promise<void> {
    await this.nc?.drain().catch(() => undefined);
  }
}
