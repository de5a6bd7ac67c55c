import { NatsServerHandle, Platform, client, startPlatform } from '@alien/testing';
import { spawnSecuredNats } from '../support/secured-nats';
import { eventually, expectErrorEnvelope, healthPort } from './envelope-assertions';

// Jest's testTimeout does not apply inside `projects`; recovery polls need more than the 5 s default.
jest.setTimeout(30_000);

const RPC_TIMEOUT_MS = 3_000;

/** A private nats-server the test kills and restarts under a running gateway and catalog. */
describe('foundation: NATS down → 503, and recovery when it returns', () => {
  let nats: NatsServerHandle;
  let platform: Platform;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    // Configured like production: a user per app (deploy/nats).
    const secured = await spawnSecuredNats();
    nats = secured.nats;
    platform = await startPlatform({
      label: `foundation-nats-${process.pid}`,
      natsUrl: nats.url,
      natsUsers: secured.natsUsers,
      env: { NATS_SUBJECT_PREFIX: secured.prefix },
      services: ['catalog'],
      gatewayEnv: { RPC_TIMEOUT_MS: String(RPC_TIMEOUT_MS) },
    });
    api = client(platform.gatewayUrl);
  }, 60_000);

  afterAll(async () => {
    await platform?.stop();
    await nats?.dispose();
  }, 60_000);

  it('answers normally on the private server', async () => {
    expect((await api.get('/tags/1')).status).toBe(200);
  });

  it('with NATS killed: 503 within the request timeout, for data routes and health', async () => {
    await nats.kill();
    const times: string[] = [];
    for (const path of ['/tags/1', '/tags?perPage=5', '/health']) {
      const started = Date.now();
      const res = await api.get(path);
      const elapsed = Date.now() - started;
      times.push(`${path} ${elapsed} ms`);
      expectErrorEnvelope(res, 503);
      expect({ path, inTime: elapsed < RPC_TIMEOUT_MS + 2_000 }).toEqual({ path, inTime: true });
    }
    process.stdout.write(`\n[foundation] NATS killed, time to 503: ${times.join(', ')}\n`);
    expect((await api.get('/tags/1')).body.error.code).toBe('bus_unavailable');
    const health = await api.get('/health');
    expect(health.body.message).toContain('nats');
    const ready = await api.get('/health/ready');
    expectErrorEnvelope(ready, 503, 'not_ready');
    // The process itself is fine: liveness stays green so Kubernetes does not restart it.
    expect((await api.get('/health/live')).status).toBe(200);
    // The catalog notices too (its readiness reports NATS down) while staying alive.
    const catalogHealth = client(`http://127.0.0.1:${healthPort(platform, 'catalog')}`);
    await eventually(async () => (await catalogHealth.get('/health/ready')).status === 503, 5_000);
    expect((await catalogHealth.get('/health/ready')).body).toEqual({
      success: false,
      message: 'Not ready: nats down',
      error: { status: 503, code: 'not_ready' },
    });
    expect((await catalogHealth.get('/health/live')).status).toBe(200);
  });

  it('recovers by itself once NATS is back (gateway and catalog reconnect)', async () => {
    await nats.start();
    const took = await eventually(async () => (await api.get('/tags/1')).status === 200, 20_000);
    process.stdout.write(`\n[foundation] NATS recovery: first 200 ${took} ms after nats-server restarted\n`);
    expect((await api.get('/health/ready')).status).toBe(200);
    await eventually(async () => (await client(`http://127.0.0.1:${healthPort(platform, 'catalog')}`).get('/health/ready')).status === 200, 5_000);
    // Only the catalog runs here, so /health still lists the others, but no longer NATS or the catalog.
    const health = await api.get('/health');
    expect(health.body.message).not.toMatch(/nats|catalog/);
  });
});
