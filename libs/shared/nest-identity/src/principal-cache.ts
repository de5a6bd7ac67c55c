import { Principal } from '@alien/contracts';

interface Entry {
  principal: Principal;
  /** When this entry stops being trusted (cache TTL, or the token's own expiry if sooner). */
  until: number;
}

/**
 * Verified credentials → principal, for a short time. Auth events evict by user; a NATS reconnect
 * clears everything (events may have been missed while disconnected). Bounded: oldest entries go first.
 */
export class PrincipalCache {
  private readonly entries = new Map<string, Entry>();
  private readonly byUser = new Map<number, Set<string>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): Principal | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= this.now()) {
      this.delete(key);
      return undefined;
    }
    return entry.principal;
  }

  set(key: string, principal: Principal, notAfter?: number): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.maxEntries && !this.entries.has(key)) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.delete(oldest);
    }
    const until = Math.min(this.now() + this.ttlMs, notAfter ?? Infinity);
    this.entries.set(key, { principal, until });
    let keys = this.byUser.get(principal.userId);
    if (!keys) this.byUser.set(principal.userId, (keys = new Set()));
    keys.add(key);
  }

  evictUsers(userIds: readonly number[]): number {
    let evicted = 0;
    for (const userId of userIds) {
      for (const key of this.byUser.get(userId) ?? []) {
        this.entries.delete(key);
        evicted++;
      }
      this.byUser.delete(userId);
    }
    return evicted;
  }

  clear(): void {
    this.entries.clear();
    this.byUser.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    const keys = this.byUser.get(entry.principal.userId);
    keys?.delete(key);
    if (keys && keys.size === 0) this.byUser.delete(entry.principal.userId);
  }
}
