import { KeyRing, generateKeyRingSpec } from '@alien/secrets';
import { Platform, distPath, query, runScript, startPlatform } from '@alien/testing';
import { Member, memberOf, ownerWithOrganization, unique } from './support/fixtures';

/**
 * Keys rotate without downtime: a catalog with a new key in front still opens values sealed under the
 * old one, `cli.js reencrypt-credentials` re-seals everything under the new key, and then the old key
 * can go.
 */
describe('credential key rotation (SECRETS_KEY_RING + reencrypt-credentials)', () => {
  const oldKey = generateKeyRingSpec('old1');
  const newKey = generateKeyRingSpec('new2');
  let platform: Platform;
  let owner: Member;
  let writer: Member;

  beforeAll(async () => {
    platform = await startPlatform({ label: 'catalog-key-rotation', services: ['auth', 'catalog'], env: { SECRETS_KEY_RING: oldKey } });
    owner = await ownerWithOrganization(platform.gatewayUrl, platform.env, 'kr-owner');
    writer = await memberOf(platform.gatewayUrl, platform.env, owner, 'writer', 'kr-writer');
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
  });

  const sealedKeyIds = async () => (await query<{ key_id: string; sealed: string }>(platform.databaseUrl, `SELECT key_id, split_part(sealed_api_key, '.', 2) AS sealed FROM catalog.ai_model_credentials ORDER BY model_id`));
  const restartCatalog = async (ring: string) => {
    await platform.stopProcess('catalog');
    await platform.startService('catalog', { SECRETS_KEY_RING: ring });
  };
  const reencrypt = async (ring: string) =>
    JSON.parse((await runScript(distPath('apps', 'catalog', 'src', 'cli.js'), ['reencrypt-credentials'], { ...platform.env, SECRETS_KEY_RING: ring })).trim().split('\n').pop() ?? '{}');

  it('adds a key, re-seals every credential under it, drops the old key — reads work at every step', async () => {
    const keys: Record<number, string> = {};
    for (let i = 0; i < 3; i++) {
      const model = (await owner.api.post('/ai-models', { name: `Rotating ${unique()}`, modelType: 'llm', apiUrl: 'https://llm.example/v1', pricingType: 'free' })).body.data;
      keys[model.id] = `sk-rotate-${unique()}`;
      expect((await owner.api.put(`/ai-models/${model.id}/credentials`, { apiKey: keys[model.id] })).status).toBe(200);
    }
    const readAll = async () => {
      for (const [id, key] of Object.entries(keys)) {
        const res = await writer.api.get(`/ai-models/${id}/credentials`);
        expect({ id, status: res.status, key: res.body?.data?.apiKey }).toEqual({ id, status: 200, key });
      }
    };
    expect((await sealedKeyIds()).map((r) => [r.key_id, r.sealed])).toEqual(Array(3).fill(['old1', 'old1']));

    await restartCatalog(`${newKey},${oldKey}`);
    await readAll();
    const [first] = Object.keys(keys).map(Number);
    await owner.api.put(`/ai-models/${first}/credentials`, { apiKey: keys[first as number] });
    expect((await sealedKeyIds()).filter((r) => r.key_id === 'new2')).toHaveLength(1);

    expect(await reencrypt(`${newKey},${oldKey}`)).toEqual({ reencrypted: 2, total: 3, currentKeyId: 'new2' });
    expect((await sealedKeyIds()).map((r) => [r.key_id, r.sealed])).toEqual(Array(3).fill(['new2', 'new2']));
    expect(await reencrypt(`${newKey},${oldKey}`)).toEqual({ reencrypted: 0, total: 3, currentKeyId: 'new2' });

    await restartCatalog(newKey);
    await readAll();
    // Nothing readable is left under the old key alone.
    const [row] = await query<{ sealed_api_key: string; model_id: number }>(platform.databaseUrl, 'SELECT sealed_api_key, model_id FROM catalog.ai_model_credentials LIMIT 1');
    expect(() => new KeyRing(oldKey).open(row?.sealed_api_key ?? '', `ai-model:${row?.model_id}`)).toThrow(/not in the ring/);
  });

  it('a malformed key ring stops the catalog (and its CLI) at start, naming the variable but not the value', async () => {
    const secret = 'k9:not-base64-of-32-bytes';
    await platform.stopProcess('catalog');
    const service = await platform.startService('catalog', { SECRETS_KEY_RING: secret }).then(
      () => 'started',
      (e: Error) => e.message,
    );
    const cli = await runScript(distPath('apps', 'catalog', 'src', 'cli.js'), ['reencrypt-credentials'], { ...platform.env, SECRETS_KEY_RING: secret }).then(
      () => 'ran',
      (e: Error) => e.message,
    );
    for (const error of [service, cli]) {
      expect(error).toContain('SECRETS_KEY_RING');
      expect(error).not.toContain('not-base64');
    }
  });
});
