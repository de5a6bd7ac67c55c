import { Actor, Client, client, createActor, joinOrganization, query } from '@alien/testing';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';

export const unique = () => randomBytes(4).toString('hex');

export interface Member {
  actor: Actor;
  api: Client;
  organizationId: number;
}

/** A CLI-made user who creates their own organization through the API (and so owns it). */
export async function ownerWithOrganization(gatewayUrl: string, env: NodeJS.ProcessEnv, label: string): Promise<Member> {
  const actor = await createActor(env, label);
  const api = client(gatewayUrl, actor.token);
  const res = await api.post('/organizations', { name: `${label} ${unique()}` });
  if (res.status !== 201) throw new Error(`POST /organizations: ${res.status} ${res.text}`);
  return { actor, api: client(gatewayUrl, actor.token), organizationId: res.body.data.id };
}

/**
 * Another user with `role` in the owner's organization, acting in it. The one place that makes
 * memberships: the owner invites (`POST /organizations/{id}/members`), the user accepts.
 */
export async function memberOf(gatewayUrl: string, env: NodeJS.ProcessEnv, owner: Member, role: 'admin' | 'writer' | 'viewer', label: string): Promise<Member> {
  const actor = await createActor(env, label);
  // Invited by the owner, accepted by the actor (the shared helper does both).
  await joinOrganization(gatewayUrl, owner.actor, owner.organizationId, actor, role);
  const switched = await client(gatewayUrl, actor.token).post(`/organizations/${owner.organizationId}/switch`);
  if (switched.status !== 200) throw new Error(`switching: ${switched.status} ${switched.text}`);
  return { actor, api: client(gatewayUrl, actor.token), organizationId: owner.organizationId };
}

/** A `read`-only token of this member, restricted to its organization. */
export async function readToken(member: Member): Promise<string> {
  const res = await member.api.post('/access-tokens', { name: `read ${unique()}`, abilities: ['read'], organizationId: member.organizationId });
  if (res.status !== 201) throw new Error(`POST /access-tokens: ${res.status} ${res.text}`);
  return res.body.data.token;
}

/** A cluster registered by an owner (orchestration's registry); nothing has to listen at its URL. */
export async function registerCluster(owner: Member, options: { sharedWith?: number[] } = {}): Promise<{ id: number; slug: string }> {
  const res = await owner.api.post('/clusters', {
    name: `Cluster ${unique()}`,
    baseUrl: 'http://127.0.0.1:9/',
    ...(options.sharedWith ? { sharedWithOrganizationIds: options.sharedWith } : {}),
  });
  if (res.status !== 201) throw new Error(`POST /clusters: ${res.status} ${res.text}`);
  return { id: res.body.data.id, slug: res.body.data.slug };
}

export async function createDataset(api: Client, clusterId: number, body: Record<string, unknown> = {}): Promise<any> {
  const res = await api.post('/datasets', { name: `Dataset ${unique()}`, type: 'text', clusterId, ...body });
  if (res.status !== 201) throw new Error(`POST /datasets: ${res.status} ${res.text}`);
  return res.body.data;
}

/** Object ids under a local storage directory (`objects/<2>/<uuid>`), and anything else found there. */
export function storedObjects(storageDir: string): { objects: string[]; other: string[] } {
  const objects: string[] = [];
  const other: string[] = [];
  const walk = (dir: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      const rel = path.relative(storageDir, full);
      if (e.isDirectory()) walk(full);
      else if (/^objects\/[0-9a-f]{2}\/[0-9a-f-]{36}$/.test(rel)) objects.push(e.name);
      else other.push(rel);
    }
  };
  walk(storageDir);
  return { objects: objects.sort(), other: other.sort() };
}

/** Polls until `probe` holds (or throws with the last value after `ms`). */
export async function until<T>(probe: () => Promise<T>, ok: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T;
  for (;;) {
    last = await probe();
    if (ok(last)) return last;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms; last: ${JSON.stringify(last)?.slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * What a local store holds that no entry accounts for: objects no entry references, partial uploads
 * (anything outside objects/), and upload leases still open. All empty once every transfer is over.
 */
export async function localOrphans(databaseUrl: string, storageDir: string): Promise<{ unreferenced: string[]; other: string[]; leases: number }> {
  const { objects, other } = storedObjects(storageDir);
  const referenced = new Set(
    (await query<{ object_id: string }>(databaseUrl, 'SELECT object_id FROM catalog.entries WHERE object_id IS NOT NULL')).map((r) => r.object_id),
  );
  const leases = await query(databaseUrl, `SELECT 1 FROM catalog.storage_garbage`);
  return { unreferenced: objects.filter((o) => !referenced.has(o)), other, leases: leases.length };
}

export const NO_ORPHANS = { unreferenced: [], other: [], leases: 0 };
export const isClean = (o: { unreferenced: string[]; other: string[]; leases: number }) => !o.unreferenced.length && !o.other.length && !o.leases;
