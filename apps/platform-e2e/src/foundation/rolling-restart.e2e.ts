import { Actor, Platform, SERVICE_APPS, StartedProcess, createActor, startPlatform } from '@alien/testing';

// Jest's testTimeout does not apply inside `projects`.
jest.setTimeout(180_000);

/**
 * Deploys under load: every service runs as two replicas, the gateway as two behind a load balancer
 * that (like a Kubernetes Service's endpoints) only sends new requests to gateways whose
 * /health/ready answers 200. Each service and then the gateway are restarted the way a rolling update
 * does it (start a new replica, stop an old one with SIGTERM, repeat), while clients keep calling routes
 * that reach every service. Not one request may fail.
 */
describe('foundation: rolling restarts under load fail no request (own platform)', () => {
  let platform: Platform;
  let actor: Actor;
  const gateways = new Map<string, { url: string; ready: boolean; misses: number }>();
  let polling: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    platform = await startPlatform({
      label: `rolling-${process.pid}`,
      gateways: 2,
      // Keep serving 400 ms after SIGTERM while not ready: the load balancer below polls every 50 ms.
      gatewayEnv: { SHUTDOWN_DELAY_MS: '400', SHUTDOWN_GRACE_MS: '10000' },
      env: { SHUTDOWN_GRACE_MS: '10000' },
    });
    await Promise.all(SERVICE_APPS.map((s) => platform.startService(s, {}, `${s}-b`)));
    platform.gatewayUrls.forEach((url, i) => gateways.set(i === 0 ? 'gateway' : `gateway-${i}`, { url, ready: true, misses: 0 }));
    actor = await createActor(platform.env, 'rolling');
    polling = setInterval(() => {
      // Like endpoint readiness: a 503 takes the gateway out at once; an unanswered probe only after
      // three in a row (a busy 2-core machine can be slow to answer a probe).
      for (const g of gateways.values()) {
        fetch(`${g.url}/health/ready`, { signal: AbortSignal.timeout(1_000) }).then(
          (r) => {
            g.misses = 0;
            g.ready = r.status === 200;
          },
          () => {
            if (++g.misses >= 3) g.ready = false;
          },
        );
      }
    }, 50);
  }, 120_000);

  afterAll(async () => {
    clearInterval(polling);
    await platform?.stop();
  }, 60_000);

  it('restarting each service (two replicas) and then the gateway (two replicas) fails 0 of the requests', async () => {
    const failures: string[] = [];
    let done = 0;
    let running = true;
    const pick = () => {
      const ready = [...gateways.values()].filter((g) => g.ready);
      return ready[Math.floor(Math.random() * ready.length)];
    };
    const auth = { authorization: `Bearer ${actor.token}` };
    const calls: [string, RequestInit, number][] = [
      ['/tags/1', {}, 200], // catalog
      ['/users/me', { headers: auth }, 200], // auth
      ['/health', {}, 200], // every service, orchestration and proxy included
      ['/organizations', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"name":"Rolling"}' }, 201], // auth, a write
    ];
    const client = async (n: number) => {
      for (let i = n; running; i++) {
        const [path, init, expected] = calls[i % calls.length] as [string, RequestInit, number];
        const target = pick();
        if (!target) {
          // Nothing ready for a moment: a load balancer holds the request; so does this client.
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        try {
          const res = await fetch(target.url + path, init);
          const text = await res.text();
          if (res.status !== expected) failures.push(`${path} → ${res.status} ${text.slice(0, 160)}`);
        } catch (e) {
          failures.push(`${path} → ${(e as Error).message} (${String((e as { cause?: { code?: string } }).cause?.code ?? '')})`);
        }
        done++;
      }
    };
    const clients = Array.from({ length: 6 }, (_, n) => client(n));

    const stopped: StartedProcess[] = [];
    const stop = async (key: string) => {
      const proc = platform.processes.get(key);
      if (!proc) throw new Error(`${key} is not running`);
      stopped.push(proc);
      await platform.stopProcess(key);
    };
    await new Promise((r) => setTimeout(r, 500));
    for (const service of SERVICE_APPS) {
      // Like a Deployment with maxSurge 1, maxUnavailable 0: a new replica is ready before an old one goes.
      await platform.startService(service, {}, `${service}-c`);
      await stop(service);
      await platform.startService(service, {}, `${service}-d`);
      await stop(`${service}-b`);
    }
    for (const [oldKey, newKey] of [
      ['gateway', 'gateway-2'],
      ['gateway-1', 'gateway-3'],
    ] as const) {
      const url = await platform.startGateway();
      gateways.set(newKey, { url, ready: true, misses: 0 });
      const old = gateways.get(oldKey);
      await stop(oldKey);
      if (old) old.ready = false;
      gateways.delete(oldKey);
    }
    await new Promise((r) => setTimeout(r, 500));
    running = false;
    await Promise.all(clients);

    process.stdout.write(`\n[foundation] rolling restart: ${done} requests, ${failures.length} failed, ${stopped.length} processes replaced\n`);
    expect(done).toBeGreaterThan(200);
    expect(failures.slice(0, 10)).toEqual([]);
    // Every replaced process stopped on its own after SIGTERM (exit 0), within its grace period.
    expect(stopped.map((p) => ({ name: p.name, code: p.child.exitCode }))).toEqual(stopped.map((p) => ({ name: p.name, code: 0 })));
    expect(stopped.every((p) => p.lines.some((l) => l.msg === 'stopped'))).toBe(true);
  });
});
