import { Actor, client, createActor, joinOrganization, tmpPath } from '@alien/testing';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sharedPlatform } from '../support/env';

const { gatewayUrls, env } = sharedPlatform();
const measured: Record<string, number> = {};

/** Polls until the predicate holds; returns how long that took (ms), or Infinity past the deadline. */
async function timeUntil(check: () => Promise<boolean>, deadlineMs = 3_000): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < deadlineMs) {
    if (await check()) return performance.now() - started;
    await new Promise((r) => setTimeout(r, 10));
  }
  return Infinity;
}

/**
 * Two gateway replicas cache verified credentials. A change made through one of them must take
 * effect on the other within a second (auth events over NATS evict the cache on every replica).
 */
describe('auth changes reach every gateway replica within 1 s', () => {
  const [gw1, gw2] = gatewayUrls as [string, string];
  let owner: Actor;

  beforeAll(async () => {
    expect(gatewayUrls.length).toBeGreaterThanOrEqual(2);
    owner = await createActor(env, 'propagation');
  });

  afterAll(() => {
    const dir = tmpPath('measurements');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'propagation.json'), JSON.stringify(measured, null, 2));
  });

  it('revoking a token', async () => {
    const created = await client(gw1, owner.token).post('/access-tokens', { name: 'revoke me', organizationId: null });
    const token = created.body.data.token;
    // Warm both caches.
    expect((await client(gw1, token).get('/users/me')).status).toBe(200);
    expect((await client(gw2, token).get('/users/me')).status).toBe(200);
    const revoked = client(gw1, owner.token).delete(`/access-tokens/${created.body.data.id}`);
    const started = performance.now();
    expect((await revoked).status).toBe(200);
    const ms = (performance.now() - started) + (await timeUntil(async () => (await client(gw2, token).get('/users/me')).status === 401));
    measured['tokenRevokedMs'] = ms;
    expect(ms).toBeLessThan(1_000);
  });

  it('removing a member', async () => {
    const member = await createActor(env, 'propagation-member');
    const org = (await client(gw1, owner.token).post('/organizations', { name: `Prop ${Date.now()}` })).body.data.id;
    await joinOrganization(gw1, owner, org, member, 'writer');
    const headers = { 'x-organization-id': String(org) };
    expect((await client(gw2, member.token).get('/users/me', { headers })).status).toBe(200);
    const started = performance.now();
    expect((await client(gw1, owner.token).delete(`/organizations/${org}/members/${member.userId}`)).status).toBe(200);
    const ms =
      (performance.now() - started) +
      (await timeUntil(async () => (await client(gw2, member.token).get('/users/me', { headers })).status === 403));
    measured['memberRemovedMs'] = ms;
    expect(ms).toBeLessThan(1_000);
  });

  it('deleting an organization (its restricted tokens die with it)', async () => {
    const org = (await client(gw1, owner.token).post('/organizations', { name: `Doomed ${Date.now()}` })).body.data.id;
    const restricted = (await client(gw1, owner.token).post('/access-tokens', { name: 'doomed', organizationId: org })).body.data.token;
    expect((await client(gw2, restricted).get('/users/me')).status).toBe(200);
    const started = performance.now();
    expect((await client(gw1, owner.token).delete(`/organizations/${org}`)).status).toBe(200);
    const ms = (performance.now() - started) + (await timeUntil(async () => (await client(gw2, restricted).get('/users/me')).status === 401));
    measured['organizationDeletedMs'] = ms;
    expect(ms).toBeLessThan(1_000);
    expect((await client(gw2, owner.token).get(`/organizations/${org}`)).status).toBe(404);
  });

  it('deactivating a user', async () => {
    const admin = await createActor(env, 'propagation-admin', { platformAdmin: true });
    const user = await createActor(env, 'propagation-user');
    expect((await client(gw2, user.token).get('/users/me')).status).toBe(200);
    const started = performance.now();
    expect((await client(gw1, admin.token).post(`/users/${user.userId}/deactivate`)).status).toBe(200);
    const ms = (performance.now() - started) + (await timeUntil(async () => (await client(gw2, user.token).get('/users/me')).status === 401));
    measured['userDeactivatedMs'] = ms;
    expect(ms).toBeLessThan(1_000);
  });
});
