import { Platform, TcpProxy, adminUrl, client, startPlatform, startTcpProxy } from '@alien/testing';
import { eventually, expectErrorEnvelope, healthPort } from './envelope-assertions';

// Jest's testTimeout does not apply inside `projects`; recovery polls need more than the 5 s default.
jest.setTimeout(30_000);

const RPC_TIMEOUT_MS = 5_000;

/**
 * The catalog reaches Postgres through a TCP proxy the test can cut (migrations ran directly before
 * the catalog started): a database outage must read as 503 quickly, and heal by itself.
 */
describe('foundation: Postgres down at request time → 503, then recovery', () => {
  let platform: Platform;
  let proxy: TcpProxy;
  let api: ReturnType<typeof client>;
  let ready: () => ReturnType<ReturnType<typeof client>['get']>;

  beforeAll(async () => {
    const admin = new URL(adminUrl());
    proxy = await startTcpProxy(Number(admin.port || 5432), admin.hostname);
    platform = await startPlatform({ label: `foundation-pg-${process.pid}`, services: [], gatewayEnv: { RPC_TIMEOUT_MS: String(RPC_TIMEOUT_MS) } });
    const viaProxy = new URL(platform.databaseUrl);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    await platform.startService('catalog', { DATABASE_URL: viaProxy.toString() });
    api = client(platform.gatewayUrl);
    const health = client(`http://127.0.0.1:${healthPort(platform, 'catalog')}`);
    ready = () => health.get('/health/ready');
  }, 60_000);

  afterAll(async () => {
    proxy?.restore();
    await platform?.stop();
    await proxy?.close();
  }, 60_000);

  it('answers normally through the proxy', async () => {
    expect((await api.get('/tags/1')).status).toBe(200);
    expect((await ready()).status).toBe(200);
  });

  it('with the database cut: 503 database_unavailable, well before the RPC timeout', async () => {
    proxy.cut();
    const times: string[] = [];
    for (const path of ['/tags/1', '/tags?perPage=5', '/tags/batch?ids=1,2', '/licenses/slug/mit']) {
      const started = Date.now();
      const res = await api.get(path);
      const elapsed = Date.now() - started;
      times.push(`${path} ${elapsed} ms`);
      expectErrorEnvelope(res, 503, 'database_unavailable');
      expect({ path, fast: elapsed < RPC_TIMEOUT_MS }).toEqual({ path, fast: true });
    }
    process.stdout.write(`\n[foundation] Postgres cut, time to 503: ${times.join(', ')}\n`);
  });

  it("with the database cut: the catalog's /health/ready and the gateway's /health say 503", async () => {
    // A service's own probe port is not the gateway (no request ids there), but it answers envelopes too.
    const res = await ready();
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toEqual({ success: false, message: 'Not ready: database down', error: { status: 503, code: 'not_ready' } });
    const platformHealth = await api.get('/health');
    expectErrorEnvelope(platformHealth, 503, 'unhealthy');
    expect(platformHealth.body.message).toContain('catalog');
  });

  it('recovers by itself once the database is back', async () => {
    proxy.restore();
    const took = await eventually(async () => (await api.get('/tags/1')).status === 200, 15_000);
    process.stdout.write(`\n[foundation] Postgres recovery: first 200 ${took} ms after restore\n`);
    expect((await api.get('/tags?perPage=5')).body.data).toHaveLength(5);
    expect((await ready()).status).toBe(200);
  });
});
