import { RequestContext } from '@alien/identity';

/** Every NATS request carries the caller's context next to its data. */
export interface RpcRequest<T> {
  ctx: RequestContext;
  data: T;
}

/**
 * A request/reply contract: the subject plus (at the type level only) its request and reply types.
 * Both the service handler and the gateway's typed client import the same constant.
 */
export interface RpcContract<Req, Res> {
  readonly kind: 'rpc';
  readonly subject: string;
  /**
   * Between services only: no gateway route calls it, and the gateway's NATS user may not publish it
   * (e.g. the workers' model credentials, the proxy's cluster routes).
   */
  readonly internal?: true;
  /** Phantom fields: never set at run time, they carry the types. */
  readonly _req?: Req;
  readonly _res?: Res;
}

export function rpc<Req, Res>(subject: string, options: { internal?: true } = {}): RpcContract<Req, Res> {
  return options.internal ? { kind: 'rpc', subject, internal: true } : { kind: 'rpc', subject };
}

/** A domain event published on JetStream (past tense subject). */
export interface EventContract<T> {
  readonly kind: 'event';
  readonly subject: string;
  readonly _payload?: T;
}

export function event<T>(subject: string): EventContract<T> {
  return { kind: 'event', subject };
}

/** Every contract reachable from a contracts module's exports (for docs and checks). */
export function collectContracts(exports: Record<string, unknown>): (RpcContract<unknown, unknown> | EventContract<unknown>)[] {
  const found = new Map<string, RpcContract<unknown, unknown> | EventContract<unknown>>();
  const visit = (value: unknown, depth: number) => {
    if (typeof value !== 'object' || value === null || depth > 6) return;
    const c = value as { kind?: unknown; subject?: unknown };
    if ((c.kind === 'rpc' || c.kind === 'event') && typeof c.subject === 'string') {
      found.set(`${c.kind}:${c.subject}`, value as RpcContract<unknown, unknown>);
      return;
    }
    for (const child of Object.values(value)) visit(child, depth + 1);
  };
  for (const value of Object.values(exports)) visit(value, 0);
  return [...found.values()];
}

export type RequestOf<C> = C extends RpcContract<infer Req, unknown> ? Req : never;
export type ReplyOf<C> = C extends RpcContract<unknown, infer Res> ? Res : never;

/** Status of a service as its health handler reports it over NATS. */
export interface HealthReply {
  service: string;
  status: 'ok' | 'error';
  details: Record<string, { status: 'up' | 'down'; message?: string }>;
}
