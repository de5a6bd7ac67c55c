import { RpcContract } from '@alien/contracts';
import { ApiError, ApiErrorPayload } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import { EmptyResponseException } from '@nestjs/microservices/errors/empty-response.exception';
import { TimeoutError } from 'rxjs';
import { BusUnavailableError, PrefixedClientNats } from './nats-transport';

export interface RpcCallOptions {
  timeoutMs?: number;
}

function busUnavailable(): ApiError {
  return new ApiError(503, 'The message bus is unavailable', 'bus_unavailable');
}

/**
 * Turns whatever came back from a failed NATS request into the ApiError the caller should see:
 * a service's typed error keeps its status; nobody listening → 503; no answer in time → 504.
 */
export function toApiError(error: unknown, service: string): ApiError {
  if (error instanceof ApiError) return error;
  if (ApiError.isPayload(error)) return ApiError.fromPayload(error as ApiErrorPayload);
  const text = typeof error === 'string' ? error : ((error as { message?: string })?.message ?? '');
  const code = (error as { code?: string })?.code;
  // nats.js: TIMEOUT (nobody answered in time), 503 (nobody listens on the subject).
  if (error instanceof TimeoutError || code === 'TIMEOUT') {
    return new ApiError(504, `The ${service} service did not answer in time`, 'upstream_timeout');
  }
  if (error instanceof EmptyResponseException || code === '503') {
    return new ApiError(503, `The ${service} service is unavailable`, 'service_unavailable');
  }
  if (error instanceof BusUnavailableError) return busUnavailable();
  // Nest rejects with a plain string while the NATS connection is down; nats.js with NatsError codes.
  if (
    typeof error === 'string' ||
    code === 'CONNECTION_REFUSED' ||
    code === 'CONNECTION_CLOSED' ||
    code === 'DISCONNECT' ||
    code === 'ECONNREFUSED' ||
    /connection|reconnect|ECONNREFUSED/i.test(text)
  ) {
    return busUnavailable();
  }
  if (/no matching message handler/i.test(text)) {
    // The service runs a version without this subject: a deploy in progress, not a client error.
    return new ApiError(503, `The ${service} service cannot handle this request yet`, 'service_unavailable');
  }
  return new ApiError(502, `The ${service} service answered with an unexpected error`, 'bad_gateway');
}

/**
 * A typed client for one service: `call(contract, data, ctx)` sends `{ctx, data}` on the contract's
 * subject and resolves with its reply, with a timeout. Feature code never calls `ClientProxy.send`.
 */
export class RpcClient {
  constructor(
    private readonly proxy: PrefixedClientNats,
    readonly service: string,
    private readonly defaultTimeoutMs: number,
  ) {}

  async call<Req, Res>(
    contract: RpcContract<Req, Res>,
    data: Req,
    ctx: RequestContext,
    options: RpcCallOptions = {},
  ): Promise<Res> {
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    try {
      // The remaining time travels with the request, so a service can skip work nobody waits for.
      return await this.proxy.request<Res>(contract.subject, { ctx: { ...ctx, deadline: Date.now() + timeoutMs }, data }, timeoutMs);
    } catch (error) {
      throw toApiError(error, this.service);
    }
  }

  /** Fire-and-forget publish (no reply awaited), e.g. token `lastUsedAt` touches. */
  emit<T>(subject: string, payload: T): void {
    this.proxy.emit(subject, payload).subscribe({ error: () => undefined });
  }

  connect(): Promise<unknown> {
    return this.proxy.connect();
  }

  close(): Promise<unknown> | unknown {
    return this.proxy.close();
  }
}
