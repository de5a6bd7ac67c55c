import { client, query } from '@alien/testing';
import { Client } from 'pg';
import { expectErrorEnvelope, expectValidation } from '../foundation/envelope-assertions';
import { sharedPlatform } from '../support/env';
import { Member, createDataset, memberOf, ownerWithOrganization, readToken, registerCluster, unique } from './support/fixtures';

const { gatewayUrl, databaseUrl, env } = sharedPlatform();
const anonymous = client(gatewayUrl);

async function refs(): Promise<{ tags: any[]; license: any; provider: any; source: any }> {
  const [tags, licenses, providers, sources] = await Promise.all(
    ['/tags?perPage=3&orderBy=id', '/licenses?perPage=1&orderBy=id', '/providers?perPage=1&orderBy=id', '/sources?perPage=1&orderBy=id'].map(
      async (p) => (await anonymous.get(p)).body.data,
    ),
  );
  return { tags, license: licenses[0], provider: providers[0], source: sources[0] };
}

describe('datasets (gateway → catalog, clusters from orchestration)', () => {
  let owner: Member;
  let writer: Member;
  let viewer: Member;
  let other: Member;
  let cluster: { id: number; slug: string };
  let otherCluster: { id: number; slug: string };
  let sharedCluster: { id: number; slug: string };
  let reference: Awaited<ReturnType<typeof refs>>;

  beforeAll(async () => {
    [owner, other] = await Promise.all([ownerWithOrganization(gatewayUrl, env, 'ds-owner'), ownerWithOrganization(gatewayUrl, env, 'ds-other')]);
    [writer, viewer] = await Promise.all([memberOf(gatewayUrl, env, owner, 'writer', 'ds-writer'), memberOf(gatewayUrl, env, owner, 'viewer', 'ds-viewer')]);
    [cluster, otherCluster, sharedCluster] = await Promise.all([
      registerCluster(owner),
      registerCluster(other),
      registerCluster(other, { sharedWith: [owner.organizationId] }),
    ]);
    reference = await refs();
  });

  it('creates a dataset with its references joined, schema version 1 and the caller’s organization', async () => {
    const { tags, license, provider, source } = reference;
    const res = await writer.api.post('/datasets', {
      name: 'Parliament speeches',
      description: '# Speeches\nEvery plenary session.',
      type: 'text',
      schema: { fields: { title: { type: 'string', required: true }, year: { type: 'integer' } } },
      pipeline: { chunker: { size: 512 } },
      licenseId: license.id,
      providerId: provider.id,
      sourceId: source.id,
      tagIds: [tags[1].id, tags[0].id],
      clusterId: cluster.id,
      accessPrice: 250,
    });
    expect(res.status).toBe(201);
    expect(res.body.data).toEqual({
      id: expect.any(Number),
      name: 'Parliament speeches',
      slug: 'parliament-speeches',
      description: '# Speeches\nEvery plenary session.',
      type: 'text',
      schema: { version: 1, fields: { title: { type: 'string', required: true }, year: { type: 'integer' } } },
      pipeline: { chunker: { size: 512 } },
      visibility: 'private',
      licenseId: license.id,
      providerId: provider.id,
      sourceId: source.id,
      tagIds: expect.arrayContaining([tags[0].id, tags[1].id]),
      license: { id: license.id, slug: license.slug, name: license.name },
      provider: { id: provider.id, slug: provider.slug, name: provider.name },
      source: { id: source.id, slug: source.slug, name: source.name },
      tags: expect.arrayContaining([{ id: tags[0].id, slug: tags[0].slug, name: tags[0].name }]),
      clusterId: cluster.id,
      accessPrice: 250,
      organizationId: owner.organizationId,
      entryCount: 0,
      createdAt: expect.stringMatching(/Z$/),
      updatedAt: expect.stringMatching(/Z$/),
    });
    expect(res.body.data.tags).toHaveLength(2);
    expect((await writer.api.get(`/datasets/${res.body.data.id}`)).body).toEqual(res.body);
  });

  it('refuses bad bodies with 422 naming the field and rule', async () => {
    const base = { name: 'x', type: 'text', clusterId: cluster.id };
    expectValidation(await owner.api.post('/datasets', { type: 'text', clusterId: cluster.id }), 'name', 'required');
    expectValidation(await owner.api.post('/datasets', { ...base, type: 'video' }), 'type', 'enum');
    expectValidation(await owner.api.post('/datasets', { ...base, accessPrice: -1 }), 'accessPrice', 'min');
    expectValidation(await owner.api.post('/datasets', { ...base, slug: 'Not A Slug' }), 'slug', 'regex');
    expectValidation(await owner.api.post('/datasets', { ...base, schema: { fields: { a: { type: 'uuid' } } } }), 'schema.fields.a.type', 'enum');
    expectValidation(await owner.api.post('/datasets', { ...base, licenseId: 999999 }), 'licenseId', 'exists');
    expectValidation(await owner.api.post('/datasets', { ...base, tagIds: [reference.tags[0].id, 999999] }), 'tagIds.1', 'exists');
    expectValidation(await owner.api.post('/datasets', { ...base, organizationId: 1 }), 'organizationId', 'unknownField');
  });

  it('a cluster not visible to the organization is 404; a cluster shared with it is fine', async () => {
    expectErrorEnvelope(await owner.api.post('/datasets', { name: 'On their cluster', type: 'text', clusterId: otherCluster.id }), 404, 'cluster_not_found');
    expectErrorEnvelope(await owner.api.post('/datasets', { name: 'Nowhere', type: 'text', clusterId: 999999 }), 404, 'cluster_not_found');
    const shared = await owner.api.post('/datasets', { name: `Shared ${unique()}`, type: 'audio', clusterId: sharedCluster.id });
    expect(shared.status).toBe(201);
    expect(shared.body.data.organizationId).toBe(owner.organizationId);
  });

  it('only writers and up of the organization create; read tokens and anonymous callers cannot', async () => {
    expectErrorEnvelope(await viewer.api.post('/datasets', { name: 'Viewer’s', type: 'text', clusterId: cluster.id }), 403);
    const read = client(gatewayUrl, await readToken(owner));
    expectErrorEnvelope(await read.post('/datasets', { name: 'Read token’s', type: 'text', clusterId: cluster.id }), 403, 'read_only_token');
    expectErrorEnvelope(await anonymous.post('/datasets', { name: 'Anyone’s', type: 'text', clusterId: cluster.id }), 401);
  });

  it('slugs are unique within a cluster (409); shared across clusters they are ambiguous by slug (409) until ?clusterId= picks', async () => {
    const slug = `speeches-${unique()}`;
    await createDataset(owner.api, cluster.id, { slug, visibility: 'public' });
    expectErrorEnvelope(await owner.api.post('/datasets', { name: 'Again', slug, type: 'text', clusterId: cluster.id }), 409, 'slug_taken');
    const second = await createDataset(owner.api, sharedCluster.id, { slug, visibility: 'public' });
    const ambiguous = await anonymous.get(`/datasets/slug/${slug}`);
    expectErrorEnvelope(ambiguous, 409, 'ambiguous_slug');
    expect(ambiguous.body.message).toContain(String(cluster.id));
    expect(ambiguous.body.message).toContain(String(sharedCluster.id));
    const picked = await anonymous.get(`/datasets/slug/${slug}?clusterId=${sharedCluster.id}`);
    expect(picked.status).toBe(200);
    expect(picked.body.data.id).toBe(second.id);
    expectValidation(await anonymous.get(`/datasets/slug/${slug}?clusterId=abc`), 'clusterId', 'number');
    const renamed = await owner.api.patch(`/datasets/${second.id}`, { slug: `${slug}-b` });
    expect(renamed.status).toBe(200);
    expect((await anonymous.get(`/datasets/slug/${slug}`)).status).toBe(200);
  });

  it('private datasets: 404 to anonymous callers and other organizations; public ones for everyone', async () => {
    const secret = await createDataset(owner.api, cluster.id, { name: `Secret ${unique()}` });
    expect((await viewer.api.get(`/datasets/${secret.id}`)).status).toBe(200);
    expectErrorEnvelope(await anonymous.get(`/datasets/${secret.id}`), 404);
    expectErrorEnvelope(await other.api.get(`/datasets/${secret.id}`), 404);
    expectErrorEnvelope(await other.api.get(`/datasets/slug/${secret.slug}`), 404);
    expect((await other.api.get(`/datasets/batch?ids=${secret.id}`)).body.data).toEqual([]);
    const open = await createDataset(owner.api, cluster.id, { name: `Open ${unique()}`, visibility: 'public' });
    expect((await anonymous.get(`/datasets/${open.id}`)).status).toBe(200);
    // Visible, but not theirs to change: 403.
    expectErrorEnvelope(await other.api.patch(`/datasets/${open.id}`, { name: 'Hijacked' }), 403);
    expectErrorEnvelope(await other.api.delete(`/datasets/${open.id}`), 403);
    expectErrorEnvelope(await other.api.patch(`/datasets/${secret.id}`, { name: 'Hijacked' }), 404);
    expectErrorEnvelope(await viewer.api.patch(`/datasets/${secret.id}`, { name: 'Viewer edit' }), 403);
    expect((await owner.api.get(`/datasets/batch?ids=${open.id},999999,${secret.id}`)).body.data.map((d: any) => d.id)).toEqual([open.id, secret.id]);
  });

  it('schema.version grows when fields change (not on reordering), and older entries need reprocessing', async () => {
    const ds = await createDataset(owner.api, cluster.id, { schema: { fields: { a: { type: 'string' }, b: { type: 'integer' } } } });
    const entry = (await owner.api.post(`/datasets/${ds.id}/entries`, { key: 'one.txt', metadata: { a: 'x' } })).body.data;
    expect(entry).toMatchObject({ schemaVersion: 1, needsReprocessing: false });
    const same = await owner.api.patch(`/datasets/${ds.id}`, { schema: { fields: { b: { type: 'integer' }, a: { type: 'string' } } } });
    expect(same.body.data.schema.version).toBe(1);
    const changed = await owner.api.patch(`/datasets/${ds.id}`, { schema: { version: 1, fields: { a: { type: 'string' }, b: { type: 'number' } } } });
    expect(changed.body.data.schema).toEqual({ version: 2, fields: { a: { type: 'string' }, b: { type: 'number' } } });
    expect((await owner.api.get(`/datasets/${ds.id}/entries/${entry.id}`)).body.data).toMatchObject({ schemaVersion: 1, needsReprocessing: true });
    // Metadata checked against the new schema brings the entry up to date.
    const updated = await owner.api.patch(`/datasets/${ds.id}/entries/${entry.id}`, { metadata: { a: 'x', b: 1.5 } });
    expect(updated.body.data).toMatchObject({ schemaVersion: 2, needsReprocessing: false });
    expectValidation(await owner.api.patch(`/datasets/${ds.id}`, { clusterId: sharedCluster.id }), 'clusterId', 'unknownField');
    expectValidation(await owner.api.patch(`/datasets/${ds.id}`, {}), 'body', 'required');
  });

  describe('GET /datasets', () => {
    const word = `zq${unique()}`;
    let a: any;
    let b: any;
    let c: any;
    let hidden: any;

    beforeAll(async () => {
      const { tags, license, provider, source } = reference;
      a = await createDataset(owner.api, cluster.id, {
        name: `Ocean temperature ${word}`,
        description: `Buoys measuring ${word} temperatures`,
        visibility: 'public',
        tagIds: [tags[0].id],
        licenseId: license.id,
        type: 'text',
      });
      b = await createDataset(owner.api, cluster.id, {
        name: 'Coastal erosion',
        description: `Mentions ${word} once`,
        visibility: 'public',
        providerId: provider.id,
        sourceId: source.id,
        type: 'images',
      });
      c = await createDataset(other.api, otherCluster.id, { name: `Bird songs ${word}`, visibility: 'public', type: 'audio' });
      hidden = await createDataset(other.api, otherCluster.id, { name: `Hidden ${word}`, visibility: 'private', type: 'text' });
    });

    it('q searches name and description in full text, most relevant first, and never shows others’ private datasets', async () => {
      const res = await owner.api.get(`/datasets?q=${word}&perPage=100`);
      expect(res.status).toBe(200);
      const ids = res.body.data.map((d: any) => d.id);
      expect(ids).toEqual(expect.arrayContaining([a.id, b.id, c.id]));
      expect(ids).not.toContain(hidden.id);
      expect(res.body.meta.total).toBe(3);
      // The name match (weight A, and twice) ranks above a single mention in a description.
      expect(ids.indexOf(a.id)).toBeLessThan(ids.indexOf(b.id));
      expect((await other.api.get(`/datasets?q=${word}`)).body.data.map((d: any) => d.id)).toContain(hidden.id);
      // Stemming: "temperature" finds "temperatures".
      expect((await anonymous.get(`/datasets?q=${encodeURIComponent(`${word} temperature`)}`)).body.data.map((d: any) => d.id)).toEqual([a.id]);
      for (const tricky of ["' OR 1=1 --", '"unterminated', '!!!', '&|<->', 'a\\b']) {
        expect((await anonymous.get(`/datasets?q=${encodeURIComponent(tricky)}`)).status).toBe(200);
      }
    });

    it('filters by tag, license, provider, source (id or slug), type, visibility and clusterId', async () => {
      const { tags, license, provider, source } = reference;
      const ids = async (filter: string) => (await owner.api.get(`/datasets?q=${word}&${filter}`)).body.data.map((d: any) => d.id).sort();
      expect(await ids(`tag=${tags[0].id}`)).toEqual([a.id]);
      expect(await ids(`tag=${tags[0].slug}`)).toEqual([a.id]);
      expect(await ids(`license=${license.slug}`)).toEqual([a.id]);
      expect(await ids(`provider=${provider.id}`)).toEqual([b.id]);
      expect(await ids(`source=${source.slug}`)).toEqual([b.id]);
      expect(await ids('type=audio')).toEqual([c.id]);
      expect(await ids(`clusterId=${otherCluster.id}`)).toEqual([c.id]);
      expect(await ids('visibility=private')).toEqual([]);
      expect(await ids('tag=no-such-tag')).toEqual([]);
    });

    it('orders by name, createdAt, updatedAt or relevance (which needs q); bad parameters are 422', async () => {
      const byName = (await owner.api.get(`/datasets?q=${word}&orderBy=name`)).body.data.map((d: any) => d.name);
      expect(byName).toEqual([...byName].sort((x: string, y: string) => x.localeCompare(y)));
      const newest = (await owner.api.get(`/datasets?q=${word}&orderBy=createdAt&direction=desc`)).body.data[0];
      expect(newest.id).toBe(c.id);
      expectValidation(await anonymous.get('/datasets?orderBy=relevance'), 'orderBy', 'requires');
      expectValidation(await anonymous.get('/datasets?type=video'), 'type', 'enum');
      expectValidation(await anonymous.get('/datasets?tag=Not%20A%20Slug'), 'tag', 'regex');
      expectValidation(await anonymous.get('/datasets?clusterId=0'), 'clusterId', 'min');
      expectValidation(await anonymous.get('/datasets?visibility=secret'), 'visibility', 'enum');
      const many = await anonymous.get('/datasets?type=video&visibility=secret&perPage=500');
      expect(many.body.error.messages.map((m: any) => m.field).sort()).toEqual(['perPage', 'type', 'visibility']);
    });

    it('the full-text search uses the GIN index on the generated tsvector column', async () => {
      const pg = new Client({ connectionString: databaseUrl });
      await pg.connect();
      try {
        await pg.query('SET enable_seqscan = off');
        const explained = await pg.query(
          `EXPLAIN SELECT d.id FROM catalog.datasets d WHERE (d.visibility = 'public' OR d.organization_id = 1)
             AND d.search @@ websearch_to_tsquery('english', $1) ORDER BY ts_rank_cd(d.search, websearch_to_tsquery('english', $1)) DESC LIMIT 20`,
          [word],
        );
        expect(explained.rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/Bitmap Index Scan on ix_datasets_search/);
      } finally {
        await pg.end();
      }
    });
  });

  it('DELETE removes the dataset (then 404); only writers of the owning organization may', async () => {
    const ds = await createDataset(owner.api, cluster.id);
    expectErrorEnvelope(await viewer.api.delete(`/datasets/${ds.id}`), 403);
    expect((await writer.api.delete(`/datasets/${ds.id}`)).body).toEqual({ success: true, data: { id: ds.id, deleted: true } });
    expectErrorEnvelope(await owner.api.get(`/datasets/${ds.id}`), 404);
    expectErrorEnvelope(await owner.api.delete(`/datasets/${ds.id}`), 404);
    expect(await query(databaseUrl, 'SELECT 1 FROM catalog.datasets WHERE id = $1', [ds.id])).toEqual([]);
  });
});
