import { TOKEN_USED } from '@alien/auth/contracts';
import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { ServiceClients } from '../rpc/service-clients';

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

  constructor(private readonly clients: ServiceClients) {
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
    this.clients.auth.emit(TOKEN_USED.subject, { tokenIds });
    if (this.lastReported.size > 100_000) this.lastReported.clear();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
