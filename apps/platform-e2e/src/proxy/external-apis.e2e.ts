import { AssertionKeyRing, generateAssertionKeySpec, signPlatformCall } from '@alien/identity-assertion';
import { ANONYMOUS, Identity } from '@alien/identity';
import { Actor, ThirdPartyApi, client, createActor, query, rawHttp, startThirdPartyApi, tmpPath } from '@alien/testing';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { eventually, expectErrorEnvelope, expectValidation } from '../foundation/envelope-assertions';
import { sharedPlatform } from '../support/env';

const { gatewayUrl, proxyUrl, databaseUrl, env } = sharedPlatform();
const unique = () => randomBytes(3).toString('hex');
const MB = 1024 * 1024;

/** The platform's own responses (searched for the secret at the end; the fake's echoes are not ours). */
const seen: string[] = [];
const keep = <T extends { text: string }>(res: T): T => {
  seen.push(res.text);
  return res;
};

interface UsageRow {
  units: number;
  outcome: string;
  status: number;
  job_id: number | null;
  cost_cents: string;
}

/**
 * Metered third-party calls through :3333: connectors and endpoints (platform admins write), the
 * secret injected and the client's credentials removed, x-billed-units computed by us, limits, and
 * what ends up in the usage records (read straight from Postgres).
 */
describe('external APIs', () => {
  const secret = `tp-secret-${randomBytes(12).toString('hex')}`;
  let third: ThirdPartyApi;
  let admin: Actor;
  let member: Actor;
  let stranger: Actor;
  let memberOrg: number;
  let strangerOrg: number;
  let connector: number;
  let upstreamEndpoint: number;
  let fixedEndpoint: number;
  let hugeEndpoint: number;
  let failEndpoint: number;

  const as = (actor: Actor, url = gatewayUrl) => client(url, actor.token);
  const proxyPath = (endpoint: number, c = connector) => `/external-apis/${c}/endpoints/${endpoint}/proxy`;
  const usageRows = (requestId: string) =>
    query<UsageRow>(databaseUrl, 'SELECT units, outcome, status, job_id, cost_cents FROM proxy.usage_records WHERE request_id = $1', [requestId]);

  beforeAll(async () => {
    third = await startThirdPartyApi();
    [admin, member, stranger] = await Promise.all([
      createActor(env, 'xa-admin', { platformAdmin: true }),
      createActor(env, 'xa-member'),
      createActor(env, 'xa-stranger'),
    ]);
    memberOrg = (await as(member).post('/organizations', { name: `Metered ${unique()}` })).body.data.id;
    strangerOrg = (await as(stranger).post('/organizations', { name: `Unmetered ${unique()}` })).body.data.id;
    await as(admin).post('/organizations', { name: `Admins ${unique()}` });
    const created = keep(
      await as(admin).post('/external-apis', {
        name: `Translator ${unique()}`,
        description: 'Machine translation',
        baseUrl: third.url,
        auth: { type: 'header', name: 'X-Api-Key' },
        secret,
        visibility: 'organizations',
        organizationIds: [memberOrg],
      }),
    );
    expect(created.status).toBe(201);
    connector = created.body.data.id;
    const endpoint = async (operationId: string, method: string, p: string, billing: unknown, unitPriceCents = 3) => {
      const res = keep(await as(admin).post(`/external-apis/${connector}/endpoints`, { operationId, method, path: p, unitPriceCents, billing }));
      expect(res.status).toBe(201);
      return res.body.data.id as number;
    };
    upstreamEndpoint = await endpoint('translate', 'POST', '/v1/translate', { mode: 'upstream' });
    fixedEndpoint = await endpoint('translate-fixed', 'POST', '/v1/translate', { mode: 'fixed', units: 4 }, 10);
    hugeEndpoint = await endpoint('download', 'GET', '/v1/huge', { mode: 'fixed', units: 1 });
    failEndpoint = await endpoint('broken', 'POST', '/v1/fail', { mode: 'fixed', units: 5 });
  });

  afterAll(async () => {
    await third?.stop();
  });

  describe('registry', () => {
    it('shows platform admins everything but the secret, members what they need, strangers nothing', async () => {
      const forAdmin = keep(await as(admin).get(`/external-apis/${connector}`));
      expect(forAdmin.body.data).toMatchObject({ auth: { type: 'header', name: 'X-Api-Key' }, baseUrl: third.url, hasSecret: true, organizationIds: [memberOrg] });
      const forMember = keep(await as(member).get(`/external-apis/${connector}`));
      expect(forMember.status).toBe(200);
      expect(Object.keys(forMember.body.data).sort()).toEqual(['auth', 'createdAt', 'description', 'id', 'name', 'slug', 'updatedAt', 'visibility']);
      expect((await as(member).get(`/external-apis/slug/${forAdmin.body.data.slug}`)).body.data.id).toBe(connector);
      const endpoints = keep(await as(member).get(`/external-apis/${connector}/endpoints?perPage=10`));
      expect(endpoints.body.meta.total).toBe(4);
      expect(endpoints.body.data.find((e: any) => e.id === fixedEndpoint)).toEqual({
        id: fixedEndpoint,
        connectorId: connector,
        operationId: 'translate-fixed',
        description: null,
        method: 'POST',
        path: '/v1/translate',
        unitPriceCents: 10,
        billing: { mode: 'fixed', units: 4 },
        proxyPath: proxyPath(fixedEndpoint),
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect((await as(member).get('/external-apis')).body.data.map((c: any) => c.id)).toContain(connector);
      // Another organization: 404 like an unknown id, and absent from its list.
      const hidden = await as(stranger).get(`/external-apis/${connector}`);
      expectErrorEnvelope(hidden, 404);
      expect(hidden.body).toEqual((await as(stranger).get('/external-apis/2147483647')).body);
      expectErrorEnvelope(await as(stranger).get(`/external-apis/${connector}/endpoints`), 404);
      expect((await as(stranger).get('/external-apis')).body.data.map((c: any) => c.id)).not.toContain(connector);
      expectErrorEnvelope(await client(gatewayUrl).get('/external-apis'), 401);
    });

    it('lets only platform admins write (403), and checks what they write (422, 409)', async () => {
      const body = { name: 'Mine', baseUrl: third.url, auth: { type: 'bearer' } };
      expectErrorEnvelope(await as(member).post('/external-apis', body), 403);
      expectErrorEnvelope(await as(member).patch(`/external-apis/${connector}`, { name: 'x' }), 403);
      expectErrorEnvelope(await as(member).delete(`/external-apis/${connector}`), 403);
      expectErrorEnvelope(await as(member).post(`/external-apis/${connector}/endpoints`, {}), 403);
      const post = (b: unknown) => as(admin).post('/external-apis', b);
      for (const baseUrl of ['file:///etc/passwd', 'gopher://127.0.0.1:70/', 'http://u:p@127.0.0.1', 'http://', 'http://169.254.169.254', 'http://[fd00:ec2::254]']) {
        expectValidation(await post({ ...body, baseUrl }), 'baseUrl', 'url');
      }
      for (const auth of [{ type: 'basic' }, { type: 'header' }, { type: 'header', name: 'Host' }, { type: 'header', name: 'bad header' }, { type: 'query', name: 'a&b' }, { type: 'bearer', name: 'x' }, 'bearer']) {
        expectValidation(await post({ ...body, auth }), 'auth', 'auth');
      }
      expectValidation(await post({ ...body, visibility: 'secret' }), 'visibility', 'enum');
      expectValidation(await post({ ...body, organizationIds: [-1] }), 'organizationIds', 'min');
      expectValidation(await post({ ...body, extra: 1 }), 'extra', 'unknownField');
      // Sent in a header or the query string: a line break was accepted, then every call was a 502.
      for (const secret of ['a\r\nx-evil: 1', 'tab\there', 'non-ascii-ключ']) {
        expectValidation(await post({ ...body, secret }), 'secret', 'regex');
        expectValidation(await as(admin).patch(`/external-apis/${connector}`, { secret }), 'secret', 'regex');
      }
      const slug = (await as(admin).get(`/external-apis/${connector}`)).body.data.slug;
      expectErrorEnvelope(await post({ ...body, slug }), 409, 'slug_taken');
      expectValidation(await as(admin).patch(`/external-apis/${connector}`, {}), 'body', 'required');

      const endpoint = (b: Record<string, unknown>) =>
        as(admin).post(`/external-apis/${connector}/endpoints`, { operationId: `op-${unique()}`, method: 'POST', path: '/v1/x', unitPriceCents: 1, billing: { mode: 'upstream' }, ...b });
      expectValidation(await endpoint({ path: '/../admin' }), 'path', 'path');
      expectValidation(await endpoint({ path: '/v1/x?key=1' }), 'path', 'path');
      expectValidation(await endpoint({ path: 'v1' }), 'path', 'path');
      expectValidation(await endpoint({ method: 'TRACE' }), 'method', 'enum');
      expectValidation(await endpoint({ unitPriceCents: -1 }), 'unitPriceCents', 'min');
      expectValidation(await endpoint({ billing: { mode: 'fixed' } }), 'billing', 'billing');
      expectValidation(await endpoint({ billing: { mode: 'fixed', units: -2 } }), 'billing', 'billing');
      expectValidation(await endpoint({ billing: { mode: 'upstream', units: 3 } }), 'billing', 'billing');
      expectValidation(await endpoint({ operationId: '1-bad' }), 'operationId', 'regex');
      expectErrorEnvelope(await endpoint({ operationId: 'translate' }), 409, 'operation_id_taken');
      expectErrorEnvelope(await as(admin).get(`/external-apis/${connector}/endpoints/2147483647`), 404);
    });

    it('updates and deletes (admins), and the change is visible at once', async () => {
      const temp = keep(await as(admin).post('/external-apis', { name: `Temp ${unique()}`, baseUrl: third.url, auth: { type: 'query', name: 'key' } })).body.data;
      expect(temp.visibility).toBe('public');
      expect((await as(stranger).get(`/external-apis/${temp.id}`)).status).toBe(200);
      const patched = keep(await as(admin).patch(`/external-apis/${temp.id}`, { visibility: 'organizations', organizationIds: [memberOrg], secret: 'later' }));
      expect(patched.body.data).toMatchObject({ visibility: 'organizations', hasSecret: true });
      expectErrorEnvelope(await as(stranger).get(`/external-apis/${temp.id}`), 404);
      const ep = (await as(admin).post(`/external-apis/${temp.id}/endpoints`, { operationId: 'x', method: 'GET', path: '/v1/translate', unitPriceCents: 0, billing: { mode: 'fixed', units: 0 } })).body.data.id;
      expect((await as(admin).patch(`/external-apis/${temp.id}/endpoints/${ep}`, { unitPriceCents: 7 })).body.data.unitPriceCents).toBe(7);
      expect((await as(admin).delete(`/external-apis/${temp.id}/endpoints/${ep}`)).body.data).toEqual({ id: ep, deleted: true });
      expect((await as(admin).delete(`/external-apis/${temp.id}`)).body.data).toEqual({ id: temp.id, deleted: true });
      expectErrorEnvelope(await as(admin).get(`/external-apis/${temp.id}`), 404);
    });
  });

  describe('the metered call', () => {
    it('injects the secret, removes the client’s credentials and identity, and bills what the upstream says', async () => {
      const res = await as(member).post(`${proxyPath(upstreamEndpoint)}?units=7&lang=de`, { text: 'hello' }, {
        headers: { 'x-api-key': 'client-key', 'x-billed-units': '999', 'x-user-id': '1', 'x-alien-identity': 'forged', 'x-alien-platform-call': 'forged' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-billed-units')).toBe('7');
      const got = res.body;
      expect(got.method).toBe('POST');
      expect(got.query).toBe('?units=7&lang=de');
      expect(got.body).toBe(JSON.stringify({ text: 'hello' }));
      expect(got.headers['x-api-key']).toBe(secret);
      for (const name of ['authorization', 'x-billed-units', 'x-user-id', 'x-organization-id', 'x-token-id', 'x-alien-identity', 'x-alien-platform-call', 'cookie', 'x-forwarded-for', 'x-forwarded-host']) {
        expect({ name, value: got.headers[name] }).toEqual({ name, value: undefined });
      }
      const requestId = res.headers.get('x-request-id') as string;
      expect(await usageRows(requestId)).toEqual([{ units: 7, outcome: 'completed', status: 200, job_id: null, cost_cents: '21' }]);
    });

    it.each([
      ['garbage', 'lots', 0],
      ['a negative number', '-5', 0],
      ['a fraction', '1.5', 0],
      ['nothing', 'none', 0],
      ['zero', '0', 0],
    ])('bills %s from the upstream as %i (and says so)', async (_what, units, expected) => {
      const res = await as(member).post(`${proxyPath(upstreamEndpoint)}?units=${units}`, { text: 'x' });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-billed-units')).toBe(String(expected));
      expect((await usageRows(res.headers.get('x-request-id') as string))[0]?.units).toBe(expected);
    });

    it('a fixed price ignores the upstream’s units; a failed answer passes through and costs nothing', async () => {
      const fixed = await as(member).post(`${proxyPath(fixedEndpoint)}?units=100`, { text: 'x' });
      expect(fixed.headers.get('x-billed-units')).toBe('4');
      expect(await usageRows(fixed.headers.get('x-request-id') as string)).toEqual([expect.objectContaining({ units: 4, cost_cents: '40' })]);
      const failed = await as(member).post(`${proxyPath(failEndpoint)}?units=9`, { text: 'x' });
      expect(failed.status).toBe(500);
      expect(failed.body).toEqual({ error: 'upstream broke' });
      expect(failed.headers.get('x-billed-units')).toBe('0');
      expect(await usageRows(failed.headers.get('x-request-id') as string)).toEqual([expect.objectContaining({ units: 0, status: 500 })]);
    });

    it('query and bearer auth: the client cannot set the secret parameter, and gets the secret nowhere', async () => {
      const q = keep(await as(admin).post('/external-apis', { name: `Query auth ${unique()}`, baseUrl: third.url, auth: { type: 'query', name: 'key' }, secret })).body.data.id;
      const qe = (await as(admin).post(`/external-apis/${q}/endpoints`, { operationId: 'get', method: 'GET', path: '/v1/translate', unitPriceCents: 1, billing: { mode: 'fixed', units: 1 } })).body.data.id;
      const viaQuery = await as(member).post(`${proxyPath(qe, q)}?key=client-key&k=v&key=again`, { ignored: true });
      expect(viaQuery.status).toBe(200);
      expect(viaQuery.body.method).toBe('GET');
      expect(viaQuery.body.query).toBe(`?k=v&key=${secret}`);
      expect(viaQuery.body.body).toBe('');
      const b = keep(await as(admin).post('/external-apis', { name: `Bearer auth ${unique()}`, baseUrl: third.url, auth: { type: 'bearer' }, secret })).body.data.id;
      const be = (await as(admin).post(`/external-apis/${b}/endpoints`, { operationId: 'post', method: 'POST', path: '/v1/translate', unitPriceCents: 1, billing: { mode: 'upstream' } })).body.data.id;
      const viaBearer = await as(member).post(proxyPath(be, b), { x: 1 });
      expect(viaBearer.body.headers['authorization']).toBe(`Bearer ${secret}`);
    });

    it('an answer over 50 MB: 413 when Content-Length says so, a cut connection otherwise; neither billed', async () => {
      const declared = await as(member).post(`${proxyPath(hugeEndpoint)}?bytes=${60 * MB}&length=1`, undefined);
      expectErrorEnvelope(declared, 413, 'response_too_large');
      // A refused answer's 0-unit row is written off the critical path: wait for it.
      const declaredId = declared.headers.get('x-request-id') as string;
      await eventually(async () => (await usageRows(declaredId)).length === 1, 5_000);
      expect(await usageRows(declaredId)).toEqual([expect.objectContaining({ units: 0, outcome: 'response_too_large' })]);

      const streamed = await fetch(`${gatewayUrl}${proxyPath(hugeEndpoint)}?bytes=${200 * MB}&length=0`, { method: 'POST', headers: { authorization: `Bearer ${member.token}` } });
      expect(streamed.status).toBe(200);
      const requestId = streamed.headers.get('x-request-id') as string;
      let received = 0;
      await expect(
        (async () => {
          for await (const chunk of streamed.body as unknown as AsyncIterable<Uint8Array>) received += chunk.byteLength;
        })(),
      ).rejects.toThrow();
      expect(received).toBeLessThanOrEqual(50 * MB);
      await eventually(async () => (await usageRows(requestId)).length === 1, 5_000);
      expect(await usageRows(requestId)).toEqual([expect.objectContaining({ units: 0, outcome: 'response_too_large' })]);
      const upstream = await third.waitForRequest((r) => r.path === '/v1/huge' && r.query.get('length') === '0');
      await third.waitForEnd(upstream);
      expect(upstream.aborted).toBe(true);
    });

    it('an answer of exactly 50 MB without Content-Length completes and is billed', async () => {
      const res = await fetch(`${gatewayUrl}${proxyPath(hugeEndpoint)}?bytes=${50 * MB}&length=0`, { method: 'POST', headers: { authorization: `Bearer ${member.token}` } });
      expect((await res.arrayBuffer()).byteLength).toBe(50 * MB);
      expect(await usageRows(res.headers.get('x-request-id') as string)).toEqual([expect.objectContaining({ units: 1, outcome: 'completed' })]);
    });

    it('a request body over 10 MB is refused with 413 before the upstream hears of it', async () => {
      const before = third.requests.length;
      const res = await as(member).post(proxyPath(upstreamEndpoint), Buffer.alloc(10 * MB + 1, 'a'), { headers: { 'content-type': 'application/octet-stream' } });
      expectErrorEnvelope(res, 413, 'payload_too_large');
      expect(third.requests.length).toBe(before);
    });

    it('upstream failures are envelopes and cost nothing: hang 504, reset 502, cut mid-body', async () => {
      const hang = (await as(admin).post(`/external-apis/${connector}/endpoints`, { operationId: `hang-${unique()}`, method: 'POST', path: '/v1/hang', unitPriceCents: 1, billing: { mode: 'fixed', units: 1 } })).body.data.id;
      const reset = (await as(admin).post(`/external-apis/${connector}/endpoints`, { operationId: `reset-${unique()}`, method: 'POST', path: '/v1/reset', unitPriceCents: 1, billing: { mode: 'fixed', units: 1 } })).body.data.id;
      const mid = (await as(admin).post(`/external-apis/${connector}/endpoints`, { operationId: `mid-${unique()}`, method: 'POST', path: '/v1/reset-mid', unitPriceCents: 1, billing: { mode: 'fixed', units: 1 } })).body.data.id;
      const hung = await as(member).post(proxyPath(hang), { x: 1 });
      expectErrorEnvelope(hung, 504, 'upstream_timeout');
      const broken = await as(member).post(proxyPath(reset), { x: 1 });
      expectErrorEnvelope(broken, 502, 'bad_gateway');
      // Cut mid-body: the client sees a failed exchange (at the status line or in the body, depending on timing).
      const cutId = `cut-${unique()}`;
      await expect(
        fetch(`${gatewayUrl}${proxyPath(mid)}`, { method: 'POST', headers: { authorization: `Bearer ${member.token}`, 'x-request-id': cutId } }).then((r) => r.arrayBuffer()),
      ).rejects.toThrow();
      for (const requestId of [hung, broken].map((r) => r.headers.get('x-request-id') as string).concat(cutId)) {
        await eventually(async () => (await usageRows(requestId)).length === 1, 5_000);
        expect((await usageRows(requestId))[0]?.units).toBe(0);
      }
    });

    it('a client that disconnects mid-stream aborts the upstream and is not billed', async () => {
      const controller = new AbortController();
      const res = await fetch(`${gatewayUrl}${proxyPath(hugeEndpoint)}?bytes=${40 * MB}&length=1&tag=gone`, {
        method: 'POST',
        headers: { authorization: `Bearer ${member.token}` },
        signal: controller.signal,
      });
      const requestId = res.headers.get('x-request-id') as string;
      await (res.body as ReadableStream<Uint8Array>).getReader().read();
      controller.abort();
      const upstream = await third.waitForRequest((r) => r.query.get('tag') === 'gone');
      await third.waitForEnd(upstream);
      expect(upstream.aborted).toBe(true);
      await eventually(async () => (await usageRows(requestId)).length === 1, 5_000);
      expect(await usageRows(requestId)).toEqual([expect.objectContaining({ units: 0, outcome: 'client_aborted' })]);
    });

    it('refuses anonymous (401), read tokens (403), other organizations (404), other methods (405), bad ids (422)', async () => {
      expectErrorEnvelope(await client(gatewayUrl).post(proxyPath(upstreamEndpoint), { x: 1 }), 401);
      const readOnly = (await as(member).post('/access-tokens', { name: 'ro', abilities: ['read'], organizationId: memberOrg })).body.data.token;
      expectErrorEnvelope(await client(gatewayUrl, readOnly).post(proxyPath(upstreamEndpoint), { x: 1 }), 403, 'read_only_token');
      const foreign = await as(stranger).post(proxyPath(upstreamEndpoint), { x: 1 });
      expectErrorEnvelope(foreign, 404);
      expect(foreign.body).toEqual((await as(stranger).post(proxyPath(2147483647), { x: 1 })).body);
      const get = await as(member).get(proxyPath(upstreamEndpoint));
      expectErrorEnvelope(get, 405);
      expect(get.headers.get('allow')).toBe('POST');
      expectErrorEnvelope(await as(member).post('/external-apis/abc/endpoints/1/proxy', {}), 422);
      const noOrg = await createActor(env, 'xa-no-org');
      expectErrorEnvelope(await as(noOrg).post(proxyPath(upstreamEndpoint), {}), 403, 'organization_required');
    });
  });

  describe('platform calls (orchestration workers)', () => {
    const ring = () => new AssertionKeyRing(env['IDENTITY_ASSERTION_KEYS'] as string);
    const workerIdentity = (): Identity => ({ ...ANONYMOUS, userId: member.userId, organizationId: memberOrg, role: 'owner', authMethod: 'token', tokenId: null, abilities: ['read', 'write'] });
    const internal = (endpoint: number) => `${proxyUrl}/internal${proxyPath(endpoint)}`;

    it('bill the job of a user with an assertion only platform services can make', async () => {
      const assertion = await signPlatformCall(ring(), { identity: workerIdentity(), jobId: 4242 }, { audience: 'proxy' });
      const res = await fetch(`${internal(upstreamEndpoint)}?units=2`, {
        method: 'POST',
        headers: { 'x-alien-platform-call': assertion, 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'from a worker' }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-billed-units')).toBe('2');
      const echoed = (await res.json()) as { headers: Record<string, string> };
      expect(echoed.headers['x-alien-platform-call']).toBeUndefined();
      expect(await usageRows(res.headers.get('x-request-id') as string)).toEqual([expect.objectContaining({ units: 2, job_id: 4242 })]);
    });

    it('refuse client headers, forged or misaddressed assertions, and are not reachable through :3333', async () => {
      const post = (headers: Record<string, string>) => fetch(internal(upstreamEndpoint), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
      const statusOf = async (headers: Record<string, string>) => (await post(headers)).status;
      expect(await statusOf({})).toBe(401);
      expect(await statusOf({ 'x-user-id': String(member.userId), 'x-organization-id': String(memberOrg) })).toBe(401);
      expect(await statusOf({ authorization: `Bearer ${member.token}` })).toBe(401);
      const forged = await signPlatformCall(new AssertionKeyRing(generateAssertionKeySpec('t1')), { identity: workerIdentity(), jobId: 1 }, { audience: 'proxy' });
      expect(await statusOf({ 'x-alien-platform-call': forged })).toBe(401);
      const elsewhere = await signPlatformCall(ring(), { identity: workerIdentity(), jobId: 1 }, { audience: 'orchestration' });
      expect(await statusOf({ 'x-alien-platform-call': elsewhere })).toBe(401);
      const viaGateway = await rawHttp(gatewayUrl, `POST /internal${proxyPath(upstreamEndpoint)} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}`);
      expect(viaGateway.status).toBe(404);
    });

    it('a worker acting for another organization gets 404 like anyone of it', async () => {
      const assertion = await signPlatformCall(ring(), { identity: { ...workerIdentity(), userId: stranger.userId, organizationId: strangerOrg }, jobId: 1 }, { audience: 'proxy' });
      expect((await fetch(internal(upstreamEndpoint), { method: 'POST', headers: { 'x-alien-platform-call': assertion }, body: '{}' })).status).toBe(404);
    });
  });

  describe('usage', () => {
    it('sums calls, units and cost by connector and endpoint for the organization’s admins', async () => {
      const res = keep(await as(member).get('/external-apis/usage'));
      expect(res.status).toBe(200);
      const rows = await query<{ endpoint_id: number; units: string; cost: string; calls: string }>(
        databaseUrl,
        `SELECT endpoint_id, sum(units) AS units, sum(cost_cents) AS cost, count(*) AS calls FROM proxy.usage_records WHERE organization_id = $1 GROUP BY endpoint_id`,
        [memberOrg],
      );
      const line = res.body.data.byEndpoint.find((l: any) => l.endpointId === upstreamEndpoint);
      const stored = rows.find((r) => r.endpoint_id === upstreamEndpoint);
      expect(line).toMatchObject({ connectorId: connector, operationId: 'translate', units: Number(stored?.units), costCents: Number(stored?.cost), calls: Number(stored?.calls) });
      expect(res.body.data.totals.units).toBe(rows.reduce((s, r) => s + Number(r.units), 0));
      expect(res.body.data.totals.costCents).toBe(rows.reduce((s, r) => s + Number(r.cost), 0));
      expect(res.body.data.organizationId).toBe(memberOrg);
    });

    it('filters by user, token, job and time; refuses bad filters (422) and non-admins (403)', async () => {
      const api = as(member);
      expect((await api.get(`/external-apis/usage?jobId=4242`)).body.data.totals.units).toBe(2);
      expect((await api.get(`/external-apis/usage?tokenId=${member.tokenId}`)).body.data.totals.calls).toBeGreaterThan(0);
      expect((await api.get(`/external-apis/usage?userId=${stranger.userId}`)).body.data.totals.calls).toBe(0);
      expect((await api.get('/external-apis/usage?to=2000-01-01T00:00:00Z')).body.data.totals.calls).toBe(0);
      const bad = await api.get('/external-apis/usage?from=soon&userId=0');
      expectErrorEnvelope(bad, 422);
      expect(bad.body.error.messages.map((m: any) => m.field).sort()).toEqual(['from', 'userId']);
      expectErrorEnvelope(await api.get('/external-apis/usage?from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z'), 422);
      expectErrorEnvelope(await as(await createActor(env, 'xa-lonely')).get('/external-apis/usage'), 403, 'organization_required');
      expect((await as(stranger).get('/external-apis/usage')).body.data.totals.calls).toBe(0);
    });
  });

  it('deleting an organization removes it from connectors (durable consumer)', async () => {
    const temp = (await as(member).post('/organizations', { name: `Going ${unique()}` })).body.data.id;
    await as(admin).patch(`/external-apis/${connector}`, { organizationIds: [memberOrg, temp] });
    expect((await as(member).delete(`/organizations/${temp}`)).status).toBe(200);
    await eventually(async () => (await as(admin).get(`/external-apis/${connector}`)).body.data.organizationIds.length === 1, 10_000);
  });

  it('never shows the connector secret in a platform response or a log line', async () => {
    for (const text of seen) expect(text).not.toContain(secret);
    const logDir = tmpPath('logs', 'e2e-shared');
    const logs = existsSync(logDir) ? readdirSync(logDir).map((f) => readFileSync(path.join(logDir, f), 'utf8')) : [];
    expect(logs.join('\n')).toContain('x-billed-units from the external API is not a non-negative integer');
    for (const text of logs) expect(text).not.toContain(secret);
  });
});
