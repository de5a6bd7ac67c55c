import { client } from '@alien/testing';
import { randomBytes } from 'node:crypto';
import { expectErrorEnvelope } from '../foundation/envelope-assertions';
import { sharedPlatform } from '../support/env';
import { Member, memberWithOrganization } from './support';

const { gatewayUrl, env } = sharedPlatform();
const unique = () => randomBytes(3).toString('hex');

/**
 * Derived slugs of clusters, workflows and presets follow the README's rule (found by the outside-in
 * pass: a name without a Latin spelling was a 500 on all three, a taken derived slug a 409): they
 * transliterate, fall back to `<kind>-<random>`, and step to `-2`, `-3`… when taken; only a slug the
 * client sends can be 409.
 */
describe('derived slugs (orchestration)', () => {
  let owner: Member;
  let workflowId: number;

  beforeAll(async () => {
    owner = await memberWithOrganization(env, gatewayUrl, 'slug-orch');
    workflowId = (await owner.api.post('/workflows', { name: `Slug host ${unique()}`, nodes: [], edges: [] })).body.data.id;
  });

  const kinds: [string, string, (name: string, slug?: string) => Record<string, unknown>, () => string][] = [
    ['clusters', 'cluster', (name, slug) => ({ name, ...(slug ? { slug } : {}), baseUrl: 'http://127.0.0.1:9' }), () => '/clusters'],
    ['workflows', 'workflow', (name, slug) => ({ name, ...(slug ? { slug } : {}), nodes: [], edges: [] }), () => '/workflows'],
    ['presets', 'preset', (name, slug) => ({ name, ...(slug ? { slug } : {}), input: {} }), () => `/workflows/${workflowId}/presets`],
  ];

  it.each(kinds)('%s: a name without a Latin spelling gets <kind>-<random>, never a 500', async (_what, fallback, body, path) => {
    for (const name of ['😀😀😀', '日本語ラボ', '---']) {
      const res = await owner.api.post(path(), body(name));
      expect({ name, status: res.status, text: res.text.slice(0, 200) }).toEqual({ name, status: 201, text: expect.any(String) });
      expect(res.body.data.slug).toMatch(new RegExp(`^${fallback}-[a-z0-9]{6}$`));
    }
  });

  it.each(kinds)('%s: a taken derived slug steps to -2 and -3; Cyrillic transliterates; a taken chosen slug is 409', async (_what, _fallback, body, path) => {
    const name = `Same name ${unique()}`;
    const slugs: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await owner.api.post(path(), body(name));
      expect(res.status).toBe(201);
      slugs.push(res.body.data.slug);
    }
    const base = slugs[0] as string;
    expect(slugs).toEqual([base, `${base}-2`, `${base}-3`]);
    const cyrillic = await owner.api.post(path(), body(`Организация ${unique()}`));
    expect(cyrillic.status).toBe(201);
    expect(cyrillic.body.data.slug).toMatch(/^organizatsiya-[a-z0-9]{6}$/);
    expectErrorEnvelope(await owner.api.post(path(), body('Chosen', base)), 409, 'slug_taken');
    // Another organization's slugs are not in the way.
    const other = await memberWithOrganization(env, gatewayUrl, 'slug-orch-other');
    if (path().startsWith('/workflows/')) return;
    const theirs = await client(gatewayUrl, other.token).post(path(), body(name));
    expect(theirs.status).toBe(201);
    expect(theirs.body.data.slug).toBe(base);
  });
});
