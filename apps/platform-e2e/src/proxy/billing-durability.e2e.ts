import { Actor, Platform, ThirdPartyApi, client, createActor, freePort, query, startPlatform, startThirdPartyApi } from '@alien/testing';
import { randomBytes } from 'node:crypto';

/**
 * Billing survives a crash of the proxy: an answer the client received completely is on record even
 * when the proxy is killed (SIGKILL, no shutdown hooks) right after; one cut by the crash is not billed.
 * A private platform, since the proxy gets killed.
 */
describe('external-API billing across a proxy crash', () => {
  let platform: Platform;
  let third: ThirdPartyApi;
  let admin: Actor;
  let member: Actor;
  let organizationId: number;
  let smallCall: string;
  let bigCall: string;

  const records = (requestId: string) =>
    query<{ units: number; outcome: string }>(platform.databaseUrl, 'SELECT units, outcome FROM proxy.usage_records WHERE request_id = $1', [requestId]);
  const killAndRestartProxy = async () => {
    await platform.processes.get('proxy')?.stop('SIGKILL');
    await platform.startService('proxy');
  };

  beforeAll(async () => {
    // A fixed proxy port: the gateway keeps pointing at it across the restart.
    const proxyPort = await freePort();
    platform = await startPlatform({ label: 'e2e-billing', serviceEnv: { proxy: { HEALTH_PORT: String(proxyPort) } } });
    third = await startThirdPartyApi();
    [admin, member] = await Promise.all([createActor(platform.env, 'bill-admin', { platformAdmin: true }), createActor(platform.env, 'bill-member')]);
    organizationId = (await client(platform.gatewayUrl, member.token).post('/organizations', { name: 'Billed' })).body.data.id;
    const connector = (await client(platform.gatewayUrl, admin.token).post('/external-apis', { name: 'Metered', baseUrl: third.url, auth: { type: 'bearer' }, secret: 's' })).body.data.id;
    const small = (await client(platform.gatewayUrl, admin.token).post(`/external-apis/${connector}/endpoints`, { operationId: 'small', method: 'POST', path: '/v1/translate', unitPriceCents: 5, billing: { mode: 'fixed', units: 3 } })).body.data;
    const big = (await client(platform.gatewayUrl, admin.token).post(`/external-apis/${connector}/endpoints`, { operationId: 'big', method: 'GET', path: '/v1/huge', unitPriceCents: 5, billing: { mode: 'fixed', units: 9 } })).body.data;
    smallCall = small.proxyPath;
    bigCall = big.proxyPath;
  }, 90_000);

  afterAll(async () => {
    await third?.stop();
    await platform?.stop();
  });

  it('an answer that completed is billed once, even if the proxy dies right after sending it', async () => {
    const requestId = `durable-${randomBytes(4).toString('hex')}`;
    const res = await fetch(`${platform.gatewayUrl}${smallCall}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${member.token}`, 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ text: 'bill me' }),
    });
    const body = await res.text();
    await killAndRestartProxy();
    expect(res.status).toBe(200);
    expect(JSON.parse(body).path).toBe('/v1/translate');
    expect(res.headers.get('x-billed-units')).toBe('3');
    expect(await records(requestId)).toEqual([{ units: 3, outcome: 'completed' }]);
  });

  it('an answer cut by the crash is not billed', async () => {
    const requestId = `cut-${randomBytes(4).toString('hex')}`;
    const res = await fetch(`${platform.gatewayUrl}${bigCall}?bytes=${40 * 1024 * 1024}&length=1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${member.token}`, 'x-request-id': requestId },
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await platform.processes.get('proxy')?.stop('SIGKILL');
    await expect((async () => {
      for (;;) if ((await reader.read()).done) return;
    })()).rejects.toThrow();
    await platform.startService('proxy');
    expect((await records(requestId)).filter((r) => r.units > 0)).toEqual([]);
  });

  it('after the restarts the usage sums exactly one billed call', async () => {
    const usage = await client(platform.gatewayUrl, member.token).get('/external-apis/usage');
    expect(usage.status).toBe(200);
    expect(usage.body.data).toMatchObject({ organizationId, totals: { units: 3, costCents: 15, billedCalls: 1 } });
  });
});
