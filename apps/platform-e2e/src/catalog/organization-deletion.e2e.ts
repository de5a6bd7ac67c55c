import { Platform, client, query, startPlatform } from '@alien/testing';
import { Member, createDataset, ownerWithOrganization, registerCluster, storedObjects, unique, until } from './support/fixtures';

/** What the catalog holds for one organization, counted in its own tables (and its stored objects). */
async function holdings(platform: Platform, organizationId: number) {
  const [row] = await query<Record<string, string>>(
    platform.databaseUrl,
    `SELECT (SELECT count(*) FROM catalog.datasets WHERE organization_id = $1) AS datasets,
            (SELECT count(*) FROM catalog.entries e JOIN catalog.datasets d ON d.id = e.dataset_id WHERE d.organization_id = $1) AS entries,
            (SELECT count(*) FROM catalog.collections WHERE organization_id = $1) AS collections,
            (SELECT count(*) FROM catalog.ai_models WHERE organization_id = $1) AS models,
            (SELECT count(*) FROM catalog.ai_model_credentials c JOIN catalog.ai_models m ON m.id = c.model_id WHERE m.organization_id = $1) AS credentials`,
    [organizationId],
  );
  return Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v)]));
}

async function objectIdsOf(platform: Platform, organizationId: number): Promise<string[]> {
  return (
    await query<{ object_id: string }>(
      platform.databaseUrl,
      'SELECT e.object_id FROM catalog.entries e JOIN catalog.datasets d ON d.id = e.dataset_id WHERE d.organization_id = $1 AND e.object_id IS NOT NULL',
      [organizationId],
    )
  ).map((r) => r.object_id);
}

/** An organization with two datasets (entries with files), a collection and a private model with a key. */
async function populate(platform: Platform, org: Member): Promise<{ publicDataset: any }> {
  const cluster = await registerCluster(org);
  const publicDataset = await createDataset(org.api, cluster.id, { visibility: 'public' });
  const privateDataset = await createDataset(org.api, cluster.id);
  for (const ds of [publicDataset, privateDataset]) {
    for (const key of ['a.txt', 'b.txt']) {
      const entry = (await org.api.post(`/datasets/${ds.id}/entries`, { key })).body.data;
      const res = await fetch(`${platform.gatewayUrl}/datasets/${ds.id}/entries/${entry.id}/file`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${org.actor.token}` },
        body: Buffer.from(`${key} of ${ds.slug}`),
      });
      expect(res.status).toBe(200);
    }
  }
  const collection = (await org.api.post('/collections', { name: `Collection ${unique()}` })).body.data;
  await org.api.post(`/collections/${collection.id}/datasets`, { datasetIds: [publicDataset.id, privateDataset.id] });
  const model = (await org.api.post('/ai-models', { name: `Model ${unique()}`, modelType: 'llm', apiUrl: 'https://llm.example/v1', pricingType: 'free' })).body.data;
  expect((await org.api.put(`/ai-models/${model.id}/credentials`, { apiKey: `sk-${unique()}` })).status).toBe(200);
  return { publicDataset };
}

const FULL = { datasets: 2, entries: 4, collections: 1, models: 1, credentials: 1 };
const EMPTY = { datasets: 0, entries: 0, collections: 0, models: 0, credentials: 0 };

describe('organization deletion (auth’s event → the catalog’s durable consumer)', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform({ label: 'catalog-org-deletion', services: ['auth', 'catalog', 'orchestration'] });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
  });

  it('removes the organization’s datasets, entries, files, collections and models, and nothing of others', async () => {
    const [doomed, bystander] = await Promise.all([
      ownerWithOrganization(platform.gatewayUrl, platform.env, 'od-doomed'),
      ownerWithOrganization(platform.gatewayUrl, platform.env, 'od-bystander'),
    ]);
    const { publicDataset } = await populate(platform, doomed);
    await populate(platform, bystander);
    // The bystander's collection also holds the doomed organization's public dataset.
    const theirs = (await bystander.api.post('/collections', { name: `Links ${unique()}` })).body.data;
    await bystander.api.post(`/collections/${theirs.id}/datasets`, { datasetIds: [publicDataset.id] });
    expect(await holdings(platform, doomed.organizationId)).toEqual(FULL);
    const doomedObjects = await objectIdsOf(platform, doomed.organizationId);
    const bystanderObjects = await objectIdsOf(platform, bystander.organizationId);
    const storageDir = platform.env['STORAGE_DIR'] as string;
    expect(storedObjects(storageDir).objects).toEqual(expect.arrayContaining([...doomedObjects, ...bystanderObjects]));

    expect((await doomed.api.delete(`/organizations/${doomed.organizationId}`)).status).toBe(200);
    await until(() => holdings(platform, doomed.organizationId), (h) => JSON.stringify(h) === JSON.stringify(EMPTY));
    const left = await until(
      async () => storedObjects(storageDir).objects,
      (objects) => doomedObjects.every((o) => !objects.includes(o)),
    );
    expect(left.sort()).toEqual([...bystanderObjects].sort());
    expect(await holdings(platform, bystander.organizationId)).toEqual({ ...FULL, collections: 2 });
    expect((await bystander.api.get(`/collections/${theirs.id}`)).body.data.datasetCount).toBe(0);
    expect(await query(platform.databaseUrl, 'SELECT * FROM catalog.storage_garbage')).toEqual([]);
  });

  it('is durable: an organization deleted while the catalog is down is removed when it comes back', async () => {
    const doomed = await ownerWithOrganization(platform.gatewayUrl, platform.env, 'od-offline');
    await populate(platform, doomed);
    const objects = await objectIdsOf(platform, doomed.organizationId);
    await platform.stopProcess('catalog');
    expect((await client(platform.gatewayUrl, doomed.actor.token).delete(`/organizations/${doomed.organizationId}`)).status).toBe(200);
    // Nobody removed anything meanwhile.
    await new Promise((r) => setTimeout(r, 500));
    expect(await holdings(platform, doomed.organizationId)).toEqual(FULL);
    await platform.startService('catalog');
    await until(() => holdings(platform, doomed.organizationId), (h) => JSON.stringify(h) === JSON.stringify(EMPTY), 20_000);
    const storageDir = platform.env['STORAGE_DIR'] as string;
    await until(async () => storedObjects(storageDir).objects, (held) => objects.every((o) => !held.includes(o)));
  });
});
