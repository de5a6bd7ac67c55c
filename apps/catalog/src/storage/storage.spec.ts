import { S3TestServer, startS3Server } from '@alien/testing';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { LocalStorage } from './local-storage';
import { ObjectNotFoundError, ObjectStorage, newObjectId } from './object-storage';
import { S3Storage } from './s3-storage';

const MIB = 1024 * 1024;

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function listAll(storage: ObjectStorage): Promise<string[]> {
  const out: string[] = [];
  for await (const id of storage.list()) out.push(id);
  return out.sort();
}

/** A body that sends `sent` bytes of `total`, then fails like a client that hung up. */
function truncatedBody(sent: number): Readable {
  const body = new PassThrough();
  const chunk = Buffer.alloc(64 * 1024, 7);
  let written = 0;
  const pump = () => {
    while (written < sent) {
      const n = Math.min(chunk.length, sent - written);
      written += n;
      if (!body.write(chunk.subarray(0, n))) return void body.once('drain', pump);
    }
    setTimeout(() => body.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })), 20);
  };
  pump();
  return body;
}

function bytes(n: number, seed = 1): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

describe.each(['local', 's3'] as const)('%s object storage', (driver) => {
  let sut: ObjectStorage;
  let dir: string;
  let s3: S3TestServer | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'alien-storage-spec-'));
    if (driver === 'local') {
      sut = new LocalStorage(path.join(dir, 'store'));
    } else {
      s3 = await startS3Server({ bucket: 'storage-spec' });
      sut = new S3Storage({
        endpoint: s3.endpoint,
        region: s3.region,
        bucket: s3.bucket,
        keyPrefix: 'catalog/',
        forcePathStyle: true,
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
        partSize: 5 * MIB,
      });
    }
  });

  afterAll(async () => {
    await sut.close();
    await s3?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores a streamed body under its object id and reads it back whole and by range', async () => {
    const id = newObjectId();
    const data = bytes(300_000);
    await sut.put(id, Readable.from([data.subarray(0, 1000), data.subarray(1000)]), 'application/octet-stream');
    expect(await sut.exists(id)).toBe(true);
    expect((await collect(await sut.read(id))).equals(data)).toBe(true);
    expect((await collect(await sut.read(id, { start: 10, end: 19 }))).equals(data.subarray(10, 20))).toBe(true);
    expect(await listAll(sut)).toContain(id);
    await sut.delete(id);
    await sut.delete(id);
    expect(await sut.exists(id)).toBe(false);
    await expect(sut.read(id)).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('streams a body larger than one multipart part (12 MiB) and keeps its SHA-256', async () => {
    const id = newObjectId();
    const data = bytes(12 * MIB, 5);
    await sut.put(id, Readable.from((function* () { for (let i = 0; i < data.length; i += MIB) yield data.subarray(i, i + MIB); })()), 'application/octet-stream');
    const back = await collect(await sut.read(id));
    expect(createHash('sha256').update(back).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    await sut.delete(id);
  });

  it.each([
    ['a small body', 100_000],
    ['a body past the first multipart part', 7 * MIB],
  ])('a truncated upload (%s) rejects and leaves no object, complete or partial', async (_what, sent) => {
    const before = await listAll(sut);
    const id = newObjectId();
    await expect(sut.put(id, truncatedBody(sent), 'application/octet-stream')).rejects.toThrow(/aborted/);
    expect(await sut.exists(id)).toBe(false);
    expect(await listAll(sut)).toEqual(before);
    if (driver === 'local') expect(readdirSync(path.join(dir, 'store', 'incoming'))).toEqual([]);
  });

  it.each([
    ['../../etc/passwd', '../../etc/passwd'],
    ['a/../../b', 'a/../../b'],
    ['..', '..'],
    ['a NUL character', 'abc\u0000def'],
    ['10 KB of text', 'x'.repeat(10 * 1024)],
    ['an absolute path', '/etc/passwd'],
    ['a UUID with a separator', '00000000-0000-0000-0000-00000000000/'],
  ])('refuses %s as an object id on every operation, touching nothing', async (_label, key) => {
    const before = await listAll(sut);
    await expect(sut.put(key, Readable.from([Buffer.from('x')]), 'text/plain')).rejects.toThrow(/not an object id/);
    await expect(sut.read(key)).rejects.toThrow(/not an object id/);
    await expect(sut.delete(key)).rejects.toThrow(/not an object id/);
    await expect(sut.exists(key)).rejects.toThrow(/not an object id/);
    expect(await listAll(sut)).toEqual(before);
    if (driver === 'local') expect(readdirSync(dir)).toEqual(['store']);
  });
});
