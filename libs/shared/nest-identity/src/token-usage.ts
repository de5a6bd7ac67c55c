import { TOKEN_USED } from '@alien/contracts';
import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { ServiceBus } from '@alien/nest-http';
import { RpcClient } from '@alien/nest-rpc';

const FLUSH_EVERY_MS = 5_000;
const SAME_TOKEN_EVERY_MS = 60_000;

/**
 * `lastUsedAt` without slowing requests: the gateway notes token use in memory and reports batches
 * to auth fire-and-forget, at most once a minute per token.
 */
@Injectable()
export class TokenUsageReporter implements OnModuleDestroy {
  private readonly lastReported = new Map<number, number>();
  private pending = new Set<number>();
  private readonly timer: NodeJS.Timeout;

  private readonly auth: RpcClient;

  constructor(bus: ServiceBus) {
    this.auth = bus.client('auth');
    this.timer = setInterval(() => this.flush(), FLUSH_EVERY_MS);
    this.timer.unref();
  }

  used(tokenId: number, now = Date.now()): void {
    const last = this.lastReported.get(tokenId);
    if (last !== undefined && now - last < SAME_TOKEN_EVERY_MS) return;
    this.lastReported.set(tokenId, now);
    this.pending.add(tokenId);
    // The first use of a token is reported at once; later ones ride the periodic flush.
    if (last === undefined) this.flush();
  }

  flush(): void {
    if (!this.pending.size) return;
    const tokenIds = [...this.pending];
    this.pending = new Set();
    this.auth.emit(TOKEN_USED.subject, { tokenIds });
    if (this.lastReported.size > 100_000) this.lastReported.clear();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
