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
  readonly subject: string;
  /** Phantom fields: never set at run time, they carry the types. */
  readonly _req?: Req;
  readonly _res?: Res;
}

export function rpc<Req, Res>(subject: string): RpcContract<Req, Res> {
  return { subject };
}

/** A domain event published on JetStream (past tense subject). */
export interface EventContract<T> {
  readonly subject: string;
  readonly _payload?: T;
}

export function event<T>(subject: string): EventContract<T> {
  return { subject };
}

export type RequestOf<C> = C extends RpcContract<infer Req, unknown> ? Req : never;
export type ReplyOf<C> = C extends RpcContract<unknown, infer Res> ? Res : never;

/** Status of a service as its health handler reports it over NATS. */
export interface HealthReply {
  service: string;
  status: 'ok' | 'error';
  details: Record<string, { status: 'up' | 'down'; message?: string }>;
}
