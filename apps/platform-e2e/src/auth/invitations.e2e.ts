import { Actor, authCli, client, createActor, joinOrganization, query, uniqueEmail } from '@alien/testing';
import { sharedPlatform } from '../support/env';

const { gatewayUrl, databaseUrl, env } = sharedPlatform();
const as = (actor: Actor | string) => client(gatewayUrl, typeof actor === 'string' ? actor : actor.token);

/** Fields that would describe the invited person rather than echo what the inviter sent. */
const PROFILE_FIELDS = ['firstName', 'lastName', 'name', 'profile', 'user', 'roles', 'isPlatformAdmin', 'currentOrganizationId', 'userType'];
const INVITATION_KEYS = ['createdAt', 'email', 'expiresAt', 'id', 'invitedBy', 'organizationId', 'organizationName', 'role', 'status', 'userId'];

async function newOrganization(owner: Actor, name: string): Promise<number> {
  const res = await as(owner).post('/organizations', { name: `${name} ${Date.now()}` });
  expect(res.status).toBe(201);
  return res.body.data.id;
}

async function organizationIds(actor: Actor | string): Promise<number[]> {
  return (await as(actor).get('/organizations?perPage=100')).body.data.map((o: { id: number }) => o.id);
}

async function myInvitations(actor: Actor | string): Promise<{ id: number; organizationId: number; status: string }[]> {
  const res = await as(actor).get('/users/me/invitations?perPage=100');
  expect(res.status).toBe(200);
  return res.body.data;
}

async function membership(organizationId: number, userId: number) {
  return query<{ role: string; status: string }>(databaseUrl, 'SELECT role, status FROM auth.memberships WHERE organization_id = $1 AND user_id = $2', [
    organizationId,
    userId,
  ]);
}

describe('invitations: nobody joins an organization without accepting, and inviting reveals nobody', () => {
  let owner: Actor;
  let known: Actor;
  let orgId: number;

  beforeAll(async () => {
    [owner, known] = await Promise.all([createActor(env, 'inv-owner'), createActor(env, 'inv-known')]);
    orgId = await newOrganization(owner, 'Inviting');
    // The known user has a name that must never reach the inviter.
    expect((await as(known).patch('/users/me', { firstName: 'Secretfirst', lastName: 'Secretlast' })).status).toBe(200);
  });

  it('answers an existing id, an unknown id, an existing email and an unknown email alike: 201, same keys, no profile', async () => {
    // An owner who owns nothing but their own organization, the attacker of issue 7.1.
    const attacker = await createActor(env, 'inv-attacker');
    const own = await newOrganization(attacker, 'Attacker');
    const unknownEmail = uniqueEmail('nobody');
    const cases = [
      { label: 'existing id', body: { userId: known.userId, role: 'viewer' } },
      { label: 'unknown id', body: { userId: 2_000_000_000, role: 'viewer' } },
      { label: 'existing email', body: { email: known.email, role: 'viewer' } },
      { label: 'unknown email', body: { email: unknownEmail, role: 'viewer' } },
    ];
    const answers: { label: string; status: number; keys: string[]; text: string; data: any }[] = [];
    for (const { label, body } of cases) {
      const res = await as(attacker).post(`/organizations/${own}/members`, body);
      answers.push({ label, status: res.status, keys: Object.keys(res.body.data ?? {}).sort(), text: res.text, data: res.body.data });
    }
    for (const answer of answers) {
      expect({ label: answer.label, status: answer.status, keys: answer.keys }).toEqual({ label: answer.label, status: 201, keys: INVITATION_KEYS });
      for (const field of PROFILE_FIELDS) expect({ label: answer.label, field, present: field in answer.data }).toEqual({ label: answer.label, field, present: false });
      expect(answer.text).not.toMatch(/Secretfirst|Secretlast/);
      expect(answer.data).toMatchObject({ organizationId: own, role: 'viewer', status: 'invited', invitedBy: attacker.userId });
    }
    // Each echoes exactly what was sent, and nothing else about the person.
    expect(answers.map((a) => [a.data.userId, a.data.email])).toEqual([
      [known.userId, null],
      [2_000_000_000, null],
      [null, known.email.toLowerCase()],
      [null, unknownEmail],
    ]);
    // The envelope around them is the same too: only ids and times differ.
    const strip = (a: (typeof answers)[number]) => JSON.stringify({ ...a.data, id: 0, userId: 0, email: '', createdAt: '', expiresAt: '' });
    expect(new Set(answers.map(strip)).size).toBe(1);
    // No placeholder user for the unknown email; neither the known user nor anyone joined.
    expect(await query(databaseUrl, 'SELECT id FROM auth.users WHERE lower(email) = $1', [unknownEmail])).toEqual([]);
    expect(await membership(own, known.userId)).toEqual([]);
    expect(await organizationIds(known)).not.toContain(own);
    const members = (await as(attacker).get(`/organizations/${own}/members`)).body.data.map((m: { userId: number }) => m.userId);
    expect(members).toEqual([attacker.userId]);
  });

  it('a stranger is not a member until they accept; then they are, and the organization becomes current', async () => {
    const stranger = await createActor(env, 'inv-stranger');
    const invited = await as(owner).post(`/organizations/${orgId}/members`, { userId: stranger.userId, role: 'writer' });
    expect(invited.status).toBe(201);
    const id = invited.body.data.id;
    // Not a member: no organization, no access, no member list, not in theirs.
    expect(await organizationIds(stranger)).not.toContain(orgId);
    expect((await as(stranger).get(`/organizations/${orgId}`)).status).toBe(404);
    expect((await as(stranger).get(`/organizations/${orgId}/members`)).status).toBe(404);
    expect((await as(stranger).get('/users/me', { headers: { 'x-organization-id': String(orgId) } })).status).toBe(403);
    expect((await as(owner).get(`/organizations/${orgId}/members/${stranger.userId}`)).status).toBe(404);
    expect(await membership(orgId, stranger.userId)).toEqual([]);
    // They see the invitation: which organization and role, who invited (an id, never an email).
    const [seen, ...others] = await myInvitations(stranger);
    expect(others).toEqual([]);
    expect(seen).toMatchObject({ id, organizationId: orgId, organizationName: expect.stringMatching(/^Inviting/), role: 'writer', status: 'invited', invitedBy: owner.userId });
    expect(JSON.stringify(seen)).not.toContain(owner.email);
    const accepted = await as(stranger).post(`/users/me/invitations/${id}/accept`);
    expect(accepted.status).toBe(200);
    expect(accepted.body.data).toMatchObject({ id, status: 'accepted', organizationId: orgId, role: 'writer' });
    expect(await membership(orgId, stranger.userId)).toEqual([{ role: 'writer', status: 'active' }]);
    const me = (await as(stranger).get('/users/me')).body.data;
    expect(me.roles).toEqual([{ slug: 'writer', organizationId: orgId }]);
    expect(me.currentOrganizationId).toBe(orgId);
    expect((await as(stranger).get(`/organizations/${orgId}`)).body.data.role).toBe('writer');
    expect(await myInvitations(stranger)).toEqual([]);
    // Once answered it stays answered.
    const again = await as(stranger).post(`/users/me/invitations/${id}/accept`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('invitation_not_pending');
    expect((await as(stranger).post(`/users/me/invitations/${id}/decline`)).status).toBe(409);
    const listed = await as(owner).get(`/organizations/${orgId}/invitations?status=accepted`);
    expect(listed.body.data.map((i: { id: number }) => i.id)).toContain(id);
  });

  it('reaches a user by their (operator-verified) email, case-insensitively, and accepting closes every invitation of theirs there', async () => {
    const person = await createActor(env, 'inv-by-email');
    const byEmail = await as(owner).post(`/organizations/${orgId}/members`, { email: person.email.toUpperCase(), role: 'viewer' });
    expect(byEmail.status).toBe(201);
    expect(byEmail.body.data.email).toBe(person.email.toLowerCase());
    const byId = await as(owner).post(`/organizations/${orgId}/members`, { userId: person.userId, role: 'admin' });
    const seen = await myInvitations(person);
    expect(seen.map((i) => i.id).sort()).toEqual([byEmail.body.data.id, byId.body.data.id].sort());
    expect((await as(person).post(`/users/me/invitations/${byEmail.body.data.id}/accept`)).status).toBe(200);
    expect(await membership(orgId, person.userId)).toEqual([{ role: 'viewer', status: 'active' }]);
    expect(await myInvitations(person)).toEqual([]);
    const other = await as(person).post(`/users/me/invitations/${byId.body.data.id}/accept`);
    expect(other.status).toBe(409);
    expect(await membership(orgId, person.userId)).toEqual([{ role: 'viewer', status: 'active' }]);
  });

  it('decline leaves no membership, and the organization sees it declined', async () => {
    const person = await createActor(env, 'inv-decliner');
    const id = (await as(owner).post(`/organizations/${orgId}/members`, { userId: person.userId, role: 'viewer' })).body.data.id;
    const declined = await as(person).post(`/users/me/invitations/${id}/decline`);
    expect(declined.status).toBe(200);
    expect(declined.body.data).toMatchObject({ id, status: 'declined' });
    expect(await membership(orgId, person.userId)).toEqual([]);
    expect(await organizationIds(person)).not.toContain(orgId);
    expect(await myInvitations(person)).toEqual([]);
    const late = await as(person).post(`/users/me/invitations/${id}/accept`);
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('invitation_not_pending');
    expect(await membership(orgId, person.userId)).toEqual([]);
    const listed = await as(owner).get(`/organizations/${orgId}/invitations?status=declined`);
    expect(listed.body.data.find((i: { id: number }) => i.id === id)).toMatchObject({ status: 'declined', userId: person.userId });
  });

  it('an expired invitation cannot be accepted; inviting again renews it', async () => {
    const person = await createActor(env, 'inv-late');
    const first = await as(owner).post(`/organizations/${orgId}/members`, { userId: person.userId, role: 'viewer' });
    const id = first.body.data.id;
    const days = (Date.parse(first.body.data.expiresAt) - Date.parse(first.body.data.createdAt)) / 86_400_000;
    expect(days).toBeCloseTo(14, 3);
    await query(databaseUrl, `UPDATE auth.invitations SET expires_at = now() - interval '1 minute' WHERE id = $1`, [id]);
    expect(await myInvitations(person)).toEqual([]);
    const accepted = await as(person).post(`/users/me/invitations/${id}/accept`);
    expect(accepted.status).toBe(409);
    expect(accepted.body).toMatchObject({ success: false, error: { status: 409, code: 'invitation_expired' } });
    expect(await membership(orgId, person.userId)).toEqual([]);
    const expired = await as(owner).get(`/organizations/${orgId}/invitations?status=expired`);
    expect(expired.body.data.find((i: { id: number }) => i.id === id)).toMatchObject({ status: 'expired' });
    const renewed = await as(owner).post(`/organizations/${orgId}/members`, { userId: person.userId, role: 'writer' });
    expect(renewed.status).toBe(201);
    expect(renewed.body.data).toMatchObject({ id, status: 'invited', role: 'writer' });
    expect(Date.parse(renewed.body.data.expiresAt)).toBeGreaterThan(Date.now() + 13 * 86_400_000);
    expect((await as(person).post(`/users/me/invitations/${id}/accept`)).status).toBe(200);
    expect(await membership(orgId, person.userId)).toEqual([{ role: 'writer', status: 'active' }]);
  });

  it('another user’s invitation is 404 for everyone else, the inviter included', async () => {
    const [addressee, other] = await Promise.all([createActor(env, 'inv-addressee'), createActor(env, 'inv-other')]);
    const id = (await as(owner).post(`/organizations/${orgId}/members`, { userId: addressee.userId, role: 'viewer' })).body.data.id;
    const byEmail = (await as(owner).post(`/organizations/${orgId}/members`, { email: addressee.email, role: 'viewer' })).body.data.id;
    for (const actor of [other, owner]) {
      for (const invitation of [id, byEmail]) {
        for (const action of ['accept', 'decline']) {
          const res = await as(actor).post(`/users/me/invitations/${invitation}/${action}`);
          expect(res.status).toBe(404);
          expect(res.body).toMatchObject({ success: false, error: { status: 404 } });
        }
      }
      expect((await myInvitations(actor)).map((i) => i.id)).not.toContain(id);
    }
    expect((await as(other).post('/users/me/invitations/2000000000/accept')).status).toBe(404);
    expect((await as(other).post('/users/me/invitations/abc/accept')).status).toBe(422);
    expect((await myInvitations(addressee)).map((i) => i.id).sort()).toEqual([id, byEmail].sort());
  });

  it('a token restricted to one organization sees and answers invitations into that organization only', async () => {
    const person = await createActor(env, 'inv-restricted');
    const own = await newOrganization(person, 'Own');
    const restricted = (await as(person).post('/access-tokens', { name: 'own only', organizationId: own })).body.data.token;
    const id = (await as(owner).post(`/organizations/${orgId}/members`, { userId: person.userId, role: 'viewer' })).body.data.id;
    expect(await myInvitations(restricted)).toEqual([]);
    expect((await as(restricted).post(`/users/me/invitations/${id}/accept`)).status).toBe(404);
    expect((await myInvitations(person)).map((i) => i.id)).toEqual([id]);
  });

  it('owners and admins list and revoke invitations; only owners invite owners or revoke their invitations', async () => {
    const [admin, writer, invitee] = await Promise.all([createActor(env, 'inv-admin'), createActor(env, 'inv-writer'), createActor(env, 'inv-revoked')]);
    await joinOrganization(gatewayUrl, owner, orgId, admin, 'admin');
    await joinOrganization(gatewayUrl, owner, orgId, writer, 'writer');
    expect((await as(admin).post(`/organizations/${orgId}/members`, { userId: invitee.userId, role: 'owner' })).status).toBe(403);
    const futureOwner = uniqueEmail('future-owner');
    const ownerInvite = (await as(owner).post(`/organizations/${orgId}/members`, { email: futureOwner, role: 'owner' })).body.data.id;
    expect((await as(admin).delete(`/organizations/${orgId}/invitations/${ownerInvite}`)).status).toBe(403);
    // An admin cannot turn an owner invitation into something else by inviting again either.
    expect((await as(admin).post(`/organizations/${orgId}/members`, { email: futureOwner, role: 'viewer' })).status).toBe(403);
    const id = (await as(admin).post(`/organizations/${orgId}/members`, { userId: invitee.userId, role: 'viewer' })).body.data.id;
    expect((await as(writer).get(`/organizations/${orgId}/invitations`)).status).toBe(403);
    expect((await as(writer).delete(`/organizations/${orgId}/invitations/${id}`)).status).toBe(403);
    const listed = await as(admin).get(`/organizations/${orgId}/invitations?status=invited&perPage=100`);
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((i: { id: number }) => i.id)).toEqual(expect.arrayContaining([id, ownerInvite]));
    expect(listed.body.data.every((i: { status: string }) => i.status === 'invited')).toBe(true);
    expect((await as(admin).get(`/organizations/${orgId}/invitations?status=maybe`)).status).toBe(422);
    expect((await as(admin).get(`/organizations/${orgId}/invitations?orderBy=email`)).status).toBe(422);
    const revoked = await as(admin).delete(`/organizations/${orgId}/invitations/${id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.data).toEqual({ id, revoked: true });
    expect(await myInvitations(invitee)).toEqual([]);
    const accept = await as(invitee).post(`/users/me/invitations/${id}/accept`);
    expect(accept.status).toBe(409);
    expect(await membership(orgId, invitee.userId)).toEqual([]);
    expect((await as(admin).delete(`/organizations/${orgId}/invitations/${id}`)).status).toBe(409);
    expect((await as(admin).delete(`/organizations/${orgId}/invitations/2000000000`)).status).toBe(404);
    expect((await as(owner).delete(`/organizations/${orgId}/invitations/${ownerInvite}`)).status).toBe(200);
    // Another organization's invitation through this organization's path: 404.
    const elsewhere = await newOrganization(invitee, 'Elsewhere');
    const foreign = (await as(invitee).post(`/organizations/${elsewhere}/members`, { email: uniqueEmail('x'), role: 'viewer' })).body.data.id;
    expect((await as(owner).delete(`/organizations/${orgId}/invitations/${foreign}`)).status).toBe(404);
  });

  it('the auth CLI refuses to create a user whose email is not an address (exit 1, nothing created)', async () => {
    const bad = `not an email ${Date.now()}`;
    for (const command of ['create-user', 'issue-token', 'grant-platform-admin']) {
      await expect(authCli(env, [command, bad])).rejects.toThrow(/exited with 1[\s\S]*not an email address/);
    }
    await expect(authCli(env, ['create-user', `${'a'.repeat(330)}@example.test`])).rejects.toThrow(/not an email address/);
    expect(await query(databaseUrl, 'SELECT 1 FROM auth.users WHERE email = $1', [bad])).toEqual([]);
  });

  it('the auth CLI refuses a token restricted to an organization its user is not an active member of', async () => {
    const slug = `cli-${Date.now().toString(36)}`;
    const org = (await as(owner).post('/organizations', { name: 'CLI org', slug })).body.data.id;
    const stranger = await createActor(env, 'inv-cli');
    await expect(authCli(env, ['issue-token', stranger.email, '--org', slug])).rejects.toThrow(/exited with 1[\s\S]*is not an active member of/);
    // An invitation does not make a member either.
    await as(owner).post(`/organizations/${org}/members`, { userId: stranger.userId, role: 'viewer' });
    await expect(authCli(env, ['issue-token', stranger.email, '--org', slug])).rejects.toThrow(/is not an active member of/);
    await expect(authCli(env, ['issue-token', uniqueEmail('nobody'), '--org', slug])).rejects.toThrow(/is not an active member of/);
    const issued = await authCli<{ token: string }>(env, ['issue-token', owner.email, '--org', slug]);
    expect((await as(issued.token).get(`/organizations/${org}`)).status).toBe(200);
    // Deactivated members are not active members.
    await joinOrganization(gatewayUrl, owner, org, stranger, 'viewer');
    expect((await as(owner).patch(`/organizations/${org}/members/${stranger.userId}`, { status: 'deactivated' })).status).toBe(200);
    await expect(authCli(env, ['issue-token', stranger.email, '--org', slug])).rejects.toThrow(/is not an active member of/);
  });
});

describe('managed accounts: users an organization creates are members at once', () => {
  let owner: Actor;
  let writer: Actor;
  let outsider: Actor;
  let orgId: number;

  beforeAll(async () => {
    [owner, writer, outsider] = await Promise.all([createActor(env, 'managed-owner'), createActor(env, 'managed-writer'), createActor(env, 'managed-out')]);
    orgId = await newOrganization(owner, 'Managing');
    await joinOrganization(gatewayUrl, owner, orgId, writer, 'writer');
  });

  it('creates human and service accounts as active clients, listed with emails and user type for admins', async () => {
    const email = uniqueEmail('managed-human');
    const human = await as(owner).post(`/organizations/${orgId}/users`, { userType: 'human', email: email.toUpperCase(), firstName: 'Ada', lastName: 'Lovelace' });
    expect(human.status).toBe(201);
    expect(human.body.data).toMatchObject({ organizationId: orgId, email, firstName: 'Ada', lastName: 'Lovelace', userType: 'human', role: 'client', status: 'active' });
    const service = await as(owner).post(`/organizations/${orgId}/users`, { userType: 'service', firstName: 'CI', lastName: null });
    expect(service.status).toBe(201);
    expect(service.body.data).toMatchObject({ email: null, userType: 'service', role: 'client', status: 'active' });
    for (const created of [human, service]) {
      expect(await membership(orgId, created.body.data.userId)).toEqual([{ role: 'client', status: 'active' }]);
    }
    const [row] = await query<{ current_organization_id: number; email_verified: boolean }>(
      databaseUrl,
      'SELECT current_organization_id, email_verified FROM auth.users WHERE id = $1',
      [human.body.data.userId],
    );
    expect(row).toEqual({ current_organization_id: orgId, email_verified: false });
    const listed = await as(owner).get(`/organizations/${orgId}/users?perPage=100&orderBy=userId`);
    expect(listed.status).toBe(200);
    expect(listed.body.meta.total).toBe(4);
    expect(listed.body.data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ userId: owner.userId, email: owner.email, userType: 'human', role: 'owner' }),
        expect.objectContaining({ userId: human.body.data.userId, email, userType: 'human', role: 'client' }),
        expect.objectContaining({ userId: service.body.data.userId, email: null, userType: 'service', role: 'client' }),
      ]),
    );
    // Fellow members see members' emails; admins only may list users or create them; strangers get 404.
    expect((await as(writer).get(`/organizations/${orgId}/members/${human.body.data.userId}`)).body.data.email).toBe(email);
    expect((await as(writer).get(`/organizations/${orgId}/users`)).status).toBe(403);
    expect((await as(writer).post(`/organizations/${orgId}/users`, { userType: 'service' })).status).toBe(403);
    expect((await as(outsider).get(`/organizations/${orgId}/users`)).status).toBe(404);
    expect((await as(outsider).post(`/organizations/${orgId}/users`, { userType: 'service' })).status).toBe(404);
    expect((await as(outsider).get(`/organizations/${orgId}/members/${human.body.data.userId}`)).status).toBe(404);
  });

  it('validates the body', async () => {
    const post = (body: unknown) => as(owner).post(`/organizations/${orgId}/users`, body);
    expect((await post({ userType: 'human', firstName: 'No', lastName: 'Email' })).status).toBe(422);
    expect((await post({ userType: 'robot', email: uniqueEmail('r') })).status).toBe(422);
    expect((await post({ email: uniqueEmail('r') })).status).toBe(422);
    expect((await post({ userType: 'human', email: 'not-an-email' })).status).toBe(422);
    expect((await post({ userType: 'service', firstName: 'x'.repeat(101) })).status).toBe(422);
    expect((await post({ userType: 'service', role: 'owner' })).status).toBe(422);
    expect((await as(owner).get(`/organizations/${orgId}/users?orderBy=name`)).status).toBe(422);
  });

  it('refuses an email that is already a user’s with 409 email_unavailable, and creates nothing', async () => {
    const before = await query(databaseUrl, 'SELECT count(*)::int AS n FROM auth.users');
    const res = await as(owner).post(`/organizations/${orgId}/users`, { userType: 'human', email: outsider.email.toUpperCase() });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ success: false, error: { status: 409, code: 'email_unavailable' } });
    // As a number of its own: user 40 is not named by `"status":409`.
    expect(res.text).not.toMatch(new RegExp(`(?<![0-9])${outsider.userId}(?![0-9])`));
    expect(await membership(orgId, outsider.userId)).toEqual([]);
    const after = await query(databaseUrl, 'SELECT count(*)::int AS n FROM auth.users');
    expect(after).toEqual(before);
  });
});

describe('rate limit: invitations and managed accounts share an hourly budget per organization and per inviter', () => {
  it(`answers 429 invitation_rate_limited past INVITATIONS_PER_HOUR (50), counting refused attempts too`, async () => {
    const [owner, admin, taken] = await Promise.all([createActor(env, 'rate-owner'), createActor(env, 'rate-admin'), createActor(env, 'rate-taken')]);
    const orgId = await newOrganization(owner, 'Busy');
    await joinOrganization(gatewayUrl, owner, orgId, admin, 'admin'); // 1 of the organization's and the owner's 50
    const statuses: number[] = [];
    // Refused managed accounts (409: the email is taken) spend the budget like invitations.
    for (let i = 0; i < 5; i++) statuses.push((await as(owner).post(`/organizations/${orgId}/users`, { userType: 'human', email: taken.email })).status);
    for (let i = 0; i < 46; i++) {
      statuses.push((await as(owner).post(`/organizations/${orgId}/members`, { email: uniqueEmail(`bulk${i}`), role: 'viewer' })).status);
    }
    expect(statuses.slice(0, 5)).toEqual([409, 409, 409, 409, 409]);
    expect(statuses.slice(5, 49)).toEqual(Array(44).fill(201));
    expect(statuses.slice(49)).toEqual([429, 429]);
    const limited = await as(owner).post(`/organizations/${orgId}/members`, { email: uniqueEmail('one-more'), role: 'viewer' });
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      success: false,
      message: expect.stringMatching(/at most 50 invitations and managed accounts per hour/),
      error: { status: 429, code: 'invitation_rate_limited' },
    });
    // The organization's budget is spent for its other admins too, and for managed accounts.
    expect((await as(admin).post(`/organizations/${orgId}/members`, { email: uniqueEmail('admin'), role: 'viewer' })).status).toBe(429);
    expect((await as(owner).post(`/organizations/${orgId}/users`, { userType: 'service' })).status).toBe(429);
    // The inviter's own budget is spent in a fresh organization as well.
    const fresh = await newOrganization(owner, 'Fresh');
    expect((await as(owner).post(`/organizations/${fresh}/members`, { email: uniqueEmail('fresh'), role: 'viewer' })).status).toBe(429);
    // Nothing past the limit was stored.
    const stored = await query<{ n: number }>(databaseUrl, 'SELECT count(*)::int AS n FROM auth.invitations WHERE organization_id IN ($1, $2)', [orgId, fresh]);
    expect(stored).toEqual([{ n: 45 }]);
    // Other organizations and inviters are unaffected.
    const other = await createActor(env, 'rate-other');
    const otherOrg = await newOrganization(other, 'Calm');
    expect((await as(other).post(`/organizations/${otherOrg}/members`, { email: uniqueEmail('calm'), role: 'viewer' })).status).toBe(201);
  });
});
