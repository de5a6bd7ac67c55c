import { ClientNats, NatsOptions, ServerNats } from '@nestjs/microservices';

/**
 * NATS transport with an optional subject prefix. Several deployments (or test runs) can share one
 * NATS server without answering each other's requests: subjects become `<prefix><subject>`.
 * Contracts keep their plain names; only the wire is prefixed.
 */
export class PrefixedServerNats extends ServerNats {
  private readonly queue: string | undefined;

  constructor(
    options: NonNullable<NatsOptions['options']>,
    private readonly prefix = '',
  ) {
    super(options);
    this.queue = options.queue;
  }

  override bindEvents(client: Parameters<ServerNats['bindEvents']>[0]): void {
    // ServerNats keeps its subscriptions private; close() drains that same array.
    const subscriptions = (this as unknown as { subscriptions: unknown[] }).subscriptions;
    for (const [channel, handlerRef] of this.messageHandlers) {
      const queue = (handlerRef.extras?.['queue'] as string | undefined) ?? this.queue;
      const sub = client.subscribe(this.prefix + channel, {
        queue,
        callback: this.getMessageHandler(channel).bind(this),
      });
      subscriptions.push(sub);
    }
  }
}

export class PrefixedClientNats extends ClientNats {
  constructor(
    options: NonNullable<NatsOptions['options']>,
    private readonly prefix = '',
  ) {
    super(options);
  }

  protected override normalizePattern(pattern: Parameters<ClientNats['normalizePattern']>[0]): string {
    return this.prefix + super.normalizePattern(pattern);
  }
}

export interface NatsConnectionConfig {
  url: string;
  /** Prepended to every subject; '' in production. */
  subjectPrefix: string;
  /** Client name shown by the NATS server (`nats server report connections`). */
  name: string;
}

/**
 * Connection options shared by servers and clients: reconnect forever, quickly, and notice a dead
 * server within ~10 s. Services wait for NATS on first connect (they have nothing to do without it);
 * the gateway's clients do not, so a request made while NATS is unreachable fails fast with 503.
 */
export function natsOptions(
  config: NatsConnectionConfig,
  role: 'server' | 'client',
): NonNullable<NatsOptions['options']> {
  return {
    servers: config.url.split(','),
    name: config.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: role === 'server',
    pingInterval: 5_000,
    maxPingOut: 2,
  };
}
