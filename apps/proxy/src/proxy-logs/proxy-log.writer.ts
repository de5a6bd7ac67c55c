import { BeforeApplicationShutdown, Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { PROXY_CONFIG, ProxyConfig } from '../config';

/** One proxied cluster request, as recorded. */
export interface ProxyLogRecord {
  clusterId: number;
  organizationId: number;
  userId: number;
  tokenId: number | null;
  method: string;
  /** Without the query string (it may carry secrets). */
  path: string;
  status: number;
  bytesIn: number;
  bytesOut: number;
  durationMs: number;
  requestId: string;
  createdAt: Date;
}

// One statement per batch, whatever its size: arrays unnested into rows.
const INSERT = `
  INSERT INTO "proxy"."proxy_logs"
    ("cluster_id", "organization_id", "user_id", "token_id", "method", "path", "status", "bytes_in", "bytes_out", "duration_ms", "request_id", "created_at")
  SELECT * FROM unnest($1::integer[], $2::integer[], $3::integer[], $4::integer[], $5::varchar[], $6::varchar[], $7::smallint[],
                       $8::bigint[], $9::bigint[], $10::integer[], $11::varchar[], $12::timestamptz[])`;

/**
 * The request log of the cluster proxy, written off the request path: records queue in memory and go
 * to Postgres in batches (every AUDIT_FLUSH_INTERVAL_MS or AUDIT_BATCH_SIZE records, one statement
 * each). While Postgres is away they wait, up to AUDIT_MAX_PENDING; beyond, the oldest are dropped
 * and the loss is logged. Shutdown flushes what is left.
 */
@Injectable()
export class ProxyLogWriter implements OnModuleInit, BeforeApplicationShutdown {
  private queue: ProxyLogRecord[] = [];
  private flushing: Promise<void> | null = null;
  private timer?: NodeJS.Timeout;
  private dropped = 0;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(PROXY_CONFIG) private readonly config: ProxyConfig,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(ProxyLogWriter.name);
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), this.config.AUDIT_FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  record(entry: ProxyLogRecord): void {
    this.queue.push(entry);
    const overflow = this.queue.length - this.config.AUDIT_MAX_PENDING;
    if (overflow > 0) {
      this.queue.splice(0, overflow);
      this.dropped += overflow;
    }
    if (this.queue.length >= this.config.AUDIT_BATCH_SIZE) void this.flush();
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Writes everything queued, one batch after another (one flush at a time). */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = this.drain().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async drain(): Promise<void> {
    if (this.dropped) {
      this.logger.error({ dropped: this.dropped }, 'proxy log records dropped: Postgres was away too long');
      this.dropped = 0;
    }
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.config.AUDIT_BATCH_SIZE);
      try {
        await this.db.query(INSERT, columns(batch));
      } catch (err) {
        // Back in front for the next attempt; the size cap in record() bounds the memory.
        this.queue.unshift(...batch);
        this.logger.warn({ err: { type: (err as Error).name, message: (err as Error).message }, pending: this.queue.length }, 'proxy log batch not written; will retry');
        return;
      }
    }
  }

  /** Before the database connection closes (TypeORM closes it on application shutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch(() => undefined);
  }
}

function columns(batch: ProxyLogRecord[]): unknown[] {
  return [
    batch.map((r) => r.clusterId),
    batch.map((r) => r.organizationId),
    batch.map((r) => r.userId),
    batch.map((r) => r.tokenId),
    batch.map((r) => r.method),
    batch.map((r) => r.path),
    batch.map((r) => r.status),
    batch.map((r) => r.bytesIn),
    batch.map((r) => r.bytesOut),
    batch.map((r) => Math.round(r.durationMs)),
    batch.map((r) => r.requestId),
    batch.map((r) => r.createdAt),
  ];
}
