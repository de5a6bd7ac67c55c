import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Platform, S3TestServer, client, query, startPlatform, startS3Server } from '@alien/testing';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { expectErrorEnvelope } from '../foundation/envelope-assertions';
import { Member, createDataset, ownerWithOrganization, registerCluster, storedObjects, until } from './support/fixtures';

const LIMIT = 1024 * 1024;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function bytes(n: number, seed = 1): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = (i * 13 + seed) & 0xff;
  return out;
}

/** What a driver holds: object keys relative to its store, plus anything not shaped like one. */
interface Store {
  list(): Promise<{ objects: string[]; other: string[] }>;
}

/**
 * Both storage drivers behind the same routes, each in a platform of its own with a 1 MiB file limit:
 * what is stored, what is refused (413) and what is left behind (nothing) after failures and deletes.
 */
describe.each(['local', 's3'] as const)('entry files on %s storage (MAX_ENTRY_FILE_BYTES = 1 MiB)', (driver) => {
  let platform: Platform;
  let s3: S3TestServer | undefined;
  let store: Store;
  let owner: Member;
  let dataset: any;

  beforeAll(async () => {
    s3 = driver === 's3' ? await startS3Server({ bucket: 'alien-catalog-e2e' }) : undefined;
    platform = await startPlatform({
      label: `catalog-files-${driver}`,
      services: ['auth', 'catalog', 'orchestration'],
      serviceEnv: { catalog: { MAX_ENTRY_FILE_BYTES: String(LIMIT), ...(s3 ? { ...s3.catalogEnv(), S3_KEY_PREFIX: 'catalog/' } : {}) } },
    });
    if (s3) {
      const sdk = new S3Client({
        endpoint: s3.endpoint,
        region: s3.region,
        forcePathStyle: true,
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      });
      const bucket = s3.bucket;
      store = {
        list: async () => {
          const out = await sdk.send(new ListObjectsV2Command({ Bucket: bucket }));
          const keys = (out.Contents ?? []).map((c) => c.Key ?? '');
          return {
            objects: keys.filter((k) => /^catalog\/objects\/[0-9a-f-]{36}$/.test(k)).map((k) => k.slice('catalog/objects/'.length)).sort(),
            other: keys.filter((k) => !/^catalog\/objects\/[0-9a-f-]{36}$/.test(k)),
          };
        },
      };
    } else {
      const dir = platform.env['STORAGE_DIR'] as string;
      store = { list: async () => storedObjects(dir) };
    }
    owner = await ownerWithOrganization(platform.gatewayUrl, platform.env, `files-${driver}`);
    const cluster = await registerCluster(owner);
    dataset = await createDataset(owner.api, cluster.id, { schema: { fields: { title: { type: 'string' } } } });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
    await s3?.stop();
  });

  const entriesPath = () => `/datasets/${dataset.id}/entries`;
  const referenced = async () =>
    (await query<{ object_id: string }>(platform.databaseUrl, 'SELECT object_id FROM catalog.entries WHERE object_id IS NOT NULL ORDER BY 1')).map((r) => r.object_id).sort();
  /** The store holds exactly the objects entries reference, nothing else, and no upload is open. */
  const consistent = async () => {
    const [held, refs, leases] = await Promise.all([store.list(), referenced(), query(platform.databaseUrl, 'SELECT * FROM catalog.storage_garbage')]);
    return { held: held.objects, other: held.other, refs, leases: leases.length };
  };
  const isConsistent = (s: Awaited<ReturnType<typeof consistent>>) => JSON.stringify(s.held) === JSON.stringify(s.refs) && !s.other.length && !s.leases;

  async function newEntry(key: string): Promise<any> {
    const res = await owner.api.post(entriesPath(), { key, metadata: { title: key } });
    expect(res.status).toBe(201);
    return res.body.data;
  }

  async function upload(entryId: number, body: Buffer | Readable, headers: Record<string, string> = {}) {
    try {
      const res = await fetch(`${platform.gatewayUrl}${entriesPath()}/${entryId}/file`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${owner.actor.token}`, ...headers },
        body: body as unknown as RequestInit['body'],
        ...(body instanceof Readable ? { duplex: 'half' } : {}),
      } as RequestInit);
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, text, headers: res.headers };
    } catch (error) {
      // The server may close before the client has sent everything: that is the point of an early 413.
      return { status: 0, body: undefined, text: String(error), headers: new Headers() };
    }
  }

  it('stores, serves whole and by range, and replaces a file (the old object is deleted)', async () => {
    const entry = await newEntry('a.bin');
    const first = bytes(LIMIT, 1);
    const up = await upload(entry.id, first, { 'x-checksum-sha256': sha256(first) });
    expect(up.status).toBe(200);
    expect(up.body.data).toMatchObject({ size: LIMIT, sha256: sha256(first), status: 'uploaded' });
    const api = client(platform.gatewayUrl, owner.actor.token);
    const whole = await fetch(`${platform.gatewayUrl}${entriesPath()}/${entry.id}/file`, { headers: { authorization: `Bearer ${owner.actor.token}` } });
    expect(Buffer.from(await whole.arrayBuffer()).equals(first)).toBe(true);
    const part = await fetch(`${platform.gatewayUrl}${entriesPath()}/${entry.id}/file`, { headers: { authorization: `Bearer ${owner.actor.token}`, range: 'bytes=1000-1999' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(first.subarray(1000, 2000))).toBe(true);
    const second = bytes(2000, 2);
    expect((await upload(entry.id, second)).status).toBe(200);
    expect((await api.get(`${entriesPath()}/${entry.id}`)).body.data.sha256).toBe(sha256(second));
    expect(isConsistent(await until(consistent, isConsistent))).toBe(true);
    expect((await store.list()).objects).toHaveLength(1);
  });

  it('a body over the limit is 413 and leaves nothing: declared up front, or found out while streaming (chunked)', async () => {
    const entry = await newEntry('big.bin');
    const declared = await upload(entry.id, bytes(LIMIT + 1));
    expectErrorEnvelope(declared as any, 413, 'file_too_large');
    // No Content-Length: the catalog counts, and stops the stream one byte past the limit.
    const chunks = (function* () {
      for (let i = 0; i < 3; i++) yield bytes(LIMIT / 2, i);
    })();
    const streamed = await upload(entry.id, Readable.from(chunks));
    expectErrorEnvelope(streamed as any, 413, 'file_too_large');
    const form = new FormData();
    form.append('metadata', JSON.stringify({ title: 'Too big' }));
    form.append('file', new Blob([bytes(LIMIT + 10)]), 'too-big.bin');
    const multipart = await fetch(`${platform.gatewayUrl}${entriesPath()}`, { method: 'POST', headers: { authorization: `Bearer ${owner.actor.token}` }, body: form });
    expect(multipart.status).toBe(413);
    expect(((await multipart.json()) as any).error.code).toBe('file_too_large');
    const state = await until(consistent, isConsistent);
    expect(state.refs).not.toContain(undefined);
    expect((await client(platform.gatewayUrl, owner.actor.token).get(`${entriesPath()}/${entry.id}`)).body.data).toMatchObject({ status: 'pending', size: null });
    expect(await query(platform.databaseUrl, `SELECT 1 FROM catalog.entries WHERE key = 'too-big.bin'`)).toEqual([]);
  });

  it('a truncated upload (client gone mid-body) leaves no object, complete or partial', async () => {
    const entry = await newEntry('cut.bin');
    const gone = new Readable({ read: () => undefined });
    const pending = upload(entry.id, gone, { 'content-length': String(LIMIT) });
    gone.push(bytes(300_000));
    await new Promise((r) => setTimeout(r, 200));
    gone.destroy(new Error('client went away'));
    expect((await pending).status).toBe(0);
    expect(isConsistent(await until(consistent, isConsistent))).toBe(true);
    expect((await client(platform.gatewayUrl, owner.actor.token).get(`${entriesPath()}/${entry.id}`)).body.data.status).toBe('pending');
  });

  it('a truncated multipart create leaves no entry and no object', async () => {
    const url = new URL(platform.gatewayUrl);
    const boundary = 'alienboundary';
    const head = Buffer.from(
      `--${boundary}\r\ncontent-disposition: form-data; name="key"\r\n\r\ncut-multipart.bin\r\n` +
        `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="cut.bin"\r\ncontent-type: application/octet-stream\r\n\r\n`,
    );
    await new Promise<void>((resolve) => {
      const socket = connect({ host: url.hostname, port: Number(url.port) }, () => {
        socket.write(
          `POST ${entriesPath()} HTTP/1.1\r\nhost: ${url.host}\r\nauthorization: Bearer ${owner.actor.token}\r\n` +
            `content-type: multipart/form-data; boundary=${boundary}\r\ncontent-length: ${head.length + 500_000}\r\n\r\n`,
        );
        socket.write(Buffer.concat([head, bytes(200_000)]), () => setTimeout(() => socket.destroy(), 300));
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve());
    });
    // The catalog saw the body end early and kept nothing of it.
    await platform.processes.get('catalog')?.waitForLine((l) => l.msg === 'multipart entry not kept' && l['reason'] === 'UploadTruncatedError');
    expect(isConsistent(await until(consistent, isConsistent))).toBe(true);
    expect(await query(platform.databaseUrl, `SELECT 1 FROM catalog.entries WHERE key = 'cut-multipart.bin'`)).toEqual([]);
  });

  it('deleting an entry deletes its object; deleting the dataset deletes every object of its entries', async () => {
    const api = client(platform.gatewayUrl, owner.actor.token);
    const ids: number[] = [];
    for (const key of ['x/1.bin', 'x/2.bin', 'x/3.bin']) {
      const entry = await newEntry(key);
      expect((await upload(entry.id, bytes(10_000, ids.length))).status).toBe(200);
      ids.push(entry.id);
    }
    const before = (await store.list()).objects;
    expect((await api.delete(`${entriesPath()}/${ids[0]}`)).status).toBe(200);
    const afterOne = await until(consistent, isConsistent);
    expect(afterOne.held).toHaveLength(before.length - 1);
    expect((await api.delete(`/datasets/${dataset.id}`)).status).toBe(200);
    const afterAll = await until(consistent, isConsistent);
    expect(afterAll).toEqual({ held: [], other: [], refs: [], leases: 0 });
  });
});
