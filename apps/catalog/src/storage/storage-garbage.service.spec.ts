import { createDatabase, dropDatabase, uniqueName } from '@alien/testing';
import { migrateUp } from '@alien/persistence';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, utimesSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { catalogDataSourceOptions } from '../database/data-source';
import { LocalStorage } from './local-storage';
import { newObjectId } from './object-storage';
import { StorageGarbage } from './storage-garbage.service';

/** Storage garbage against a real Postgres (catalog migrations) and a real directory. */
describe(StorageGarbage.name, () => {
  const name = uniqueName('catalog_garbage');
  let db: DataSource;
  let dir: string;
  let storage: LocalStorage;
  let sut: StorageGarbage;
  const logger = new PinoLogger({ pinoHttp: { level: 'silent' } });

  const put = (id: string) => storage.put(id, Readable.from([Buffer.from(id)]), 'text/plain');
  const rows = async () => (await db.query(`SELECT object_id, reason FROM catalog.storage_garbage ORDER BY object_id`)) as { object_id: string; reason: string }[];

  beforeAll(async () => {
    const url = await createDatabase(name);
    const options = catalogDataSourceOptions(url, 2);
    await migrateUp({ ...options, schema: 'catalog' });
    db = new DataSource({ ...options, logging: false });
    await db.initialize();
    dir = mkdtempSync(path.join(tmpdir(), 'alien-garbage-'));
    storage = new LocalStorage(dir);
    sut = new StorageGarbage(db, storage, { uploadLeaseSec: 60, sweepIntervalMs: 60_000 }, logger);
  });

  afterAll(async () => {
    await db?.destroy();
    await dropDatabase(name);
    rmSync(dir, { recursive: true, force: true });
  });

  it('objects marked in a transaction are deleted by purge after the commit, rows and all', async () => {
    const [a, b] = [newObjectId(), newObjectId()];
    await Promise.all([put(a), put(b)]);
    const marked = await db.transaction((m) => sut.mark(m, [a, null, b], 'deleted'));
    expect(marked.sort()).toEqual([a, b].sort());
    await sut.purge(marked);
    expect(await storage.exists(a)).toBe(false);
    expect(await storage.exists(b)).toBe(false);
    expect(await rows()).toEqual([]);
  });

  it('a mark rolled back with its transaction deletes nothing', async () => {
    const id = newObjectId();
    await put(id);
    await db
      .transaction(async (m) => {
        await sut.mark(m, [id], 'deleted');
        throw new Error('the delete failed');
      })
      .catch(() => undefined);
    await sut.sweep();
    expect(await storage.exists(id)).toBe(true);
    await storage.delete(id);
  });

  it('a lease released in the transaction that references the object keeps it; an expired lease is swept', async () => {
    const kept = newObjectId();
    const abandoned = newObjectId();
    await sut.lease(kept);
    await sut.lease(abandoned);
    await Promise.all([put(kept), put(abandoned)]);
    expect(await db.transaction((m) => sut.release(m, kept))).toBe(true);
    expect(await db.transaction((m) => sut.release(m, kept))).toBe(false);
    // The process that wrote `abandoned` died: its lease runs out, the sweeper removes the object.
    await sut.sweep();
    expect(await storage.exists(abandoned)).toBe(true);
    await db.query(`UPDATE catalog.storage_garbage SET delete_after = now() - interval '1 second' WHERE object_id = $1`, [abandoned]);
    await sut.sweep();
    expect(await storage.exists(abandoned)).toBe(false);
    expect(await storage.exists(kept)).toBe(true);
    expect(await rows()).toEqual([]);
    await storage.delete(kept);
  });

  it('a delete storage refuses stays listed and is retried by the sweeper', async () => {
    const id = newObjectId();
    await put(id);
    const marked = await db.transaction((m) => sut.mark(m, [id], 'replaced'));
    const realDelete = storage.delete.bind(storage);
    storage.delete = () => Promise.reject(new Error('storage unavailable'));
    await sut.purge(marked);
    expect(await rows()).toEqual([{ object_id: id, reason: 'replaced' }]);
    storage.delete = realDelete;
    await sut.sweep();
    expect(await storage.exists(id)).toBe(false);
    expect(await rows()).toEqual([]);
  });

  it('partial uploads older than the lease are removed from incoming/', async () => {
    const incoming = path.join(dir, 'incoming');
    mkdirSync(incoming, { recursive: true });
    writeFileSync(path.join(incoming, 'old.part'), 'x');
    writeFileSync(path.join(incoming, 'fresh.part'), 'x');
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(path.join(incoming, 'old.part'), hourAgo, hourAgo);
    await sut.sweep();
    expect(readdirSync(incoming)).toEqual(['fresh.part']);
  });
});
