import { query } from '@alien/testing';
import type { BenchContext, LoadTarget } from '../context';
import { HttpLoadResult, loadProblems } from '../http-load';
import type { Row, Scenario } from '../scenario';
import { P1_GOALS } from './p1-gateway-read';

/**
 * A public dataset with everything the view joins: three tags, a license, a provider and a source, a
 * schema and a pipeline. Returns its id.
 */
export async function seedBenchDataset(databaseUrl: string): Promise<number> {
  const [row] = await query<{ id: number }>(
    databaseUrl,
    `WITH d AS (
       INSERT INTO catalog.datasets (organization_id, cluster_id, name, slug, description, type, schema_fields, pipeline, visibility,
                                     license_id, provider_id, source_id, access_price)
       VALUES (1, 1, 'European parliament speeches', 'bench-parliament-speeches', 'Every plenary session since 1999, transcribed.', 'text',
               '{"title": {"type": "string", "required": true}, "date": {"type": "date"}, "speakers": {"type": "array", "items": {"type": "string"}}}',
               '{"chunker": {"size": 512}}', 'public',
               (SELECT id FROM catalog.licenses WHERE slug = 'cc-by-4-0'), (SELECT id FROM catalog.providers WHERE slug = 'eurostat'),
               (SELECT id FROM catalog.sources WHERE slug = 'data-europa-eu'), 0)
       RETURNING id)
     INSERT INTO catalog.dataset_tags (dataset_id, tag_id)
     SELECT d.id, t.id FROM d, catalog.tags t WHERE t.slug IN ('natural-language', 'open-government', 'time-series')
     RETURNING dataset_id AS id`,
  );
  if (!row) throw new Error('seeding the bench dataset failed');
  return row.id;
}

async function probe(url: string, id: number): Promise<{ body: string; data: unknown }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await fetch(url).catch(() => null);
    const body = res ? await res.text() : '';
    let parsed: { success?: unknown; data?: { id?: unknown; tags?: unknown[] } } | undefined;
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
    if (res?.status === 200 && parsed?.success === true && parsed.data?.id === id && parsed.data.tags?.length === 3) return { body, data: parsed.data };
    if (Date.now() > deadline) throw new Error(`GET ${url} answered ${res?.status} ${body.slice(0, 300)}; expected the dataset ${id} with 3 tags`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const P1D: Scenario = {
  id: 'P1D',
  title: 'GET /datasets/{id} (tags, license, provider, source joined): gateway → NATS → catalog → Postgres vs one plain process + pg',
  description:
    'P1 on the catalog’s real read route: throughput at N connections and p50 at 1 connection for the gateway ' +
    '(Fastify, bench LOG_LEVEL) against a single Fastify process running the same joined SELECT with a pg Pool of ' +
    'the same size. Both must return the same data; interleaved rounds; CPU per request per process.',

  async run(ctx: BenchContext): Promise<Row[]> {
    const { settings } = ctx;
    const platform = await ctx.platform();
    const id = await seedBenchDataset(platform.databaseUrl);
    const path = `/datasets/${id}`;
    // A subject prefix of its own: no catalog of another scenario answers (or is charged for) these requests.
    const own = { NATS_SUBJECT_PREFIX: `${platform.subjectPrefix.slice(0, -1)}p1d.` };
    const [baseline, catalog] = await Promise.all([ctx.startBaseline({}, 'p1d-baseline'), ctx.startService('catalog', own, 'p1d-catalog')]);
    const gateway = await ctx.startGateway(own, 'p1d-gateway');
    const base = await probe(baseline.url + path, id);
    const via = await probe(gateway.url + path, id);
    const problems: string[] = [];
    if (JSON.stringify(via.data) !== JSON.stringify(base.data)) problems.push(`data differs from baseline: ${JSON.stringify(via.data)} vs ${JSON.stringify(base.data)}`);
    const baselineName = `baseline (${String(baseline.process.readyLine['server'])} + pg)`;
    const gatewayName = `gateway (LOG_LEVEL=${settings.logLevel})`;
    const targets: LoadTarget[] = [
      { name: baselineName, url: baseline.url + path, expectBody: base.body, processes: [{ label: 'baseline', pid: baseline.process.child.pid }] },
      {
        name: gatewayName,
        url: gateway.url + path,
        expectBody: via.body,
        processes: [
          { label: 'gateway', pid: gateway.process.child.pid },
          { label: 'catalog', pid: catalog.child.pid },
        ],
      },
    ];
    await ctx.warmUp(targets, settings.connections);
    const high = await ctx.compareHttp(targets, settings.connections);
    const single = await ctx.compareHttp(targets, 1);

    const row = (name: string, r: HttpLoadResult): Row => ({
      scenario: 'P1D',
      case: name,
      role: name === baselineName ? 'baseline' : 'measured',
      connections: r.connections,
      rps: r.rps,
      spreadPct: r.rounds > 1 ? r.spreadPct : undefined,
      meanMs: r.latency.mean,
      p50Ms: r.latency.p50,
      p99Ms: r.latency.p99,
      cpuMsPerRequest: r.cpuMsPerRequest,
      problems: [...(name === gatewayName ? problems : []), ...loadProblems(r)],
      details: { ...r },
    });
    const rows: Row[] = [];
    for (const [results, compare] of [
      [high, 'rps'],
      [single, 'p50'],
    ] as const) {
      const b = results.get(baselineName);
      const g = results.get(gatewayName);
      if (b) rows.push(row(baselineName, b));
      if (!g) continue;
      const out = row(gatewayName, g);
      if (b && compare === 'rps') {
        const ratio = g.rps / b.rps;
        out.versus = { baseline: baselineName, metric: 'rps ratio', value: ratio, unit: 'x' };
        out.goal = { text: `≥ ${P1_GOALS.minRpsRatio.toFixed(2)}× req/s`, met: ratio >= P1_GOALS.minRpsRatio };
      } else if (b) {
        const added = g.latency.p50 - b.latency.p50;
        out.versus = { baseline: baselineName, metric: 'added p50', value: added, unit: 'ms' };
      }
      rows.push(out);
    }
    await Promise.all([ctx.stop(baseline.process), ctx.stop(gateway.process), ctx.stop(catalog)]);
    return rows;
  },
};
