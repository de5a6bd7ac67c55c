import { client, createActor } from '@alien/testing';
import { randomBytes } from 'node:crypto';
import { expectErrorEnvelope } from '../foundation/envelope-assertions';
import { sharedPlatform } from '../support/env';

const { gatewayUrl, env } = sharedPlatform();
const unique = () => randomBytes(3).toString('hex');

/**
 * Derived slugs of external APIs follow the README's rule (found by the outside-in pass: a name
 * without a Latin spelling was a 500, a taken derived slug a 409): `external-api-<random>` when the
 * name has no Latin spelling, `-2`, `-3`… when taken; only a slug the client sends can be 409.
 */
describe('derived slugs (external APIs)', () => {
  const body = (name: string, slug?: string) => ({ name, ...(slug ? { slug } : {}), baseUrl: 'http://127.0.0.1:9', auth: { type: 'bearer' } });

  it('a name without a Latin spelling gets external-api-<random>; a taken derived slug steps on; a taken chosen one is 409', async () => {
    const admin = client(gatewayUrl, (await createActor(env, 'slug-xa', { platformAdmin: true })).token);
    for (const name of ['😀😀😀', '日本語ラボ', '---']) {
      const res = await admin.post('/external-apis', body(name));
      expect({ name, status: res.status, text: res.text.slice(0, 200) }).toEqual({ name, status: 201, text: expect.any(String) });
      expect(res.body.data.slug).toMatch(/^external-api-[a-z0-9]{6}$/);
    }
    const name = `Same name ${unique()}`;
    const slugs: string[] = [];
    for (let i = 0; i < 3; i++) slugs.push((await admin.post('/external-apis', body(name))).body.data.slug);
    const base = slugs[0] as string;
    expect(slugs).toEqual([base, `${base}-2`, `${base}-3`]);
    expectErrorEnvelope(await admin.post('/external-apis', body('Chosen', base)), 409, 'slug_taken');
  });
});
