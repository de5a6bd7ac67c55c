import { Actor, Client, FakeDataCluster, client, createActor, joinOrganization, query, request, startFakeDataCluster, tmpPath } from '@alien/testing';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { eventually, expectErrorEnvelope, expectValidation } from '../foundation/envelope-assertions';
import { sharedPlatform } from '../support/env';

const { gatewayUrl, env } = sharedPlatform();
const as = (actor: Actor): Client => client(gatewayUrl, actor.token);
const unique = () => randomBytes(3).toString('hex');

/** A 422 whose messages are all about `field`, one of them with `rule` (null fails several rules at once). */
function expectInvalid(res: { status: number; body: any; text: string; headers: Headers }, field: string, rule: string): void {
  expectErrorEnvelope(res, 422);
  expect(res.body.error.messages).toContainEqual({ field, rule, message: expect.any(String) });
  expect(res.body.error.messages.every((m: { field: string }) => m.field === field)).toBe(true);
}

/** Every response text any test here got, searched for the credential at the end. */
const seen: string[] = [];
const record = <T extends { text: string }>(res: T): T => {
  seen.push(res.text);
  return res;
};

describe('cluster registry', () => {
  const credential = `cluster-cred-${randomBytes(12).toString('hex')}`;
  let fake: FakeDataCluster;
  let owner: Actor;
  let outsider: Actor;
  let partner: Actor;
  let ownerOrg: number;
  let partnerOrg: number;
  let outsiderOrg: number;
  let clusterId: number;
  let slug: string;

  beforeAll(async () => {
    fake = await startFakeDataCluster({ credential });
    [owner, outsider, partner] = await Promise.all(['cl-owner', 'cl-outsider', 'cl-partner'].map((l) => createActor(env, l)));
    ownerOrg = (await as(owner).post('/organizations', { name: `Cluster owners ${unique()}` })).body.data.id;
    partnerOrg = (await as(partner).post('/organizations', { name: `Cluster partners ${unique()}` })).body.data.id;
    outsiderOrg = (await as(outsider).post('/organizations', { name: `Cluster outsiders ${unique()}` })).body.data.id;
    slug = `research-${unique()}`;
  });

  afterAll(async () => {
    await fake?.stop();
  });

  it('registers a cluster for the caller’s organization: 201, pending, admin fields, no credential', async () => {
    const res = record(
      await as(owner).post('/clusters', {
        name: 'Research cluster',
        slug,
        description: 'Ocean data',
        baseUrl: `${fake.baseUrl}/`,
        region: 'eu-west-1',
        credential,
        sharedWithOrganizationIds: [partnerOrg],
      }),
    );
    expect(res.status).toBe(201);
    clusterId = res.body.data.id;
    expect(res.body.data).toEqual({
      id: clusterId,
      name: 'Research cluster',
      slug,
      description: 'Ocean data',
      region: 'eu-west-1',
      status: 'pending',
      organizationId: ownerOrg,
      proxyPath: `/clusters/${clusterId}/proxy`,
      lastSeenAt: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      baseUrl: fake.baseUrl,
      healthPath: '/health',
      hasCredential: true,
      sharedWithOrganizationIds: [partnerOrg],
    });
    expect(res.text).not.toContain(credential);
  });

  it('derives the slug from the name; a taken slug in the same organization is 409, another organization may reuse it', async () => {
    const derived = record(await as(owner).post('/clusters', { name: `Derived Slug ${slug}`, baseUrl: fake.baseUrl }));
    expect(derived.status).toBe(201);
    expect(derived.body.data.slug).toBe(`derived-slug-${slug}`);
    expect(derived.body.data.hasCredential).toBe(false);
    expectErrorEnvelope(await as(owner).post('/clusters', { name: 'Again', slug, baseUrl: fake.baseUrl }), 409, 'slug_taken');
    const elsewhere = await as(outsider).post('/clusters', { name: 'Same slug', slug, baseUrl: fake.baseUrl });
    expect(elsewhere.status).toBe(201);
  });

  it.each([
    ['file:', 'file:///etc/passwd'],
    ['gopher:', 'gopher://127.0.0.1:70/_x'],
    ['userinfo', 'http://user:pw@127.0.0.1:9'],
    ['userinfo without password', 'http://admin@127.0.0.1:9'],
    ['no host', 'http://'],
    ['no host, path only', 'http:/x'],
    ['a query string', 'http://127.0.0.1:9/?token=x'],
    ['not a URL', 'data cluster'],
    ['a number', 42],
  ])('refuses a baseUrl with %s: 422 rule url', async (_what, baseUrl) => {
    expectValidation(await as(owner).post('/clusters', { name: 'Bad', baseUrl }), 'baseUrl', 'url');
  });

  it('refuses other bad bodies with 422 naming the field', async () => {
    const post = (body: unknown) => as(owner).post('/clusters', body);
    expectValidation(await post({ baseUrl: fake.baseUrl }), 'name', 'required');
    expectValidation(await post({ name: 'x' }), 'baseUrl', 'required');
    expectValidation(await post({ name: '   ', baseUrl: fake.baseUrl }), 'name', 'regex');
    expectValidation(await post({ name: 'x', slug: 'Not A Slug', baseUrl: fake.baseUrl }), 'slug', 'regex');
    expectValidation(await post({ name: 'x', baseUrl: fake.baseUrl, healthPath: '../admin' }), 'healthPath', 'path');
    expectValidation(await post({ name: 'x', baseUrl: fake.baseUrl, healthPath: '//evil.example/health' }), 'healthPath', 'path');
    expectValidation(await post({ name: 'x', baseUrl: fake.baseUrl, credential: 'c'.repeat(4097) }), 'credential', 'length');
    // Cloud metadata is link-local: any organization owner could register it and read it through the
    // proxy (found by the outside-in pass). Names resolving there are refused when connecting.
    for (const baseUrl of ['http://169.254.169.254', 'http://2852039166/latest', 'http://[fe80::1]:80', 'http://0.0.0.0:9']) {
      expectValidation(await post({ name: 'x', baseUrl }), 'baseUrl', 'url');
      expectValidation(await as(owner).patch(`/clusters/${clusterId}`, { baseUrl }), 'baseUrl', 'url');
    }
    // Sent as `Authorization: Bearer …`: a line break or other control character was accepted, then
    // every proxied request failed with 502 (found by the outside-in pass).
    for (const credential of ['a\r\nx-evil: 1', 'tab\there', 'non-ascii-ключ']) {
      expectValidation(await post({ name: 'x', baseUrl: fake.baseUrl, credential }), 'credential', 'regex');
      expectValidation(await as(owner).patch(`/clusters/${clusterId}`, { credential }), 'credential', 'regex');
    }
    expectValidation(await post({ name: 'x', baseUrl: fake.baseUrl, suspended: 'yes' }), 'suspended', 'boolean');
    expectValidation(await post({ name: 'x', baseUrl: fake.baseUrl, sharedWithOrganizationIds: [0] }), 'sharedWithOrganizationIds', 'min');
    expectValidation(await post({ name: 'x', baseUrl: fake.baseUrl, sharedWithOrganizationIds: [ownerOrg] }), 'sharedWithOrganizationIds', 'notOwn');
    expectValidation(await post({ name: 'x', baseUrl: fake.baseUrl, sharedWithOrganizationIds: Array.from({ length: 101 }, (_, i) => i + 1) }), 'sharedWithOrganizationIds', 'maxLength');
    expectValidation(await post({ name: 'x', baseUrl: fake.baseUrl, status: 'online' }), 'status', 'unknownField');
    const patch = (body: unknown) => as(owner).patch(`/clusters/${clusterId}`, body);
    expectValidation(await patch({}), 'body', 'required');
    expectInvalid(await patch({ name: null }), 'name', 'nullable');
    expectValidation(await patch({ baseUrl: null }), 'baseUrl', 'nullable');
    expectInvalid(await patch({ suspended: null }), 'suspended', 'nullable');
    expectValidation(await patch({ baseUrl: 'gopher://x' }), 'baseUrl', 'url');
    expectValidation(await as(owner).get('/clusters?status=broken'), 'status', 'enum');
    expectValidation(await as(owner).get('/clusters/abc'), 'id', 'number');
    expectValidation(await as(owner).get('/clusters/slug/Bad!'), 'slug', 'regex');
  });

  it('shows the cluster to its organization and to the one it is shared with (without settings), to nobody else', async () => {
    const mine = record(await as(owner).get(`/clusters/${clusterId}`));
    expect(mine.body.data.baseUrl).toBe(fake.baseUrl);
    const shared = record(await as(partner).get(`/clusters/${clusterId}`));
    expect(shared.status).toBe(200);
    expect(Object.keys(shared.body.data).sort()).toEqual(
      ['createdAt', 'description', 'id', 'lastSeenAt', 'name', 'organizationId', 'proxyPath', 'region', 'slug', 'status', 'updatedAt'].sort(),
    );
    expect((await as(partner).get(`/clusters/slug/${slug}`)).body.data.id).toBe(clusterId);
    expect((await as(partner).get('/clusters')).body.data.map((c: { id: number }) => c.id)).toEqual([clusterId]);

    const hidden = await as(outsider).get(`/clusters/${clusterId}`);
    const unknown = await as(outsider).get('/clusters/2147483647');
    expectErrorEnvelope(hidden, 404);
    expect(hidden.body).toEqual(unknown.body);
    // The outsider's own cluster has the same slug: that is the one they get.
    expect((await as(outsider).get(`/clusters/slug/${slug}`)).body.data.organizationId).toBe(outsiderOrg);
    expect((await as(outsider).get(`/clusters/batch?ids=${clusterId}`)).body.data).toEqual([]);
    expect((await as(outsider).get('/clusters')).body.data.map((c: { id: number }) => c.id)).not.toContain(clusterId);
    expectErrorEnvelope(await client(gatewayUrl).get(`/clusters/${clusterId}`), 401);
  });

  it('lists with paging, search and status filter; batch keeps request order and omits the invisible', async () => {
    const list = record(await as(owner).get(`/clusters?q=research&perPage=1&orderBy=createdAt`));
    expect(list.status).toBe(200);
    expect(list.body.meta).toMatchObject({ currentPage: 1, perPage: 1 });
    expect(list.body.data[0].id).toBe(clusterId);
    expect((await as(owner).get('/clusters?status=online')).body.data).toEqual([]);
    expect((await as(owner).get('/clusters?status=pending')).body.meta.total).toBe(2);
    const batch = await as(owner).get(`/clusters/batch?ids=2147483646,${clusterId}`);
    expect(batch.body.data.map((c: { id: number }) => c.id)).toEqual([clusterId]);
    expect((await as(owner).get(`/clusters/batch?slugs=${slug},nope`)).body.data.map((c: { id: number }) => c.id)).toEqual([clusterId]);
  });

  it('runs a health check on demand with the cluster credential: online, then offline when the cluster says so', async () => {
    const online = record(await as(owner).post(`/clusters/${clusterId}/check`));
    expect(online.status).toBe(200);
    expect(online.body.data).toMatchObject({ id: clusterId, status: 'online', lastSeenAt: expect.any(String) });
    const hit = await fake.waitForRequest((r) => r.path === '/health');
    expect(hit.headers['authorization']).toBe(`Bearer ${credential}`);
    fake.setHealthy(false);
    const offline = record(await as(owner).post(`/clusters/${clusterId}/check`));
    expect(offline.body.data).toMatchObject({ status: 'offline', lastSeenAt: online.body.data.lastSeenAt });
    fake.setHealthy(true);
    expect((await as(owner).post(`/clusters/${clusterId}/check`)).body.data.status).toBe('online');
  });

  it('a cluster that refuses connections is offline after a check, not an error', async () => {
    const dead = await as(owner).post('/clusters', { name: 'Dead', baseUrl: 'http://127.0.0.1:9' });
    const res = await as(owner).post(`/clusters/${dead.body.data.id}/check`);
    expect(res.status).toBe(200);
    expect(res.body.data.status).toBe('offline');
  });

  it('suspends (status sticks through checks) and unsuspends', async () => {
    const suspended = record(await as(owner).patch(`/clusters/${clusterId}`, { suspended: true }));
    expect(suspended.body.data.status).toBe('suspended');
    expect((await as(owner).post(`/clusters/${clusterId}/check`)).body.data.status).toBe('suspended');
    expect((await as(owner).get('/clusters?status=suspended')).body.data.map((c: { id: number }) => c.id)).toEqual([clusterId]);
    expect((await as(owner).patch(`/clusters/${clusterId}`, { suspended: false })).body.data.status).toBe('online');
  });

  it('changes settings: a new base URL resets the status; null clears the credential; the slug stays unique', async () => {
    const moved = record(await as(owner).patch(`/clusters/${clusterId}`, { baseUrl: `${fake.url}/v2`, region: null }));
    expect(moved.body.data).toMatchObject({ baseUrl: `${fake.url}/v2`, status: 'pending', region: null, hasCredential: true });
    const back = record(await as(owner).patch(`/clusters/${clusterId}`, { baseUrl: fake.baseUrl, credential: null }));
    expect(back.body.data.hasCredential).toBe(false);
    expect((await as(owner).patch(`/clusters/${clusterId}`, { credential })).body.data.hasCredential).toBe(true);
    expectErrorEnvelope(await as(owner).patch(`/clusters/${clusterId}`, { slug: `derived-slug-${slug}` }), 409, 'slug_taken');
  });

  it('only owners and admins of the owning organization manage it: the partner gets 403, outsiders 404', async () => {
    for (const [method, path, body] of [
      ['PATCH', `/clusters/${clusterId}`, { name: 'Mine' }],
      ['DELETE', `/clusters/${clusterId}`, undefined],
      ['POST', `/clusters/${clusterId}/check`, undefined],
    ] as const) {
      expectErrorEnvelope(await request(gatewayUrl, path, { method, body, token: partner.token }), 403);
      expectErrorEnvelope(await request(gatewayUrl, path, { method, body, token: outsider.token }), 404);
    }
    expect((await as(owner).get(`/clusters/${clusterId}`)).body.data.name).toBe('Research cluster');
  });

  it('a viewer of the owning organization sees the cluster without its settings and cannot change it', async () => {
    const viewer = await createActor(env, 'cl-viewer');
    // Membership through the API (invited, then accepted): the one place this suite needs a second role.
    await joinOrganization(gatewayUrl, owner, ownerOrg, viewer, 'viewer');
    const headers = { 'x-organization-id': String(ownerOrg) };
    const seenByViewer = await as(viewer).get(`/clusters/${clusterId}`, { headers });
    expect(seenByViewer.status).toBe(200);
    expect(seenByViewer.body.data.baseUrl).toBeUndefined();
    expectErrorEnvelope(await as(viewer).patch(`/clusters/${clusterId}`, { name: 'x' }, { headers }), 403);
    expectErrorEnvelope(await as(viewer).post('/clusters', { name: 'x', baseUrl: fake.baseUrl }, { headers }), 403);
  });

  it('a read-only token may look but not register (403 read_only_token)', async () => {
    const token = (await as(owner).post('/access-tokens', { name: 'ro', abilities: ['read'], organizationId: ownerOrg })).body.data.token;
    expect((await client(gatewayUrl, token).get(`/clusters/${clusterId}`)).status).toBe(200);
    expectErrorEnvelope(await client(gatewayUrl, token).post('/clusters', { name: 'x', baseUrl: fake.baseUrl }), 403, 'read_only_token');
  });

  it('deletes: 200, then 404 for everyone', async () => {
    const doomed = (await as(owner).post('/clusters', { name: `Doomed ${unique()}`, baseUrl: fake.baseUrl })).body.data.id;
    expect((await as(owner).delete(`/clusters/${doomed}`)).body).toEqual({ success: true, data: { id: doomed, deleted: true } });
    expectErrorEnvelope(await as(owner).get(`/clusters/${doomed}`), 404);
    expectErrorEnvelope(await as(owner).delete(`/clusters/${doomed}`), 404);
  });

  it('deleting an organization removes its clusters and its shares (auth event, durable consumer)', async () => {
    const temp = (await as(partner).post('/organizations', { name: `Temporary ${unique()}` })).body.data.id;
    const headers = { 'x-organization-id': String(temp) };
    const owned = (await as(partner).post('/clusters', { name: 'Temp cluster', baseUrl: fake.baseUrl }, { headers })).body.data.id;
    await as(owner).patch(`/clusters/${clusterId}`, { sharedWithOrganizationIds: [partnerOrg, temp] });
    expect((await as(partner).delete(`/organizations/${temp}`)).status).toBe(200);
    await eventually(async () => (await as(owner).get(`/clusters/${clusterId}`)).body.data.sharedWithOrganizationIds.length === 1, 10_000);
    expect((await as(owner).get(`/clusters/${clusterId}`)).body.data.sharedWithOrganizationIds).toEqual([partnerOrg]);
    expect(await countClusters(owned)).toBe(0);
  });

  it('never shows the credential in a response or a log line', async () => {
    for (const text of seen) expect(text).not.toContain(credential);
    const logDir = tmpPath('logs', 'e2e-shared');
    const logs = existsSync(logDir) ? readdirSync(logDir).map((f) => readFileSync(path.join(logDir, f), 'utf8')) : [];
    expect(logs.length).toBeGreaterThan(0);
    for (const text of logs) expect(text).not.toContain(credential);
  });

  async function countClusters(id: number): Promise<number> {
    const rows = await query<{ n: string }>(sharedPlatform().databaseUrl, 'SELECT count(*) AS n FROM orchestration.clusters WHERE id = $1', [id]);
    return Number(rows[0]?.n);
  }
});
