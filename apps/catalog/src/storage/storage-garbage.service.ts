import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { PinoLogger } from 'nestjs-pino';
import { DataSource, EntityManager } from 'typeorm';
import { returning } from '../shared/sql';
import { OBJECT_STORAGE, ObjectStorage } from './object-storage';

export const STORAGE_GARBAGE_OPTIONS = Symbol('STORAGE_GARBAGE_OPTIONS');

export interface StorageGarbageOptions {
  /** How long an upload may run before its object counts as abandoned. */
  uploadLeaseSec: number;
  sweepIntervalMs: number;
}

type Queryable = Pick<EntityManager, 'query'>;

/**
 * Keeps storage and database in step without distributed transactions. Every object the database
 * stops referencing is written to `storage_garbage` in the same transaction that drops the reference,
 * and deleted from storage after the commit; an upload takes a lease row before its first byte, and the
 * transaction that makes an entry point at the object removes it. Whatever a crash leaves behind (an
 * object whose delete failed, an upload that never finished) is found by the sweeper and removed.
 */
@Injectable()
export class StorageGarbage implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(OBJECT_STORAGE) private readonly storage: ObjectStorage,
    @Inject(STORAGE_GARBAGE_OPTIONS) private readonly options: StorageGarbageOptions,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(StorageGarbage.name);
  }

  /** Before an upload starts: if it never completes, the sweeper deletes whatever it left. */
  async lease(objectId: string): Promise<void> {
    await this.db.query(
      `INSERT INTO "catalog"."storage_garbage" ("object_id", "delete_after", "reason") VALUES ($1, now() + make_interval(secs => $2), 'upload')`,
      [objectId, this.options.uploadLeaseSec],
    );
  }

  /** In the transaction that makes an entry point at the uploaded object: the lease ends. */
  async release(m: Queryable, objectId: string): Promise<boolean> {
    const rows = await returning(m, `DELETE FROM "catalog"."storage_garbage" WHERE "object_id" = $1 AND "reason" = 'upload' RETURNING 1`, [objectId]);
    return rows.length > 0;
  }

  /** In the transaction that drops the last reference to these objects. */
  async mark(m: Queryable, objectIds: (string | null)[], reason: 'replaced' | 'deleted'): Promise<string[]> {
    const ids = objectIds.filter((id): id is string => typeof id === 'string');
    if (!ids.length) return [];
    await m.query(
      `INSERT INTO "catalog"."storage_garbage" ("object_id", "delete_after", "reason")
       SELECT unnest($1::uuid[]), now(), $2
       ON CONFLICT ("object_id") DO UPDATE SET "delete_after" = now(), "reason" = EXCLUDED."reason"`,
      [ids, reason],
    );
    return ids;
  }

  /** After the commit: delete these objects now (the sweeper retries any that fail). */
  async purge(objectIds: string[]): Promise<void> {
    for (const id of objectIds) await this.deleteOne(id);
  }

  /** An upload that failed: its object (if any) goes, and so does its lease. */
  async abandon(objectId: string): Promise<void> {
    await this.deleteOne(objectId, true);
  }

  private async deleteOne(objectId: string, anyReason = false): Promise<void> {
    try {
      await this.storage.delete(objectId);
      await this.db.query(
        `DELETE FROM "catalog"."storage_garbage" WHERE "object_id" = $1 ${anyReason ? '' : `AND "delete_after" <= now()`}`,
        [objectId],
      );
    } catch (err) {
      this.logger.warn({ err, objectId }, 'storage delete failed; the sweeper will retry');
    }
  }

  /** One pass: every due row, then partial uploads older than the lease. */
  async sweep(): Promise<void> {
    for (;;) {
      const due: { object_id: string }[] = await this.db.query(
        `SELECT "object_id" FROM "catalog"."storage_garbage" WHERE "delete_after" <= now() ORDER BY "delete_after" LIMIT 200`,
      );
      for (const row of due) await this.deleteOne(row.object_id);
      if (due.length < 200) break;
    }
    const swept = await this.storage.sweepIncomplete(this.options.uploadLeaseSec * 1000);
    if (swept) this.logger.info({ swept }, 'abandoned partial uploads removed');
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.sweeping) return;
      this.sweeping = this.sweep()
        .catch((err: unknown) => this.logger.warn({ err }, 'storage sweep failed'))
        .finally(() => (this.sweeping = undefined));
    }, this.options.sweepIntervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
    await this.storage.close();
  }
}
