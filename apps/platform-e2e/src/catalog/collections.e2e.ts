import { client } from '@alien/testing';
import { expectErrorEnvelope, expectValidation } from '../foundation/envelope-assertions';
import { sharedPlatform } from '../support/env';
import { Member, createDataset, memberOf, ownerWithOrganization, registerCluster, unique } from './support/fixtures';

const { gatewayUrl, env } = sharedPlatform();
const anonymous = client(gatewayUrl);

describe('collections and their routing info', () => {
  let owner: Member;
  let viewer: Member;
  let other: Member;
  let third: Member;
  let clusterA: { id: number; slug: string };
  let clusterB: { id: number; slug: string };
  let otherCluster: { id: number; slug: string };
  let ownPrivate: any;
  let ownPublic: any;
  let onB: any;
  let theirPublic: any;
  let theirPrivate: any;

  beforeAll(async () => {
    [owner, other, third] = await Promise.all([
      ownerWithOrganization(gatewayUrl, env, 'co-owner'),
      ownerWithOrganization(gatewayUrl, env, 'co-other'),
      ownerWithOrganization(gatewayUrl, env, 'co-third'),
    ]);
    viewer = await memberOf(gatewayUrl, env, owner, 'viewer', 'co-viewer');
    [clusterA, clusterB, otherCluster] = await Promise.all([registerCluster(owner), registerCluster(owner), registerCluster(other)]);
    ownPrivate = await createDataset(owner.api, clusterA.id, { name: `Own private ${unique()}` });
    ownPublic = await createDataset(owner.api, clusterA.id, { name: `Own public ${unique()}`, visibility: 'public' });
    onB = await createDataset(owner.api, clusterB.id, { name: `On B ${unique()}` });
    theirPublic = await createDataset(other.api, otherCluster.id, { name: `Their public ${unique()}`, visibility: 'public' });
    theirPrivate = await createDataset(other.api, otherCluster.id, { name: `Their private ${unique()}` });
  });

  it('CRUD: create for the organization (writers and up), read, update, delete', async () => {
    const created = await owner.api.post('/collections', { name: 'Ocean research', description: 'All things ocean' });
    expect(created.status).toBe(201);
    expect(created.body.data).toEqual({
      id: expect.any(Number),
      name: 'Ocean research',
      slug: 'ocean-research',
      description: 'All things ocean',
      visibility: 'private',
      organizationId: owner.organizationId,
      datasetCount: 0,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const id = created.body.data.id;
    // A taken derived slug steps on (README: only a slug you send can 409).
    expect((await owner.api.post('/collections', { name: 'Ocean research' })).body.data.slug).toBe('ocean-research-2');
    expectErrorEnvelope(await owner.api.post('/collections', { name: 'Ocean research', slug: 'ocean-research' }), 409, 'slug_taken');
    expect((await other.api.post('/collections', { name: 'Ocean research' })).status).toBe(201);
    expectErrorEnvelope(await viewer.api.post('/collections', { name: 'Viewer’s' }), 403);
    expectValidation(await owner.api.post('/collections', { name: 'X', visibility: 'secret' }), 'visibility', 'enum');
    expect((await viewer.api.get(`/collections/${id}`)).status).toBe(200);
    expectErrorEnvelope(await other.api.get(`/collections/${id}`), 404);
    expectErrorEnvelope(await anonymous.get(`/collections/${id}`), 404);
    expect((await owner.api.get('/collections/slug/ocean-research')).body.data.id).toBe(id);
    const patched = await owner.api.patch(`/collections/${id}`, { name: 'Ocean', visibility: 'public' });
    expect(patched.body.data).toMatchObject({ name: 'Ocean', visibility: 'public', slug: 'ocean-research' });
    expect((await anonymous.get(`/collections/${id}`)).status).toBe(200);
    expectErrorEnvelope(await other.api.patch(`/collections/${id}`, { name: 'Mine' }), 403);
    expectErrorEnvelope(await viewer.api.delete(`/collections/${id}`), 403);
    expect((await owner.api.delete(`/collections/${id}`)).body).toEqual({ success: true, data: { id, deleted: true } });
    expectErrorEnvelope(await owner.api.get(`/collections/${id}`), 404);
  });

  it('a slug shared by public collections of several other organizations is ambiguous (409) until ?organizationId= picks', async () => {
    const slug = `shared-${unique()}`;
    const a = await other.api.post('/collections', { name: 'A', slug, visibility: 'public' });
    const b = await third.api.post('/collections', { name: 'B', slug, visibility: 'public' });
    expectErrorEnvelope(await anonymous.get(`/collections/slug/${slug}`), 409, 'ambiguous_slug');
    expect((await anonymous.get(`/collections/slug/${slug}?organizationId=${third.organizationId}`)).body.data.id).toBe(b.body.data.id);
    // Your own organization's collection wins.
    expect((await other.api.get(`/collections/slug/${slug}`)).body.data.id).toBe(a.body.data.id);
    expect((await anonymous.get(`/collections/batch?slugs=${slug}`)).body.data).toHaveLength(2);
  });

  describe('datasets in a collection', () => {
    let collection: any;

    beforeAll(async () => {
      collection = (await owner.api.post('/collections', { name: `Mixed ${unique()}`, visibility: 'public' })).body.data;
    });

    it('adds datasets the caller can see, including another organization’s public one', async () => {
      const res = await owner.api.post(`/collections/${collection.id}/datasets`, { datasetIds: [ownPrivate.id, ownPublic.id, onB.id, theirPublic.id, ownPublic.id] });
      expect(res.status).toBe(200);
      expect(res.body.data.datasetCount).toBe(4);
    });

    it('another organization’s private dataset is 404, and nothing of the request is added', async () => {
      const extra = await createDataset(owner.api, clusterA.id, { name: `Extra ${unique()}` });
      const res = await owner.api.post(`/collections/${collection.id}/datasets`, { datasetIds: [extra.id, theirPrivate.id] });
      expectErrorEnvelope(res, 404, 'dataset_not_found');
      expect(res.body.message).toContain(String(theirPrivate.id));
      expect((await owner.api.get(`/collections/${collection.id}`)).body.data.datasetCount).toBe(4);
      expectErrorEnvelope(await owner.api.post(`/collections/${collection.id}/datasets`, { datasetIds: [999999] }), 404);
      expectValidation(await owner.api.post(`/collections/${collection.id}/datasets`, { datasetIds: [] }), 'datasetIds', 'minLength');
      const notIds = await owner.api.post(`/collections/${collection.id}/datasets`, { datasetIds: ['a'] });
      expectErrorEnvelope(notIds, 422);
      expect(notIds.body.error.messages).toContainEqual({ field: 'datasetIds', rule: 'number', message: expect.any(String) });
      expectErrorEnvelope(await other.api.post(`/collections/${collection.id}/datasets`, { datasetIds: [theirPublic.id] }), 403);
    });

    it('lists only the datasets each caller can see', async () => {
      const mine = (await owner.api.get(`/collections/${collection.id}/datasets?perPage=100`)).body.data.map((d: any) => d.id).sort();
      expect(mine).toEqual([ownPrivate.id, ownPublic.id, onB.id, theirPublic.id].sort());
      const theirs = await other.api.get(`/collections/${collection.id}/datasets`);
      expect(theirs.body.data.map((d: any) => d.id).sort()).toEqual([ownPublic.id, theirPublic.id].sort());
      expect(theirs.body.meta.total).toBe(2);
      expect((await anonymous.get(`/collections/${collection.id}`)).body.data.datasetCount).toBe(2);
    });

    it('routing: per cluster visible to the caller’s organization, its proxy path and the caller’s visible datasets on it', async () => {
      const routing = await owner.api.get(`/collections/${collection.id}/routing`);
      expect(routing.status).toBe(200);
      expect(routing.body.data).toEqual({
        collectionId: collection.id,
        clusters: expect.arrayContaining([
          {
            clusterId: clusterA.id,
            slug: clusterA.slug,
            status: expect.stringMatching(/^(pending|online|offline)$/),
            proxyPath: `/clusters/${clusterA.id}/proxy`,
            datasets: expect.arrayContaining([
              { id: ownPrivate.id, slug: ownPrivate.slug },
              { id: ownPublic.id, slug: ownPublic.slug },
            ]),
          },
          { clusterId: clusterB.id, slug: clusterB.slug, status: expect.any(String), proxyPath: `/clusters/${clusterB.id}/proxy`, datasets: [{ id: onB.id, slug: onB.slug }] },
        ]),
      });
      // theirPublic lives on a cluster the owner's organization may not use: the proxy would refuse it.
      expect(routing.body.data.clusters.map((c: any) => c.clusterId).sort()).toEqual([clusterA.id, clusterB.id].sort());
      expect(routing.body.data.clusters.find((c: any) => c.clusterId === clusterA.id).datasets).toHaveLength(2);
      const theirView = await other.api.get(`/collections/${collection.id}/routing`);
      expect(theirView.body.data.clusters).toEqual([
        { clusterId: otherCluster.id, slug: otherCluster.slug, status: expect.any(String), proxyPath: `/clusters/${otherCluster.id}/proxy`, datasets: [{ id: theirPublic.id, slug: theirPublic.slug }] },
      ]);
      // Anonymous callers may see the collection but use no cluster.
      expect((await anonymous.get(`/collections/${collection.id}/routing`)).body.data).toEqual({ collectionId: collection.id, clusters: [] });
    });

    it('a cluster shared with an organization appears in its routing', async () => {
      const shared = await registerCluster(other, { sharedWith: [owner.organizationId] });
      const ds = await createDataset(other.api, shared.id, { name: `On shared ${unique()}`, visibility: 'public' });
      await owner.api.post(`/collections/${collection.id}/datasets`, { datasetIds: [ds.id] });
      const routing = (await owner.api.get(`/collections/${collection.id}/routing`)).body.data;
      expect(routing.clusters.find((c: any) => c.clusterId === shared.id)).toEqual({
        clusterId: shared.id,
        slug: shared.slug,
        status: expect.any(String),
        proxyPath: `/clusters/${shared.id}/proxy`,
        datasets: [{ id: ds.id, slug: ds.slug }],
      });
    });

    it('removes a dataset from the collection (404 when it is not in it)', async () => {
      const res = await owner.api.delete(`/collections/${collection.id}/datasets/${onB.id}`);
      expect(res.status).toBe(200);
      expectErrorEnvelope(await owner.api.delete(`/collections/${collection.id}/datasets/${onB.id}`), 404);
      expect((await owner.api.get(`/collections/${collection.id}/routing`)).body.data.clusters.map((c: any) => c.clusterId)).not.toContain(clusterB.id);
      expect((await owner.api.get(`/datasets/${onB.id}`)).status).toBe(200);
    });
  });

  it('lists public collections and your own; filters by visibility and q', async () => {
    const name = `Findable ${unique()}`;
    const mine = (await owner.api.post('/collections', { name })).body.data;
    expect((await owner.api.get(`/collections?q=${encodeURIComponent(name)}`)).body.data.map((c: any) => c.id)).toEqual([mine.id]);
    expect((await other.api.get(`/collections?q=${encodeURIComponent(name)}`)).body.data).toEqual([]);
    expect((await owner.api.get('/collections?visibility=private&perPage=100')).body.data.every((c: any) => c.visibility === 'private' && c.organizationId === owner.organizationId)).toBe(true);
    expectValidation(await anonymous.get('/collections?orderBy=size'), 'orderBy', 'enum');
  });
});
