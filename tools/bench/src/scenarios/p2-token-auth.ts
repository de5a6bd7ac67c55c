import { createActor, startJwksServer } from '@alien/testing';
import type { BenchContext, LoadTarget } from '../context';
import { HttpLoadResult, loadProblems } from '../http-load';
import type { Row, Scenario } from '../scenario';

/** Goal from the issue: authenticated requests keep ≥ 95% of the anonymous throughput on the same route. */
export const P2_GOALS = { minRpsRatio: 0.95 } as const;

async function expectOk(url: string, headers: Record<string, string>): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await fetch(url, { headers });
    const body = await res.text();
    if (res.status === 200) return body;
    if (Date.now() > deadline) throw new Error(`GET ${url} answered ${res.status}: ${body.slice(0, 200)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const P2: Scenario = {
  id: 'P2',
  title: 'GET /tags/{id} with an oat_ API token (and an OIDC JWT) vs anonymous, same gateway',
  description:
    'The same route on one gateway (Fastify) under the same load, anonymous against Authorization: Bearer ' +
    'oat_… (verified once, then served from the principal cache) and against a JWT (signature checked once ' +
    'per token, then cached until it expires). Interleaved rounds.',

  async run(ctx: BenchContext): Promise<Row[]> {
    const { settings } = ctx;
    const platform = await ctx.platform();
    const tag = { id: await ctx.seededTagId() };
    const idp = await startJwksServer({ audience: 'bench' });
    try {
      await Promise.all([ctx.startService('catalog', {}, 'p2-catalog'), ctx.startService('auth', {}, 'p2-auth')]);
      const gateway = await ctx.startGateway(
        { OIDC_ISSUER: idp.issuer, OIDC_AUDIENCE: 'bench' },
        'p2-gateway',
      );
      const actor = await createActor(platform.env, 'bench');
      const jwt = idp.token({ sub: 'bench-user', email: 'bench-jwt@example.test', exp: Math.floor(Date.now() / 1000) + 3600 });
      const url = `${gateway.url}/tags/${tag.id}`;
      const processes = [{ label: 'gateway', pid: gateway.process.child.pid }];
      const cases: { name: string; headers: Record<string, string>; goal: boolean }[] = [
        { name: 'anonymous', headers: {}, goal: false },
        { name: 'oat_ token (Authorization: Bearer)', headers: { authorization: `Bearer ${actor.token}` }, goal: true },
        { name: 'OIDC JWT (RS256, Authorization: Bearer)', headers: { authorization: `Bearer ${jwt}` }, goal: false },
      ];
      const targets: LoadTarget[] = [];
      for (const c of cases) {
        const body = await expectOk(url, c.headers);
        targets.push({ name: c.name, url, headers: c.headers, expectBody: body, processes });
      }
      await ctx.warmUp(targets, settings.connections);
      const results = await ctx.compareHttp(targets, settings.connections);
      const anonymous = results.get('anonymous');
      const rows: Row[] = [];
      for (const c of cases) {
        const r: HttpLoadResult | undefined = results.get(c.name);
        if (!r) continue;
        const row: Row = {
          scenario: 'P2',
          case: c.name,
          role: c.name === 'anonymous' ? 'baseline' : 'measured',
          connections: r.connections,
          rps: r.rps,
          spreadPct: r.rounds > 1 ? r.spreadPct : undefined,
          meanMs: r.latency.mean,
          p50Ms: r.latency.p50,
          p99Ms: r.latency.p99,
          cpuMsPerRequest: r.cpuMsPerRequest,
          problems: loadProblems(r),
          details: { ...r },
        };
        if (anonymous && c.name !== 'anonymous') {
          const ratio = r.rps / anonymous.rps;
          row.versus = { baseline: 'anonymous', metric: 'rps ratio', value: ratio, unit: 'x' };
          if (c.goal) row.goal = { text: `≥ ${P2_GOALS.minRpsRatio.toFixed(2)}× req/s`, met: ratio >= P2_GOALS.minRpsRatio };
        }
        rows.push(row);
      }
      return rows;
    } finally {
      await idp.stop();
    }
  },
};
