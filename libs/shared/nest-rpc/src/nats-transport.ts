import { ApiError } from '@alien/envelope';
import { ClientNats, NatsContext, NatsOptions, ServerNats } from '@nestjs/microservices';
import { NO_MESSAGE_HANDLER } from '@nestjs/microservices/constants';
import { NatsRequestJSONDeserializer } from '@nestjs/microservices/deserializers/nats-request-json.deserializer';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { JSONCodec, Msg, NatsConnection } from 'nats';
import type { Logger } from 'pino';

/** What every log line written while handling one NATS request carries (see createRootLogger's mixin). */
export interface RpcLogContext {
  subject: string;
  requestId?: string;
  userId?: number;
  organizationId?: number;
}

/** The request context of the NATS message being handled, for logging (never for authorization). */
export const rpcLogContext = new AsyncLocalStorage<RpcLogContext>();

const codec = JSONCodec<unknown>();

interface CtxLike {
  requestId?: unknown;
  identity?: { userId?: unknown; organizationId?: unknown };
}

/**
 * Nest's NATS request deserializer, which also copies the message's request id, user and organization
 * (from the `{ctx, data}` payload it parses anyway) into the log context of the message being handled.
 */
class ContextDeserializer extends NatsRequestJSONDeserializer {
  override deserialize(value: Uint8Array, options?: Record<string, unknown>) {
    const packet = super.deserialize(value, options) as { data?: { ctx?: CtxLike } };
    const store = rpcLogContext.getStore();
    const ctx = packet?.data?.ctx;
    if (store && ctx) {
      if (typeof ctx.requestId === 'string') store.requestId = ctx.requestId;
      if (typeof ctx.identity?.userId === 'number') store.userId = ctx.identity.userId;
      if (typeof ctx.identity?.organizationId === 'number') store.organizationId = ctx.identity.organizationId;
    }
    return packet as never;
  }
}

/**
 * NATS transport with an optional subject prefix. Several deployments (or test runs) can share one
 * NATS server without answering each other's requests: subjects become `<prefix><subject>`.
 * Contracts keep their plain names; only the wire is prefixed.
 */
export class PrefixedServerNats extends ServerNats {
  private readonly queue: string | undefined;
  private readonly rpcLogger?: Logger;

  constructor(
    options: NonNullable<NatsOptions['options']>,
    private readonly prefix = '',
    logger?: Logger,
  ) {
    super({ ...options, deserializer: new ContextDeserializer() });
    this.queue = options.queue;
    this.rpcLogger = logger;
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

  /** Plain subjects first: Nest would try JSON.parse on every subject (and throw) before the lookup. */
  override getHandlerByPattern(pattern: string) {
    return this.messageHandlers.get(pattern) ?? super.getHandlerByPattern(pattern);
  }

  /** Messages taken but not yet answered (requests) or handled (events): what a drain waits for. */
  private inflight = 0;
  private readonly finish = new WeakMap<Msg, () => void>();
  private idle: (() => void) | undefined;

  /**
   * Handles one message inside its log context (filled in by the deserializer: request id, user,
   * organization), so every line the service logs for it names the request. Nest's own steps, plus:
   * a request whose deadline (set by the caller from its timeout) has passed is dropped unhandled —
   * nobody waits for the answer any more — and every message counts as in flight until answered.
   */
  override handleMessage(channel: string, natsMsg: Msg): Promise<unknown> {
    return rpcLogContext.run({ subject: channel }, async () => {
      this.inflight++;
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        if (--this.inflight === 0) this.idle?.();
      };
      this.finish.set(natsMsg, finish);
      try {
        const natsCtx = new NatsContext([natsMsg.subject, natsMsg.headers]);
        const message = (await this.deserializer.deserialize(natsMsg.data, { channel, replyTo: natsMsg.reply })) as {
          id?: string;
          data?: { ctx?: { deadline?: unknown } };
        };
        if (message.id === undefined) {
          await this.handleEvent(channel, message as never, natsCtx);
          return finish();
        }
        const deadline = message.data?.ctx?.deadline;
        if (typeof deadline === 'number' && deadline <= Date.now()) {
          this.rpcLogger?.warn({ lateByMs: Date.now() - deadline }, 'rpc dropped: its deadline passed before it was handled');
          return finish();
        }
        const publish = this.getPublisher(natsMsg, message.id, natsCtx);
        const handler = this.getHandlerByPattern(channel);
        if (!handler) return publish({ id: message.id, status: 'error', err: NO_MESSAGE_HANDLER } as never);
        const response$ = this.transformToObservable(await handler(message.data, natsCtx));
        if (response$) this.send(response$, publish);
        else finish();
      } catch (error) {
        finish();
        throw error;
      }
      return undefined;
    });
  }

  /**
   * Graceful stop: no new messages (every subscription drains: what the server already routed here is
   * still handled, the queue group sends the rest to other replicas), then waits until every message
   * in flight is answered, at most `graceMs`. Returns how many were still unanswered.
   */
  async drain(graceMs: number): Promise<number> {
    const subscriptions = (this as unknown as { subscriptions: { drain(): Promise<void>; isClosed(): boolean }[] }).subscriptions;
    await Promise.allSettled(subscriptions.filter((s) => !s.isClosed()).map((s) => s.drain()));
    if (this.inflight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        timer.unref();
        this.idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    // Replies written, now on the wire before the connection closes.
    await (this as unknown as { natsClient: NatsConnection | null }).natsClient?.flush().catch(() => undefined);
    return this.inflight;
  }

  /** One log line per answered request (info), with its status and duration. */
  override getPublisher(natsMsg: Msg, id: string, ctx: Parameters<ServerNats['getPublisher']>[2]) {
    const publish = super.getPublisher(natsMsg, id, ctx);
    const logger = this.rpcLogger;
    const finish = this.finish.get(natsMsg);
    const started = performance.now();
    return (response: { err?: { status?: number }; isDisposed?: boolean }) => {
      const failed = response.err !== undefined && response.err !== null;
      if (logger?.isLevelEnabled('info')) {
        const status = failed ? (response.err?.status ?? 500) : 200;
        logger.info({ status, durationMs: +(performance.now() - started).toFixed(3) }, failed ? 'rpc failed' : 'rpc handled');
      }
      let sent: ReturnType<typeof publish>;
      try {
        sent = publish(response);
      } catch (error) {
        // An answer larger than the server's max_payload (a job's view with big outputs, say) throws
        // here, outside any handler: uncaught, it ended the process. The caller gets a typed error.
        if ((error as { code?: string })?.code !== 'MAX_PAYLOAD_EXCEEDED') throw error;
        logger?.error({ err: error, status: 502 }, 'rpc reply too large for the message bus');
        sent = publish({ err: new ApiError(502, 'The answer is larger than the message bus carries', 'reply_too_large').toPayload(), isDisposed: true });
      }
      // The last packet of an answer is disposed (or an error): the request is no longer in flight.
      if (response.isDisposed || failed) finish?.();
      return sent;
    };
  }
}

/** The bus (not a service) is unreachable: raised to every request in flight when the connection drops. */
export class BusUnavailableError extends Error {
  override name = 'BusUnavailableError';
}

/**
 * Nest's NATS client, plus `request()`: one round trip on the connection's shared reply inbox (Nest's
 * `send()` subscribes a fresh inbox per request: two more protocol writes and an rxjs pipeline), in
 * Nest's packet format so any Nest NATS server answers it. Requests in flight fail at once when the
 * connection drops.
 */
export class PrefixedClientNats extends ClientNats {
  private connected = false;
  private readonly inflight = new Set<(error: Error) => void>();

  constructor(
    options: NonNullable<NatsOptions['options']>,
    private readonly prefix = '',
  ) {
    super(options);
    this.on('disconnect', () => {
      this.connected = false;
      const error = new BusUnavailableError('NATS connection lost');
      for (const fail of this.inflight) fail(error);
      this.inflight.clear();
    });
    this.on('reconnect', () => {
      this.connected = true;
    });
  }

  override async connect(): Promise<NatsConnection> {
    const nc = await super.connect();
    this.connected = !nc.isClosed();
    return nc;
  }

  protected override normalizePattern(pattern: Parameters<ClientNats['normalizePattern']>[0]): string {
    return this.prefix + super.normalizePattern(pattern);
  }

  async request<T>(subject: string, data: unknown, timeoutMs: number): Promise<T> {
    const nc: NatsConnection = this.connected && this.natsClient ? (this.natsClient as NatsConnection) : await this.connect();
    if (!this.connected) throw new BusUnavailableError('NATS is not connected');
    const payload = codec.encode({ pattern: subject, data, id: randomUUID() });
    const msg = await new Promise<Msg>((resolve, reject) => {
      this.inflight.add(reject);
      nc.request(this.prefix + subject, payload, { timeout: timeoutMs }).then(
        (m) => {
          this.inflight.delete(reject);
          resolve(m);
        },
        (e: unknown) => {
          this.inflight.delete(reject);
          reject(e);
        },
      );
    });
    const reply = codec.decode(msg.data) as { response?: T; err?: unknown };
    if (reply.err !== undefined && reply.err !== null) throw reply.err;
    return reply.response as T;
  }
}

/** `{user, pass}` for nats.js when a NATS user is configured, else nothing. */
export function natsCredentials(config: { user?: string; password?: string }): { user?: string; pass?: string } {
  return config.user ? { user: config.user, pass: config.password ?? '' } : {};
}

export interface NatsConnectionConfig {
  url: string;
  /** Prepended to every subject; '' in production. */
  subjectPrefix: string;
  /** Client name shown by the NATS server (`nats server report connections`). */
  name: string;
  /** This app's NATS user (deploy/nats: each app may use only its own subjects); unset for an open server. */
  user?: string;
  password?: string;
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
    ...natsCredentials(config),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: role === 'server',
    // nats.js captures an Error per request for async stack traces: ~15% of the gateway's CPU (bench P1).
    noAsyncTraces: true,
    pingInterval: 5_000,
    maxPingOut: 2,
  };
}

/** The NATS settings every app reads (its config's NATS_* variables). */
export interface AppNatsConfig {
  NATS_URL: string;
  NATS_SUBJECT_PREFIX: string;
  NATS_USER?: string;
  NATS_PASSWORD?: string;
}

/**
 * A client connection to call other services with, as this app's NATS user: the gateway's, or a
 * service's own calls to another service (catalog → orchestration, the workers → catalog…).
 */
export function appNatsClient(config: AppNatsConfig, name: string): PrefixedClientNats {
  return new PrefixedClientNats(
    natsOptions({ url: config.NATS_URL, subjectPrefix: config.NATS_SUBJECT_PREFIX, name, user: config.NATS_USER, password: config.NATS_PASSWORD }, 'client'),
    config.NATS_SUBJECT_PREFIX,
  );
}
