import { client, request } from '@alien/testing';
import { randomBytes } from 'node:crypto';
import { sharedPlatform } from '../support/env';
import { Member, createDataset, memberOf, ownerWithOrganization, readToken, registerCluster } from './support/fixtures';

const { gatewayUrl, env } = sharedPlatform();
const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;
/** The catalog's routes, as the gateway documents them. */
const CATALOG_PATH = /^\/(datasets|collections|ai-models)(\/|$)/;

interface Operation {
  method: string;
  template: string;
  isPublic: boolean;
}

/**
 * Organization A's private dataset (with an entry and its file), collection and AI model (with a key),
 * against every catalog route the gateway documents, called by anonymous callers, a viewer and the owner
 * of organization B, and read tokens: no answer may confirm, show or change anything of A's.
 */
describe('catalog cross-organization matrix (generated from the OpenAPI route list)', () => {
  const marker = `SECRET${randomBytes(6).toString('hex')}`;
  let a: Member;
  let bOwner: Member;
  let bViewer: Member;
  let operations: Operation[];
  const ids: Record<string, number | string> = {};
  let secretKey: string;

  beforeAll(async () => {
    [a, bOwner] = await Promise.all([ownerWithOrganization(gatewayUrl, env, 'xo-a'), ownerWithOrganization(gatewayUrl, env, 'xo-b')]);
    bViewer = await memberOf(gatewayUrl, env, bOwner, 'viewer', 'xo-b-viewer');
    const cluster = await registerCluster(a);
    const dataset = await createDataset(a.api, cluster.id, { name: `${marker} dataset`, description: marker, slug: `${marker.toLowerCase()}-ds` });
    const entry = (await a.api.post(`/datasets/${dataset.id}/entries`, { key: `${marker}.txt` })).body.data;
    await fetch(`${gatewayUrl}/datasets/${dataset.id}/entries/${entry.id}/file`, { method: 'PUT', headers: { authorization: `Bearer ${a.actor.token}` }, body: Buffer.from(marker) });
    const collection = (await a.api.post('/collections', { name: `${marker} collection`, slug: `${marker.toLowerCase()}-co` })).body.data;
    await a.api.post(`/collections/${collection.id}/datasets`, { datasetIds: [dataset.id] });
    const model = (await a.api.post('/ai-models', { name: `${marker} model`, slug: `${marker.toLowerCase()}-mo`, modelType: 'llm', apiUrl: 'https://llm.example/v1', pricingType: 'free' })).body.data;
    secretKey = `sk-${marker}`;
    await a.api.put(`/ai-models/${model.id}/credentials`, { apiKey: secretKey });
    Object.assign(ids, { dataset: dataset.id, datasetSlug: dataset.slug, entry: entry.id, collection: collection.id, collectionSlug: collection.slug, model: model.id, modelSlug: model.slug });

    const doc = (await client(gatewayUrl).get('/docs/openapi.json')).body;
    operations = Object.entries<any>(doc.paths)
      .filter(([p]) => CATALOG_PATH.test(p))
      .flatMap(([template, item]) =>
        METHODS.filter((m) => item[m]).map((m) => ({
          method: m.toUpperCase(),
          template,
          // Public routes accept no credentials (security lists the empty requirement).
          isPublic: (item[m].security ?? []).some((s: Record<string, unknown>) => Object.keys(s).length === 0),
        })),
      );
  });

  /** The path of an operation aimed at A's resources. */
  function pathOf(template: string): string {
    const root = template.split('/')[1];
    const own = root === 'datasets' ? ids['dataset'] : root === 'collections' ? ids['collection'] : ids['model'];
    const slug = root === 'datasets' ? ids['datasetSlug'] : root === 'collections' ? ids['collectionSlug'] : ids['modelSlug'];
    return template
      .replace('{id}', String(own))
      .replace('{entryId}', String(ids['entry']))
      .replace('{datasetId}', String(ids['dataset']))
      .replace('{slug}', String(slug))
      .replace(/\/batch$/, `/batch?ids=${own}`);
  }

  /** A body the route would accept from someone allowed to use it. */
  function bodyOf(method: string, template: string): { body?: unknown; headers?: Record<string, string> } {
    if (method === 'PUT' && template.endsWith('/file')) return { body: Buffer.from('overwritten'), headers: { 'content-type': 'application/octet-stream' } };
    if (method === 'PUT' && template.endsWith('/credentials')) return { body: { apiKey: 'sk-stolen' } };
    if (method === 'POST' && template.endsWith('/entries')) return { body: { key: 'intruder.txt' } };
    if (method === 'POST' && template.endsWith('/datasets') && template.startsWith('/collections')) return { body: { datasetIds: [ids['dataset']] } };
    if (method === 'POST' && template === '/datasets') return { body: { name: 'Intruder', type: 'text', clusterId: 1 } };
    if (method === 'POST' && template === '/collections') return { body: { name: `Intruder ${randomBytes(3).toString('hex')}` } };
    if (method === 'POST' && template === '/ai-models') return { body: { name: 'Intruder', modelType: 'llm', apiUrl: 'https://x.example/v1', pricingType: 'free' } };
    if (method === 'PATCH' && template.includes('/entries/')) return { body: { key: 'renamed.txt' } };
    if (method === 'PATCH') return { body: { name: 'Taken over' } };
    return {};
  }

  it('covers every catalog route the gateway documents', () => {
    const routes = operations.map((o) => `${o.method} ${o.template}`);
    // datasets 7, entries 7, collections 11, AI models 11.
    expect(routes.length).toBeGreaterThanOrEqual(36);
    for (const expected of [
      'GET /datasets/{id}',
      'PUT /datasets/{id}/entries/{entryId}/file',
      'GET /datasets/{id}/entries/{entryId}/file',
      'GET /collections/{id}/routing',
      'DELETE /collections/{id}/datasets/{datasetId}',
      'GET /ai-models/{id}/credentials',
      'GET /ai-models/{id}/credential-reads',
    ]) {
      expect(routes).toContain(expected);
    }
  });

  it('0 leaks: outsiders get 401/403/404 on A’s resources, never A’s data; lists and creates never show or touch A', async () => {
    const callers = [
      { label: 'anonymous', token: undefined as string | undefined },
      { label: 'B viewer', token: bViewer.actor.token },
      { label: 'B owner', token: bOwner.actor.token },
      { label: 'B read token', token: await readToken(bOwner) },
    ];
    const leaks: string[] = [];
    let calls = 0;
    for (const caller of callers) {
      for (const op of operations) {
        const path = pathOf(op.template);
        const aimed = op.template.includes('{') || op.template.endsWith('/batch');
        const res = await request(gatewayUrl, path, { method: op.method, token: caller.token, ...bodyOf(op.method, op.template) });
        calls++;
        const line = `${caller.label} ${op.method} ${path} → ${res.status}`;
        if (res.text.includes(marker) || res.text.includes(secretKey)) leaks.push(`${line} shows A's data`);
        if (op.template.endsWith('/batch')) {
          if (res.status !== 200 || res.body.data.length !== 0) leaks.push(`${line}: batch must omit A's private resource`);
          continue;
        }
        if (!aimed) {
          // Lists and creates: allowed, but only ever about the caller's own organization.
          if (res.status < 300 && res.body?.data?.organizationId === a.organizationId) leaks.push(`${line} created in A`);
          continue;
        }
        const expected = caller.token === undefined ? (op.isPublic ? [404] : [401]) : caller.label.includes('read token') && op.method !== 'GET' ? [403] : [404];
        if (!expected.includes(res.status)) leaks.push(`${line} (expected ${expected.join('/')})`);
        if (res.status === 403 && res.body?.error?.code !== 'read_only_token') leaks.push(`${line}: a 403 confirms the resource exists`);
      }
    }
    expect(calls).toBe(callers.length * operations.length);
    expect(leaks).toEqual([]);
  });

  it('a read token of A’s own owner reads A but changes nothing: every write is 403', async () => {
    const readOnly = await readToken(a);
    const changed: string[] = [];
    for (const op of operations.filter((o) => o.method !== 'GET')) {
      const path = pathOf(op.template);
      const res = await request(gatewayUrl, path, { method: op.method, token: readOnly, ...bodyOf(op.method, op.template) });
      if (res.status !== 403 || res.body?.error?.code !== 'read_only_token') changed.push(`${op.method} ${path} → ${res.status}`);
    }
    expect(changed).toEqual([]);
    expect((await client(gatewayUrl, readOnly).get(`/datasets/${ids['dataset']}`)).status).toBe(200);
  });

  it('leaves A untouched', async () => {
    const dataset = (await a.api.get(`/datasets/${ids['dataset']}`)).body.data;
    expect(dataset).toMatchObject({ name: `${marker} dataset`, entryCount: 1 });
    const file = await fetch(`${gatewayUrl}/datasets/${ids['dataset']}/entries/${ids['entry']}/file`, { headers: { authorization: `Bearer ${a.actor.token}` } });
    expect(await file.text()).toBe(marker);
    expect((await a.api.get(`/collections/${ids['collection']}`)).body.data).toMatchObject({ name: `${marker} collection`, datasetCount: 1 });
    expect((await a.api.get(`/ai-models/${ids['model']}`)).body.data.name).toBe(`${marker} model`);
    expect((await a.api.get(`/ai-models/${ids['model']}/credentials`)).body.data.apiKey).toBe(secretKey);
    const reads = (await a.api.get(`/ai-models/${ids['model']}/credential-reads`)).body.data;
    expect(reads.every((r: any) => r.organizationId === a.organizationId)).toBe(true);
  });
});
