import { Actor, client, createActor } from '@alien/testing';
import { sharedPlatform } from '../support/env';

const { gatewayUrl, env, api } = sharedPlatform();

describe('reference-list writes are for platform admins', () => {
  let admin: Actor;
  let user: Actor;
  let readOnlyAdmin: Actor;

  beforeAll(async () => {
    [admin, user, readOnlyAdmin] = await Promise.all([
      createActor(env, 'ref-admin', { platformAdmin: true }),
      createActor(env, 'ref-user'),
      createActor(env, 'ref-admin-ro', { platformAdmin: true, abilities: 'read' }),
    ]);
  });

  it.each(['tags', 'providers', 'licenses', 'sources'])('%s: create, change, delete as admin; 401/403 for others', async (kind) => {
    const name = `Test ${kind} ${Date.now()}`;
    expect((await api.post(`/${kind}`, { name })).status).toBe(401);
    expect((await client(gatewayUrl, user.token).post(`/${kind}`, { name })).status).toBe(403);
    expect((await client(gatewayUrl, readOnlyAdmin.token).post(`/${kind}`, { name })).status).toBe(403);

    const created = await client(gatewayUrl, admin.token).post(`/${kind}`, { name, url: 'https://example.org' });
    expect(created.status).toBe(201);
    const { id, slug } = created.body.data;
    expect(slug).toMatch(/^test-/);
    expect((await api.get(`/${kind}/slug/${slug}`)).body.data.id).toBe(id);

    expect((await client(gatewayUrl, admin.token).post(`/${kind}`, { name, slug })).status).toBe(409);
    expect((await client(gatewayUrl, user.token).patch(`/${kind}/${id}`, { name: 'hijack' })).status).toBe(403);
    const patched = await client(gatewayUrl, admin.token).patch(`/${kind}/${id}`, { description: 'Changed' });
    expect(patched.body.data.description).toBe('Changed');
    expect((await client(gatewayUrl, admin.token).patch(`/${kind}/${id}`, {})).status).toBe(422);
    expect((await client(gatewayUrl, admin.token).patch(`/${kind}/${id}`, { url: 'javascript:alert(1)' })).status).toBe(422);

    expect((await client(gatewayUrl, user.token).delete(`/${kind}/${id}`)).status).toBe(403);
    expect((await client(gatewayUrl, admin.token).delete(`/${kind}/${id}`)).status).toBe(200);
    expect((await api.get(`/${kind}/${id}`)).status).toBe(404);
    expect((await client(gatewayUrl, admin.token).delete(`/${kind}/${id}`)).status).toBe(404);
  });

  it('only licenses take spdxId', async () => {
    const lic = await client(gatewayUrl, admin.token).post('/licenses', { name: `Lic ${Date.now()}`, spdxId: 'LicenseRef-Test' });
    expect(lic.status).toBe(201);
    expect(lic.body.data.spdxId).toBe('LicenseRef-Test');
    expect((await client(gatewayUrl, admin.token).post('/tags', { name: 'T', spdxId: 'MIT' })).status).toBe(422);
  });
});
