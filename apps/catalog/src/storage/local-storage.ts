import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { ObjectNotFoundError, ObjectStorage, assertObjectId } from './object-storage';

/**
 * Objects as files under `<dir>/objects/<first two characters>/<object id>`. An upload is written to
 * `<dir>/incoming/` first and renamed into place only once complete, so a reader never sees half a
 * file and a failed upload leaves nothing under `objects/`.
 */
export class LocalStorage implements ObjectStorage {
  readonly driver = 'local' as const;
  readonly root: string;

  constructor(dir: string) {
    this.root = path.resolve(dir);
  }

  private objectPath(objectId: string): string {
    assertObjectId(objectId);
    const full = path.join(this.root, 'objects', objectId.slice(0, 2), objectId);
    // Belt and braces: object ids cannot contain separators or dots, but never trust one check.
    if (path.relative(this.root, full).startsWith('..')) throw new Error('object path escapes the storage directory');
    return full;
  }

  async put(objectId: string, body: Readable, _contentType: string): Promise<void> {
    const target = this.objectPath(objectId);
    const incoming = path.join(this.root, 'incoming', `${objectId}.${randomBytes(4).toString('hex')}`);
    await mkdir(path.dirname(incoming), { recursive: true });
    try {
      await pipeline(body, createWriteStream(incoming, { flags: 'wx' }));
      await mkdir(path.dirname(target), { recursive: true });
      await rename(incoming, target);
    } catch (error) {
      await unlink(incoming).catch(() => undefined);
      throw error;
    }
  }

  async read(objectId: string, range?: { start: number; end: number }): Promise<Readable> {
    const file = this.objectPath(objectId);
    const stream = createReadStream(file, range ? { start: range.start, end: range.end } : {});
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? new ObjectNotFoundError(objectId) : e));
    });
    return stream;
  }

  async delete(objectId: string): Promise<void> {
    await unlink(this.objectPath(objectId)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }

  async exists(objectId: string): Promise<boolean> {
    return stat(this.objectPath(objectId)).then(
      () => true,
      () => false,
    );
  }

  async *list(): AsyncIterable<string> {
    const objects = path.join(this.root, 'objects');
    const shards = await readdir(objects).catch(() => [] as string[]);
    for (const shard of shards.sort()) {
      for (const name of (await readdir(path.join(objects, shard)).catch(() => [] as string[])).sort()) yield name;
    }
  }

  async sweepIncomplete(olderThanMs: number): Promise<number> {
    const dir = path.join(this.root, 'incoming');
    let removed = 0;
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const file = path.join(dir, name);
      const info = await stat(file).catch(() => null);
      if (info && Date.now() - info.mtimeMs > olderThanMs) {
        await rm(file, { force: true });
        removed++;
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    /* nothing held open */
  }
}
