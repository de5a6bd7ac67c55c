import { OrchestrationEvents } from '@alien/orchestration/contracts';
import { Actor, FakeDataCluster, Platform, StartedProcess, client, createActor, startFakeDataCluster, startPlatform } from '@alien/testing';
import { JSONCodec, NatsConnection, connect } from 'nats';
import { eventually } from '../foundation/envelope-assertions';

const INTERVAL_MS = 400;
const LEADS = 'this replica now runs the cluster health loop';

/**
 * The health loop on a private platform with a short interval and two orchestration replicas: one
 * replica polls (a Postgres advisory lock), each cluster once per interval, flips online/offline,
 * announces flips on NATS, and a crashed leader is replaced.
 */
describe('cluster health loop (two orchestration replicas)', () => {
  let platform: Platform;
  let replicas: StartedProcess[];
  let fake: FakeDataCluster;
  let owner: Actor;
  let nc: NatsConnection;
  const flips: { clusterId: number; status: string; previous: string }[] = [];

  beforeAll(async () => {
    platform = await startPlatform({
      label: 'e2e-health-loop',
      services: ['auth'],
      serviceEnv: { orchestration: { CLUSTER_HEALTH_INTERVAL_MS: String(INTERVAL_MS), CLUSTER_HEALTH_TIMEOUT_MS: '300' } },
    });
    replicas = [await platform.startService('orchestration'), await platform.startService('orchestration')];
    fake = await startFakeDataCluster();
    owner = await createActor(platform.env, 'loop-owner');
    await client(platform.gatewayUrl, owner.token).post('/organizations', { name: 'Loop org' });
    nc = await connect({ servers: platform.natsUrl });
    const codec = JSONCodec<{ clusterId: number; status: string; previous: string }>();
    nc.subscribe(platform.subjectPrefix + OrchestrationEvents.clusterStatusChanged.subject, {
      callback: (_err, msg) => flips.push(codec.decode(msg.data)),
    });
  }, 90_000);

  afterAll(async () => {
    await nc?.close();
    await fake?.stop();
    await platform?.stop();
  });

  const api = () => client(platform.gatewayUrl, owner.token);
  const leaders = () => replicas.filter((r) => r.lines.some((l) => l.msg === LEADS));

  it('exactly one replica runs the loop', async () => {
    await eventually(async () => leaders().length === 1, 5_000);
    await new Promise((r) => setTimeout(r, 3 * INTERVAL_MS));
    expect(leaders()).toHaveLength(1);
  });

  it('checks each cluster once per interval (not once per replica) and marks it online', async () => {
    const id = (await api().post('/clusters', { name: 'Polled', baseUrl: fake.baseUrl })).body.data.id;
    await eventually(async () => (await api().get(`/clusters/${id}`)).body.data.status === 'online', 5_000);
    const before = fake.healthHits();
    const windowMs = 10 * INTERVAL_MS;
    await new Promise((r) => setTimeout(r, windowMs));
    const hits = fake.healthHits() - before;
    // One poller: ~10 checks in 10 intervals (a tick is at most a quarter interval late); two would be ~20.
    expect(hits).toBeGreaterThanOrEqual(6);
    expect(hits).toBeLessThanOrEqual(12);
    expect((await api().get(`/clusters/${id}`)).body.data.lastSeenAt).not.toBeNull();
    expect(flips).toContainEqual({ clusterId: id, organizationId: expect.any(Number), status: 'online', previous: 'pending' });
  });

  it('flips a cluster offline when its health path fails, and back', async () => {
    const id = (await api().post('/clusters', { name: 'Flaky', baseUrl: fake.baseUrl })).body.data.id;
    await eventually(async () => (await api().get(`/clusters/${id}`)).body.data.status === 'online', 5_000);
    fake.setHealthy(false);
    await eventually(async () => (await api().get(`/clusters/${id}`)).body.data.status === 'offline', 5_000);
    expect(flips).toContainEqual(expect.objectContaining({ clusterId: id, status: 'offline', previous: 'online' }));
    fake.setHealthy(true);
    await eventually(async () => (await api().get(`/clusters/${id}`)).body.data.status === 'online', 5_000);
  });

  it('a health path that never answers is offline after CLUSTER_HEALTH_TIMEOUT_MS', async () => {
    const id = (await api().post('/clusters', { name: 'Hanging', baseUrl: fake.baseUrl, healthPath: '/api/v1/hang' })).body.data.id;
    const started = Date.now();
    const res = await api().post(`/clusters/${id}/check`);
    expect(res.body.data.status).toBe('offline');
    expect(Date.now() - started).toBeLessThan(3_000);
    const hung = await fake.waitForRequest((r) => r.path === '/api/v1/hang');
    await fake.waitForEnd(hung);
    expect(hung.aborted).toBe(true);
  });

  it('when the leader crashes, the other replica takes over', async () => {
    const [leader] = leaders();
    const survivor = replicas.find((r) => r !== leader) as StartedProcess;
    await leader?.stop('SIGKILL');
    await survivor.waitForLine((l) => l.msg === LEADS, 10_000);
    const before = fake.healthHits();
    await eventually(async () => fake.healthHits() > before + 2, 5_000);
  });
});
