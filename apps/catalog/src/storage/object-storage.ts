import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';

/**
 * Where entry files live. Objects are named by ids the catalog generates (UUIDs), never by anything a
 * client sent, so no key can reach outside the store. Implementations: local disk and S3-compatible.
 */
export interface ObjectStorage {
  readonly driver: 'local' | 's3';
  /**
   * Streams `body` into a new object. Resolves once it is stored in full; when the body fails (a
   * truncated upload, a size limit), rejects and leaves no object behind.
   */
  put(objectId: string, body: Readable, contentType: string): Promise<void>;
  /** The object's bytes, or the inclusive byte range `start..end`. ObjectNotFoundError when absent. */
  read(objectId: string, range?: { start: number; end: number }): Promise<Readable>;
  /** Removes the object; absent objects are fine (deletes are retried). */
  delete(objectId: string): Promise<void>;
  exists(objectId: string): Promise<boolean>;
  /** Every stored object id (sweeps, runbooks and tests that prove there are no orphans). */
  list(): AsyncIterable<string>;
  /** Drops partial uploads older than `olderThanMs` left by a process that died mid-upload. */
  sweepIncomplete(olderThanMs: number): Promise<number>;
  close(): Promise<void>;
}

export const OBJECT_STORAGE = Symbol('OBJECT_STORAGE');

export class ObjectNotFoundError extends Error {
  override name = 'ObjectNotFoundError';
}

const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function newObjectId(): string {
  return randomUUID();
}

/** Object ids are UUIDs: anything else is refused before it gets near a path or a key. */
export function assertObjectId(objectId: string): string {
  if (typeof objectId !== 'string' || !OBJECT_ID.test(objectId)) throw new Error(`not an object id: ${JSON.stringify(String(objectId).slice(0, 80))}`);
  return objectId;
}
