import { RpcRequest } from '@alien/contracts';
import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import { Store, storage } from 'nestjs-pino/storage';
import type { Logger } from 'pino';
import { Observable } from 'rxjs';

export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/**
 * Runs every NATS handler inside a logging context carrying the request id, user and organization,
 * so each log line a service writes for a request names that request. Logs one line per RPC.
 */
@Injectable()
export class RpcContextInterceptor implements NestInterceptor {
  constructor(@Inject(ROOT_LOGGER) private readonly root: Logger) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const rpc = context.switchToRpc();
    const payload = rpc.getData() as Partial<RpcRequest<unknown>> | undefined;
    const subject = (rpc.getContext() as { getSubject?: () => string }).getSubject?.() ?? 'unknown';
    const ctx = payload?.ctx;
    const logger = this.root.child({
      requestId: ctx?.requestId,
      userId: ctx?.identity?.userId ?? undefined,
      organizationId: ctx?.identity?.organizationId ?? undefined,
      subject,
    });
    const started = process.hrtime.bigint();
    return new Observable((subscriber) =>
      storage.run(new Store(logger), () =>
        next.handle().subscribe({
          next: (value) => subscriber.next(value),
          error: (err) => {
            const status = (err as { status?: number })?.status ?? 500;
            logger.info({ status, durationMs: elapsed(started) }, 'rpc failed');
            subscriber.error(err);
          },
          complete: () => {
            logger.info({ status: 200, durationMs: elapsed(started) }, 'rpc handled');
            subscriber.complete();
          },
        }),
      ),
    );
  }
}

function elapsed(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e6;
}
