import { Actor, client, createActor, joinOrganization, query } from '@alien/testing';
import { sharedPlatform } from '../support/env';

const { gatewayUrl, databaseUrl, env } = sharedPlatform();
const as = (actor: Actor) => client(gatewayUrl, actor.token);

describe('organizations and members', () => {
  let owner: Actor;
  let admin: Actor;
  let writer: Actor;
  let viewer: Actor;
  let outsider: Actor;
  let orgId: number;
  let slug: string;

  beforeAll(async () => {
    [owner, admin, writer, viewer, outsider] = await Promise.all(
      ['owner', 'admin', 'writer', 'viewer', 'outsider'].map((l) => createActor(env, `org-${l}`)),
    );
    slug = `acme-${Date.now().toString(36)}`;
    const created = await as(owner).post('/organizations', { name: 'Acme Research', slug });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ name: 'Acme Research', slug, role: 'owner', createdBy: owner.userId });
    orgId = created.body.data.id;
    for (const [actor, role] of [[admin, 'admin'], [writer, 'writer'], [viewer, 'viewer']] as const) {
      await joinOrganization(gatewayUrl, owner, orgId, actor, role);
      const member = await as(owner).get(`/organizations/${orgId}/members/${actor.userId}`);
      expect(member.body.data).toMatchObject({ userId: actor.userId, role, status: 'active', email: actor.email, userType: 'human' });
    }
  });

  it('lists the caller’s organizations with their role, and finds them by id and slug', async () => {
    const mine = await as(writer).get('/organizations');
    expect(mine.status).toBe(200);
    expect(mine.body.data).toEqual([expect.objectContaining({ id: orgId, role: 'writer' })]);
    expect((await as(viewer).get(`/organizations/${orgId}`)).body.data.role).toBe('viewer');
    expect((await as(viewer).get(`/organizations/slug/${slug}`)).body.data.id).toBe(orgId);
    expect((await as(owner).get('/organizations?q=ACME')).body.meta.total).toBe(1);
  });

  it('rejects a duplicate slug with 409 and bad names/slugs with 422', async () => {
    expect((await as(outsider).post('/organizations', { name: 'Copy', slug })).status).toBe(409);
    expect((await as(outsider).post('/organizations', { name: 'Bad', slug: 'Bad Slug!' })).status).toBe(422);
    expect((await as(outsider).post('/organizations', { name: '' })).status).toBe(422);
    expect((await as(outsider).post('/organizations', { name: 'x'.repeat(201) })).status).toBe(422);
  });

  it('derives distinct slugs for non-Latin names and repeated names; only an explicit slug can 409', async () => {
    const made: string[] = [];
    for (const name of ['Организация', 'Организация', '日本語ラボ', '日本語ラボ', '😀😀😀', '😀😀😀']) {
      const res = await as(outsider).post('/organizations', { name });
      expect({ name, status: res.status }).toEqual({ name, status: 201 });
      expect(res.body.data.slug).toMatch(/^[a-z0-9_-]+$/);
      made.push(res.body.data.slug);
    }
    expect(new Set(made).size).toBe(made.length);
    expect(made[0]).toMatch(/^organizatsiya(-\d+)?$/);
    expect(made[1]).toMatch(/^organizatsiya-\d+$/);
    expect(made[2]).toMatch(/^org-[a-z2-9]{6}$/);
    const clash = await as(outsider).post('/organizations', { name: 'Mine', slug: made[0] });
    expect(clash.status).toBe(409);
    expect(clash.body.error.code).toBe('slug_taken');
  });

  it('lets owner and admin rename; writer and viewer get 403; nobody outside sees it (404)', async () => {
    expect((await as(admin).patch(`/organizations/${orgId}`, { name: 'Acme Research Lab' })).status).toBe(200);
    expect((await as(writer).patch(`/organizations/${orgId}`, { name: 'Mine now' })).status).toBe(403);
    expect((await as(viewer).patch(`/organizations/${orgId}`, { name: 'Mine now' })).status).toBe(403);
    expect((await as(outsider).patch(`/organizations/${orgId}`, { name: 'Mine now' })).status).toBe(404);
    expect((await as(owner).get(`/organizations/${orgId}`)).body.data.name).toBe('Acme Research Lab');
  });

  it('lists members for any member, paginated', async () => {
    const res = await as(viewer).get(`/organizations/${orgId}/members?perPage=2&orderBy=createdAt`);
    expect(res.status).toBe(200);
    expect(res.body.meta).toMatchObject({ total: 4, perPage: 2, lastPage: 2 });
    expect((await as(outsider).get(`/organizations/${orgId}/members`)).status).toBe(404);
  });

  it('shows one member to fellow members: 404 for strangers and for users who are not members', async () => {
    const res = await as(viewer).get(`/organizations/${orgId}/members/${writer.userId}`);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ userId: writer.userId, organizationId: orgId, role: 'writer', status: 'active', email: writer.email });
    expect((await as(viewer).get(`/organizations/${orgId}/members/${outsider.userId}`)).body).toMatchObject({
      success: false,
      error: { status: 404 },
    });
    expect((await as(outsider).get(`/organizations/${orgId}/members/${writer.userId}`)).status).toBe(404);
    expect((await as(viewer).get(`/organizations/${orgId}/members/abc`)).status).toBe(422);
  });

  it('stops role escalation', async () => {
    const self = await as(writer).patch(`/organizations/${orgId}/members/${writer.userId}`, { role: 'owner' });
    expect(self.status).toBe(403);
    expect((await as(writer).patch(`/organizations/${orgId}/members/${viewer.userId}`, { role: 'admin' })).status).toBe(403);
    expect((await as(writer).post(`/organizations/${orgId}/members`, { userId: outsider.userId, role: 'owner' })).status).toBe(403);
    expect((await as(admin).patch(`/organizations/${orgId}/members/${admin.userId}`, { role: 'owner' })).status).toBe(403);
    expect((await as(admin).patch(`/organizations/${orgId}/members/${viewer.userId}`, { role: 'owner' })).status).toBe(403);
    expect((await as(admin).patch(`/organizations/${orgId}/members/${owner.userId}`, { role: 'viewer' })).status).toBe(403);
    expect((await as(admin).delete(`/organizations/${orgId}/members/${owner.userId}`)).status).toBe(403);
    expect((await as(admin).post(`/organizations/${orgId}/members`, { userId: outsider.userId, role: 'owner' })).status).toBe(403);
    expect((await as(writer).post(`/organizations/${orgId}/members`, { userId: outsider.userId, role: 'viewer' })).status).toBe(403);
    expect((await as(viewer).post(`/organizations/${orgId}/members`, { email: 'someone@example.test', role: 'viewer' })).status).toBe(403);
    const roles = await query<{ role: string }>(databaseUrl, 'SELECT role FROM auth.memberships WHERE organization_id = $1 ORDER BY user_id', [orgId]);
    expect(roles.map((r) => r.role).sort()).toEqual(['admin', 'owner', 'viewer', 'writer']);
    const invitations = await query(databaseUrl, 'SELECT id FROM auth.invitations WHERE organization_id = $1 AND (user_id = $2 OR email = $3)', [
      orgId,
      outsider.userId,
      'someone@example.test',
    ]);
    expect(invitations).toEqual([]);
  });

  it('validates invitation bodies: unknown role, both email and userId, neither, bad values, members already in', async () => {
    const post = (body: unknown) => as(owner).post(`/organizations/${orgId}/members`, body);
    expect((await post({ userId: outsider.userId, role: 'god' })).status).toBe(422);
    expect((await post({ userId: outsider.userId, email: 'a@b.co', role: 'viewer' })).status).toBe(422);
    expect((await post({ role: 'viewer' })).status).toBe(422);
    expect((await post({ email: 'not-an-email', role: 'viewer' })).status).toBe(422);
    expect((await post({ userId: 0, role: 'viewer' })).status).toBe(422);
    expect((await post({ userId: '12', role: 'viewer' })).status).toBe(422);
    expect((await post({ userId: outsider.userId })).status).toBe(422);
    expect((await post({ userId: outsider.userId, role: 'viewer', extra: 1 })).status).toBe(422);
    // Someone who already is a member (by id or by email, any case): 409, which tells the inviter
    // nothing they cannot read from the member list.
    for (const body of [{ userId: writer.userId }, { email: writer.email.toUpperCase() }]) {
      const res = await post({ ...body, role: 'viewer' });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ success: false, error: { status: 409, code: 'already_member' } });
    }
    const unknown = await post({ userId: 999999, role: 'viewer' });
    expect(unknown.status).toBe(201);
    expect(unknown.body.data).toMatchObject({ userId: 999999, email: null, status: 'invited' });
  });

  it('keeps at least one active owner (409) and lets owners hand over', async () => {
    const org = await as(owner).post('/organizations', { name: `Solo ${Date.now()}` });
    const soloId = org.body.data.id;
    const leave = await as(owner).delete(`/organizations/${soloId}/members/${owner.userId}`);
    expect(leave.status).toBe(409);
    expect(leave.body.error.code).toBe('last_owner');
    await joinOrganization(gatewayUrl, owner, soloId, admin, 'owner');
    // Two owners: the other owner may now demote or deactivate the first.
    const demoted = await as(admin).patch(`/organizations/${soloId}/members/${owner.userId}`, { role: 'admin' });
    expect(demoted.status).toBe(200);
    const lastLeave = await as(admin).delete(`/organizations/${soloId}/members/${admin.userId}`);
    expect(lastLeave.status).toBe(409);
    const lastDeactivate = await as(admin).patch(`/organizations/${soloId}/members/${admin.userId}`, { status: 'deactivated' });
    expect(lastDeactivate.status).toBe(403);
    expect((await as(owner).delete(`/organizations/${soloId}`)).status).toBe(403);
    expect((await as(admin).delete(`/organizations/${soloId}`)).status).toBe(200);
  });

  it('deactivating a member makes them a stranger; reactivating restores them', async () => {
    const off = await as(owner).patch(`/organizations/${orgId}/members/${viewer.userId}`, { status: 'deactivated' });
    expect(off.status).toBe(200);
    expect(off.body.data.status).toBe('deactivated');
    expect((await as(viewer).get(`/organizations/${orgId}`)).status).toBe(404);
    expect((await as(viewer).get('/users/me', { headers: { 'x-organization-id': String(orgId) } })).status).toBe(403);
    await as(owner).patch(`/organizations/${orgId}/members/${viewer.userId}`, { status: 'active' });
    expect((await as(viewer).get(`/organizations/${orgId}`)).status).toBe(200);
  });

  it('switches the current organization (members only) and x-organization-id selects it per request', async () => {
    const other = await as(writer).post('/organizations', { name: `Writer's own ${Date.now()}` });
    const otherId = other.body.data.id;
    const switched = await as(writer).post(`/organizations/${orgId}/switch`);
    expect(switched.status).toBe(200);
    expect(switched.body.data.currentOrganizationId).toBe(orgId);
    expect((await as(writer).post(`/organizations/${otherId}/switch`)).body.data.currentOrganizationId).toBe(otherId);
    expect((await as(outsider).post(`/organizations/${orgId}/switch`)).status).toBe(404);
    const headers = { 'x-organization-id': String(orgId) };
    expect((await as(writer).get('/users/me', { headers })).status).toBe(200);
    expect((await as(outsider).get('/users/me', { headers })).status).toBe(403);
    expect((await as(writer).get('/users/me', { headers: { 'x-organization-id': 'abc' } })).status).toBe(422);
    expect((await as(writer).get('/users/me', { headers: { 'x-organization-id': '-1' } })).status).toBe(422);
  });

  it('restricts tokens to one organization by default', async () => {
    const created = await as(writer).post('/access-tokens', { name: 'restricted' }, { headers: { 'x-organization-id': String(orgId) } });
    expect(created.status).toBe(201);
    expect(created.body.data.organizationId).toBe(orgId);
    const restricted = client(gatewayUrl, created.body.data.token);
    expect((await restricted.get('/organizations')).body.data.map((o: { id: number }) => o.id)).toEqual([orgId]);
    const mine = await as(writer).get('/organizations?perPage=100');
    const elsewhere = mine.body.data.find((o: { id: number }) => o.id !== orgId);
    expect((await restricted.get(`/organizations/${elsewhere.id}`)).status).toBe(404);
    expect((await restricted.get('/users/me', { headers: { 'x-organization-id': String(elsewhere.id) } })).status).toBe(403);
    expect((await restricted.post('/organizations', { name: 'Escape' })).status).toBe(403);
    const widen = await restricted.post('/access-tokens', { name: 'wider', organizationId: null });
    expect(widen.status).toBe(403);
  });
});
