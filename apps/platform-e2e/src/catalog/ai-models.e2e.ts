import { CatalogContracts } from '@alien/catalog/contracts';
import { Identity, RequestContext } from '@alien/identity';
import { PrefixedClientNats, RpcClient, natsOptions } from '@alien/nest-rpc';
import { Actor, Client, client, createActor, query, tmpPath } from '@alien/testing';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { expectErrorEnvelope, expectValidation } from '../foundation/envelope-assertions';
import { sharedPlatform } from '../support/env';
import { Member, memberOf, ownerWithOrganization, readToken, unique } from './support/fixtures';

const { gatewayUrl, databaseUrl, env } = sharedPlatform();
const anonymous = client(gatewayUrl);

function identity(userId: number, organizationId: number | null, role: Identity['role']): Identity {
  return { userId, organizationId, role, tokenId: null, authMethod: 'token', abilities: ['read', 'write'], isPlatformAdmin: false, restrictedOrganizationId: null };
}

describe('AI models and their provisioned credentials', () => {
  let admin: Actor;
  let platformAdmin: Client;
  let owner: Member;
  let writer: Member;
  let viewer: Member;
  let other: Member;
  let platformLlm: any;
  let platformEmbedding: any;
  let orgModel: any;
  let provider: any;
  let tag: any;
  const orgKey = `sk-org-${randomBytes(16).toString('hex')}`;
  const platformKey = `sk-platform-${randomBytes(16).toString('hex')}`;

  beforeAll(async () => {
    admin = await createActor(env, 'ai-platform-admin', { platformAdmin: true });
    platformAdmin = client(gatewayUrl, admin.token);
    [owner, other] = await Promise.all([ownerWithOrganization(gatewayUrl, env, 'ai-owner'), ownerWithOrganization(gatewayUrl, env, 'ai-other')]);
    [writer, viewer] = await Promise.all([memberOf(gatewayUrl, env, owner, 'writer', 'ai-writer'), memberOf(gatewayUrl, env, owner, 'viewer', 'ai-viewer')]);
    provider = (await anonymous.get('/providers/slug/openai')).body.data;
    tag = (await anonymous.get('/tags/slug/natural-language')).body.data;
  });

  it('platform admins create platform models (organizationId null); organization admins their organization’s', async () => {
    const res = await platformAdmin.post('/ai-models', {
      name: `GPT mini ${unique()}`,
      modelType: 'llm',
      apiUrl: 'https://api.openai.com/v1',
      pricingType: 'per_token',
      pricePerInputToken: 0.00000015,
      pricePerOutputToken: 0.0000006,
      contextWindow: 128000,
      providerId: provider.id,
      tagIds: [tag.id],
      visibility: 'public',
      organizationId: null,
      version: '2024-07-18',
    });
    expect(res.status).toBe(201);
    platformLlm = res.body.data;
    expect(platformLlm).toMatchObject({
      modelType: 'llm',
      organizationId: null,
      pricePerInputToken: 0.00000015,
      pricePerOutputToken: 0.0000006,
      contextWindow: 128000,
      provider: { id: provider.id, slug: 'openai', name: provider.name },
      tags: [{ id: tag.id, slug: tag.slug, name: tag.name }],
      hasCredentials: false,
    });
    platformEmbedding = (
      await platformAdmin.post('/ai-models', { name: `Embedder ${unique()}`, modelType: 'embedding', apiUrl: 'https://api.example.com/v1', pricingType: 'free', visibility: 'public', organizationId: null })
    ).body.data;
    orgModel = (
      await owner.api.post('/ai-models', { name: `In-house llm ${unique()}`, modelType: 'llm', apiUrl: 'http://llm.internal:8000/v1', pricingType: 'per_request' })
    ).body.data;
    expect(orgModel).toMatchObject({ organizationId: owner.organizationId, visibility: 'private' });
    expectErrorEnvelope(await owner.api.post('/ai-models', { name: 'Mine as platform', modelType: 'llm', apiUrl: 'https://x.example/v1', pricingType: 'free', organizationId: null }), 403);
    // Workers call apiUrl: internal hosts are fine, cloud metadata (link-local) is not.
    for (const apiUrl of ['http://169.254.169.254/latest', 'http://[fe80::1]/v1', 'http://0.0.0.0:8000/v1']) {
      expectValidation(await owner.api.post('/ai-models', { name: `Metadata ${unique()}`, modelType: 'llm', apiUrl, pricingType: 'free' }), 'apiUrl', 'url');
    }
    expectErrorEnvelope(await writer.api.post('/ai-models', { name: 'Writer’s', modelType: 'llm', apiUrl: 'https://x.example/v1', pricingType: 'free' }), 403);
    expectErrorEnvelope(await owner.api.post('/ai-models', { name: 'For them', modelType: 'llm', apiUrl: 'https://x.example/v1', pricingType: 'free', organizationId: other.organizationId }), 403);
    expectValidation(await owner.api.post('/ai-models', { name: 'X', modelType: 'llm', apiUrl: 'not a url', pricingType: 'free' }), 'apiUrl', 'url');
    expectValidation(await owner.api.post('/ai-models', { name: 'X', modelType: 'llm', apiUrl: 'https://x.example/v1', pricingType: 'free', pricePerInputToken: -1 }), 'pricePerInputToken', 'min');
  });

  it('lists with filters that work: select=public&modelType=llm returns public LLMs only; bad enums are 422', async () => {
    const publicLlms = await owner.api.get('/ai-models?select=public&modelType=llm&perPage=100');
    expect(publicLlms.status).toBe(200);
    const ids = publicLlms.body.data.map((m: any) => m.id);
    expect(ids).toContain(platformLlm.id);
    expect(ids).not.toContain(platformEmbedding.id);
    expect(ids).not.toContain(orgModel.id);
    expect(publicLlms.body.data.every((m: any) => m.modelType === 'llm' && m.visibility === 'public')).toBe(true);
    expect((await owner.api.get('/ai-models?select=organization&perPage=100')).body.data.map((m: any) => m.id)).toEqual([orgModel.id]);
    const all = (await owner.api.get('/ai-models?perPage=100')).body.data.map((m: any) => m.id);
    expect(all).toEqual(expect.arrayContaining([platformLlm.id, platformEmbedding.id, orgModel.id]));
    expect((await other.api.get('/ai-models?perPage=100')).body.data.map((m: any) => m.id)).not.toContain(orgModel.id);
    expect((await anonymous.get(`/ai-models?provider=openai&tag=${tag.slug}&perPage=100`)).body.data.map((m: any) => m.id)).toContain(platformLlm.id);
    expect((await anonymous.get(`/ai-models?provider=${provider.id}&modelType=embedding`)).body.data).toEqual([]);
    expect((await anonymous.get(`/ai-models?q=${encodeURIComponent(platformEmbedding.name)}`)).body.data.map((m: any) => m.id)).toEqual([platformEmbedding.id]);
    expectValidation(await anonymous.get('/ai-models?modelType=nonsense'), 'modelType', 'enum');
    expectValidation(await anonymous.get('/ai-models?select=everything'), 'select', 'enum');
    expectValidation(await anonymous.get('/ai-models?provider=Bad%20Slug'), 'provider', 'regex');
  });

  it('reads by id, slug and batch; another organization’s private model is 404', async () => {
    expect((await anonymous.get(`/ai-models/${platformLlm.id}`)).body.data.id).toBe(platformLlm.id);
    expect((await anonymous.get(`/ai-models/slug/${platformLlm.slug}`)).body.data.id).toBe(platformLlm.id);
    expect((await owner.api.get(`/ai-models/slug/${orgModel.slug}`)).body.data.id).toBe(orgModel.id);
    expectErrorEnvelope(await other.api.get(`/ai-models/${orgModel.id}`), 404);
    expectErrorEnvelope(await other.api.get(`/ai-models/slug/${orgModel.slug}`), 404);
    expect((await other.api.get(`/ai-models/batch?ids=${orgModel.id},${platformLlm.id}`)).body.data.map((m: any) => m.id)).toEqual([platformLlm.id]);
    expectErrorEnvelope(await other.api.patch(`/ai-models/${platformLlm.id}`, { name: 'Mine now' }), 403);
    expectErrorEnvelope(await owner.api.patch(`/ai-models/${platformLlm.id}`, { name: 'Mine now' }), 403);
    expect((await owner.api.patch(`/ai-models/${orgModel.id}`, { contextWindow: 32000 })).body.data.contextWindow).toBe(32000);
    expectValidation(await owner.api.patch(`/ai-models/${orgModel.id}`, { organizationId: other.organizationId }), 'organizationId', 'unknownField');
  });

  describe('credentials', () => {
    it('are provisioned by whoever may change the model, sealed at rest, never in views', async () => {
      expectErrorEnvelope(await writer.api.put(`/ai-models/${orgModel.id}/credentials`, { apiKey: orgKey }), 403);
      expectErrorEnvelope(await other.api.put(`/ai-models/${orgModel.id}/credentials`, { apiKey: orgKey }), 404);
      const put = await owner.api.put(`/ai-models/${orgModel.id}/credentials`, { apiKey: orgKey });
      expect(put.status).toBe(200);
      expect(put.body.data).toEqual({ modelId: orgModel.id, provisioned: true, expiresAt: null, updatedAt: expect.any(String) });
      expect(put.text).not.toContain(orgKey);
      expect((await platformAdmin.put(`/ai-models/${platformLlm.id}/credentials`, { apiKey: platformKey, expiresAt: '2099-01-01T00:00:00Z' })).status).toBe(200);
      const [row] = await query<{ sealed_api_key: string; key_id: string }>(databaseUrl, 'SELECT sealed_api_key, key_id FROM catalog.ai_model_credentials WHERE model_id = $1', [orgModel.id]);
      expect(row?.sealed_api_key).toMatch(/^v1\.t1\./);
      expect(row?.sealed_api_key).not.toContain(orgKey);
      expect(row?.key_id).toBe('t1');
      const detail = await owner.api.get(`/ai-models/${orgModel.id}`);
      expect(detail.body.data.hasCredentials).toBe(true);
      expect(detail.text).not.toContain(orgKey);
      expect((await owner.api.get('/ai-models?perPage=100')).text).not.toContain(orgKey);
      expectValidation(await owner.api.put(`/ai-models/${orgModel.id}/credentials`, { apiKey: '' }), 'apiKey', 'length');
      expectValidation(await owner.api.put(`/ai-models/${orgModel.id}/credentials`, { apiKey: 'x', expiresAt: 'tomorrow' }), 'expiresAt', 'date');
      expectValidation(await owner.api.put(`/ai-models/${orgModel.id}/credentials`, { apiKey: 'x', expiresAt: '2001-01-01T00:00:00Z' }), 'expiresAt', 'future');
    });

    it('GET: writers (any token, a read token too: it is a GET) get apiUrl and key; viewers 403; other organizations 404; anonymous 401', async () => {
      const res = await writer.api.get(`/ai-models/${orgModel.id}/credentials`);
      expect(res.body).toEqual({ success: true, data: { apiUrl: 'http://llm.internal:8000/v1', apiKey: orgKey, expiresAt: null } });
      const read = client(gatewayUrl, await readToken(writer));
      expect((await read.get(`/ai-models/${orgModel.id}/credentials`)).body.data.apiKey).toBe(orgKey);
      expectErrorEnvelope(await viewer.api.get(`/ai-models/${orgModel.id}/credentials`), 403);
      expectErrorEnvelope(await other.api.get(`/ai-models/${orgModel.id}/credentials`), 404);
      expectErrorEnvelope(await anonymous.get(`/ai-models/${orgModel.id}/credentials`), 401);
      // A public platform model: any organization's writers may use it.
      expect((await other.api.get(`/ai-models/${platformLlm.id}/credentials`)).body.data).toEqual({
        apiUrl: 'https://api.openai.com/v1',
        apiKey: platformKey,
        expiresAt: '2099-01-01T00:00:00.000Z',
      });
      expectErrorEnvelope(await viewer.api.get(`/ai-models/${platformLlm.id}/credentials`), 403);
    });

    it('every read is audited, for admins: the owning organization sees all, a platform model’s readers their own', async () => {
      const reads = await owner.api.get(`/ai-models/${orgModel.id}/credential-reads`);
      expect(reads.status).toBe(200);
      expect(reads.body.meta.total).toBe(2);
      expect(reads.body.data[0]).toEqual({
        id: expect.any(Number),
        modelId: orgModel.id,
        userId: writer.actor.userId,
        organizationId: owner.organizationId,
        tokenId: expect.any(Number),
        via: 'http',
        requestId: expect.any(String),
        createdAt: expect.any(String),
      });
      expectErrorEnvelope(await writer.api.get(`/ai-models/${orgModel.id}/credential-reads`), 403);
      expectErrorEnvelope(await other.api.get(`/ai-models/${orgModel.id}/credential-reads`), 404);
      const platformReads = await platformAdmin.get(`/ai-models/${platformLlm.id}/credential-reads`);
      expect(platformReads.body.data.map((r: any) => r.organizationId)).toContain(other.organizationId);
      const theirs = await other.api.get(`/ai-models/${platformLlm.id}/credential-reads`);
      expect(theirs.body.data.length).toBeGreaterThan(0);
      expect(theirs.body.data.every((r: any) => r.organizationId === other.organizationId)).toBe(true);
      expectErrorEnvelope(await owner.api.get(`/ai-models/${platformLlm.id}/credential-reads?orderBy=userId`), 422);
    });

    it('a new key replaces the old at once; after revocation reads are 404 no_credentials; an expired key is 404 credentials_expired', async () => {
      const next = `sk-next-${randomBytes(8).toString('hex')}`;
      await owner.api.put(`/ai-models/${orgModel.id}/credentials`, { apiKey: next });
      expect((await writer.api.get(`/ai-models/${orgModel.id}/credentials`)).body.data.apiKey).toBe(next);
      expectErrorEnvelope(await writer.api.delete(`/ai-models/${orgModel.id}/credentials`), 403);
      expect((await owner.api.delete(`/ai-models/${orgModel.id}/credentials`)).body).toEqual({ success: true, data: { id: orgModel.id, revoked: true } });
      expectErrorEnvelope(await writer.api.get(`/ai-models/${orgModel.id}/credentials`), 404, 'no_credentials');
      expectErrorEnvelope(await owner.api.delete(`/ai-models/${orgModel.id}/credentials`), 404, 'no_credentials');
      expect((await owner.api.get(`/ai-models/${orgModel.id}`)).body.data.hasCredentials).toBe(false);
      await owner.api.put(`/ai-models/${orgModel.id}/credentials`, { apiKey: orgKey, expiresAt: new Date(Date.now() + 1500).toISOString() });
      expect((await writer.api.get(`/ai-models/${orgModel.id}/credentials`)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1600));
      expectErrorEnvelope(await writer.api.get(`/ai-models/${orgModel.id}/credentials`), 404, 'credentials_expired');
      await owner.api.put(`/ai-models/${orgModel.id}/credentials`, { apiKey: orgKey });
    });

    it('workers fetch them over NATS (catalog.ai-model.credentials-for-worker.v1) with the job’s identity, audited; no gateway route sends it', async () => {
      const prefix = process.env['E2E_SUBJECT_PREFIX'] ?? '';
      const natsUrl = process.env['E2E_NATS_URL'] ?? 'nats://127.0.0.1:4222';
      const rpc = new RpcClient(new PrefixedClientNats(natsOptions({ url: natsUrl, subjectPrefix: prefix, name: 'e2e-worker' }, 'client'), prefix), 'catalog', 5_000);
      await rpc.connect();
      const ctx = (id: Identity): RequestContext => ({ requestId: `worker-${unique()}`, identity: id });
      const contract = CatalogContracts.aiModels.credentials.forWorker;
      try {
        const job = ctx(identity(viewer.actor.userId, owner.organizationId, 'viewer'));
        expect(await rpc.call(contract, { modelId: orgModel.id, organizationId: owner.organizationId }, job)).toEqual({
          modelId: orgModel.id,
          apiUrl: 'http://llm.internal:8000/v1',
          apiKey: orgKey,
          expiresAt: null,
        });
        expect((await rpc.call(contract, { modelId: platformLlm.id, organizationId: other.organizationId }, ctx(identity(other.actor.userId, other.organizationId, 'owner')))).apiKey).toBe(platformKey);
        const refused = async (data: { modelId: number; organizationId: number }, c: RequestContext) =>
          rpc.call(contract, data, c).then(
            () => 'answered',
            (e: { status?: number; code?: string }) => `${e.status} ${e.code}`,
          );
        expect(await refused({ modelId: orgModel.id, organizationId: owner.organizationId }, ctx(identity(other.actor.userId, other.organizationId, 'owner')))).toBe('403 organization_mismatch');
        expect(await refused({ modelId: orgModel.id, organizationId: other.organizationId }, ctx(identity(other.actor.userId, other.organizationId, 'owner')))).toBe('404 not_found');
        expect(await refused({ modelId: orgModel.id, organizationId: owner.organizationId }, ctx(identity(null as unknown as number, null, null)))).toBe('403 organization_mismatch');
        const audited = await owner.api.get(`/ai-models/${orgModel.id}/credential-reads`);
        expect(audited.body.data[0]).toMatchObject({ via: 'worker', userId: viewer.actor.userId, organizationId: owner.organizationId, requestId: job.requestId });
      } finally {
        await rpc.close();
      }
      const doc = (await anonymous.get('/docs/openapi.json')).body;
      expect(Object.keys(doc.paths).filter((p) => /worker/i.test(p))).toEqual([]);
    });

    it('no API key ever reaches a log line of any process', () => {
      const dir = tmpPath('logs', 'e2e-shared');
      const logs = readdirSync(dir).map((f) => readFileSync(path.join(dir, f), 'utf8')).join('\n');
      expect(logs.length).toBeGreaterThan(0);
      expect(logs).toContain('ai-models');
      for (const key of [orgKey, platformKey]) expect(logs.includes(key)).toBe(false);
    });
  });

  it('deleting a model deletes its credentials and their audit trail', async () => {
    const temp = (await owner.api.post('/ai-models', { name: `Temp ${unique()}`, modelType: 'ocr', apiUrl: 'https://ocr.example/v1', pricingType: 'free' })).body.data;
    await owner.api.put(`/ai-models/${temp.id}/credentials`, { apiKey: 'sk-temp' });
    await writer.api.get(`/ai-models/${temp.id}/credentials`);
    expectErrorEnvelope(await writer.api.delete(`/ai-models/${temp.id}`), 403);
    expect((await owner.api.delete(`/ai-models/${temp.id}`)).status).toBe(200);
    expect(await query(databaseUrl, 'SELECT 1 FROM catalog.ai_model_credentials WHERE model_id = $1 UNION ALL SELECT 1 FROM catalog.ai_model_credential_reads WHERE model_id = $1', [temp.id])).toEqual([]);
  });
});
