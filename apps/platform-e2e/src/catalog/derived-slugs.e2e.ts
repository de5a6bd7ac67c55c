import { expectErrorEnvelope } from '../foundation/envelope-assertions';
import { sharedPlatform } from '../support/env';
import { Member, ownerWithOrganization, registerCluster, unique } from './support/fixtures';

const { gatewayUrl, env } = sharedPlatform();

/**
 * Derived slugs of datasets, collections and AI models follow the README's rule (found by the
 * outside-in pass: a name without a Latin spelling was a 500 on all three, a taken derived slug a
 * 409): they transliterate, fall back to `<kind>-<random>`, and step to `-2`, `-3`… when taken; only a
 * slug the client sends can be 409.
 */
describe('derived slugs (catalog)', () => {
  let owner: Member;
  let clusterId: number;

  beforeAll(async () => {
    owner = await ownerWithOrganization(gatewayUrl, env, 'slug-cat');
    clusterId = (await registerCluster(owner)).id;
  });

  const kinds: [string, string, (name: string, slug?: string) => Record<string, unknown>, string][] = [
    ['datasets', 'dataset', (name, slug) => ({ name, ...(slug ? { slug } : {}), type: 'text', clusterId }), '/datasets'],
    ['collections', 'collection', (name, slug) => ({ name, ...(slug ? { slug } : {}) }), '/collections'],
    ['ai-models', 'model', (name, slug) => ({ name, ...(slug ? { slug } : {}), modelType: 'llm', apiUrl: 'http://127.0.0.1:9/v1', pricingType: 'free' }), '/ai-models'],
  ];

  it.each(kinds)('%s: a name without a Latin spelling gets <kind>-<random>, never a 500', async (_what, fallback, body, path) => {
    for (const name of ['😀😀😀', '日本語ラボ', '---']) {
      const res = await owner.api.post(path, body(name));
      expect({ name, status: res.status, text: res.text.slice(0, 200) }).toEqual({ name, status: 201, text: expect.any(String) });
      expect(res.body.data.slug).toMatch(new RegExp(`^${fallback}-[a-z0-9]{6}$`));
    }
  });

  it.each(kinds)('%s: a taken derived slug steps to -2 and -3; Cyrillic transliterates; a taken chosen slug is 409', async (_what, _fallback, body, path) => {
    const name = `Same name ${unique()}`;
    const slugs: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await owner.api.post(path, body(name));
      expect(res.status).toBe(201);
      slugs.push(res.body.data.slug);
    }
    const base = slugs[0] as string;
    expect(slugs).toEqual([base, `${base}-2`, `${base}-3`]);
    const cyrillic = await owner.api.post(path, body(`Организация ${unique()}`));
    expect(cyrillic.status).toBe(201);
    expect(cyrillic.body.data.slug).toMatch(/^organizatsiya-[a-z0-9]{8}$/);
    expectErrorEnvelope(await owner.api.post(path, body('Chosen', base)), 409, 'slug_taken');
  });
});
