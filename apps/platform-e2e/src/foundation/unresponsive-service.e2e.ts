import { Platform, client, startPlatform } from '@alien/testing';
import { eventually, expectErrorEnvelope } from './envelope-assertions';

// Jest's testTimeout does not apply inside `projects`; recovery polls need more than the 5 s default.
jest.setTimeout(30_000);

const RPC_TIMEOUT_MS = 1_000;

/** A catalog frozen with SIGSTOP stays subscribed on NATS but never replies: that is a 504, not a hang. */
describe('foundation: a service that does not answer → 504', () => {
  let platform: Platform;
  let api: ReturnType<typeof client>;
  let catalogPid: number;

  beforeAll(async () => {
    platform = await startPlatform({
      label: `foundation-stop-${process.pid}`,
      services: ['catalog'],
      gatewayEnv: { RPC_TIMEOUT_MS: String(RPC_TIMEOUT_MS) },
    });
    api = client(platform.gatewayUrl);
    const pid = platform.processes.get('catalog')?.child.pid;
    if (!pid) throw new Error('catalog did not start');
    catalogPid = pid;
  }, 60_000);

  afterAll(async () => {
    // A stopped process would ignore SIGTERM until continued.
    if (catalogPid) process.kill(catalogPid, 'SIGCONT');
    await platform?.stop();
  }, 60_000);

  it('answers normally before', async () => {
    expect((await api.get('/tags/1')).status).toBe(200);
  });

  it('with the catalog frozen: 504 upstream_timeout after RPC_TIMEOUT_MS', async () => {
    process.kill(catalogPid, 'SIGSTOP');
    const started = Date.now();
    const res = await api.get('/tags/1');
    const elapsed = Date.now() - started;
    expectErrorEnvelope(res, 504, 'upstream_timeout');
    expect(res.body.message).toContain('catalog');
    expect(elapsed).toBeGreaterThanOrEqual(RPC_TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(RPC_TIMEOUT_MS + 2_000);
  });

  it('with the catalog frozen: GET /health → 503 naming it, within its own 2 s health timeout', async () => {
    const started = Date.now();
    const res = await api.get('/health');
    expectErrorEnvelope(res, 503, 'unhealthy');
    expect(res.body.message).toContain('catalog');
    expect(Date.now() - started).toBeLessThan(2_000 + 2_000);
  });

  it('answers again once the catalog continues', async () => {
    process.kill(catalogPid, 'SIGCONT');
    await eventually(async () => (await api.get('/tags/1')).status === 200, 10_000);
  });
});
