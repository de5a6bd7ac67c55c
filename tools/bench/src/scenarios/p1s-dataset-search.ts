import { query } from '@alien/testing';
import { Client } from 'pg';
import type { BenchContext, LoadTarget } from '../context';
import { loadProblems } from '../http-load';
import type { Row, Scenario } from '../scenario';

/** Goal from the issue: `GET /datasets?q=…` over 100,000 datasets, p50 at one connection. */
export const P1S_GOALS = { datasets: 100_000, maxP50Ms: 20 } as const;

/** Words datasets are named and described with (121): a search for one word matches about 7 % of them. */
const WORDS = (
  'ocean climate temperature rainfall forest wildfire glacier river coastal erosion drought harvest crop soil ' +
  'parliament election budget census income housing rent migration school hospital vaccine disease mortality ' +
  'traffic railway airport shipping port freight energy solar wind nuclear grid emissions carbon methane ' +
  'satellite radar imagery lidar elevation land cover urban population speech transcript interview podcast ' +
  'music birdsong whale sonar earthquake volcano tsunami storm hurricane flood pollution ozone aerosol ' +
  'genome protein enzyme bacteria virus neuron brain heart cancer trial patient insurance pension tax ' +
  'inflation price wage employment retail trade export import tariff stock bond currency bank loan ' +
  'patent court judgment law regulation contract invoice receipt letter archive museum painting sculpture ' +
  'novel poem newspaper magazine recipe menu restaurant hotel tourism festival sport football cycling'
).split(' ');

/**
 * 100,000 datasets (90 % public, the rest private to 50 organizations): names of two words plus a
 * number, descriptions of eight words, spread over 20 clusters. Deterministic (seeded random).
 */
async function seed(databaseUrl: string, count: number): Promise<void> {
  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  try {
    await pg.query('SELECT setseed(0.42)');
    await pg.query(
      `INSERT INTO catalog.datasets (organization_id, cluster_id, name, slug, description, type, visibility)
       SELECT 1 + (i % 50), 1 + (i % 20),
              initcap(w[1 + floor(random() * n)::int]) || ' ' || w[1 + floor(random() * n)::int] || ' ' || i,
              'search-' || i,
              (SELECT string_agg(w[1 + floor(random() * n)::int + 0 * k], ' ') FROM generate_series(1, 8 + 0 * i) AS k),
              (ARRAY['text', 'audio', 'voice', 'images'])[1 + i % 4],
              CASE WHEN i % 10 = 0 THEN 'private' ELSE 'public' END
       FROM generate_series(1, $2::int) AS i, (SELECT $1::text[] AS w, cardinality($1::text[]) AS n) words`,
      [WORDS, count],
    );
    await pg.query('ANALYZE catalog.datasets');
  } finally {
    await pg.end();
  }
}

/** The plan of the catalog's list query for `q` (anonymous caller; DatasetsService.page), with timing. */
async function explain(databaseUrl: string, q: string): Promise<string[]> {
  const rows = await query<{ 'QUERY PLAN': string }>(
    databaseUrl,
    `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
     WITH m AS MATERIALIZED (
       SELECT d."id", ts_rank(d."search", websearch_to_tsquery('english', $2)) AS "rank", d."name", d."created_at" AS "createdAt", d."updated_at" AS "updatedAt"
       FROM "catalog"."datasets" d
       WHERE (d."visibility" = 'public' OR d."organization_id" = $1) AND d."search" @@ websearch_to_tsquery('english', $2))
     SELECT m."id", (SELECT count(*) FROM m) AS "total" FROM m ORDER BY m."rank" DESC, m."id" DESC LIMIT 20 OFFSET 0`,
    [null, q],
  );
  return rows.map((r) => r['QUERY PLAN']);
}

export const P1S: Scenario = {
  id: 'P1S',
  title: 'GET /datasets?q=… over 100,000 datasets: full-text search through the gateway, p50 at 1 connection',
  description:
    'Postgres full text over name and description (generated tsvector, GIN index), ranked, 20 per page, anonymous ' +
    'caller, through gateway → NATS → catalog. Broad and narrow queries; the query plan is recorded.',

  async run(ctx: BenchContext): Promise<Row[]> {
    const platform = await ctx.platform();
    const started = Date.now();
    await seed(platform.databaseUrl, P1S_GOALS.datasets);
    const [{ n }] = (await query<{ n: string }>(platform.databaseUrl, `SELECT count(*) AS n FROM catalog.datasets WHERE slug LIKE 'search-%'`)) as [{ n: string }];
    ctx.log(`P1S: seeded ${n} datasets in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const own = { NATS_SUBJECT_PREFIX: `${platform.subjectPrefix.slice(0, -1)}p1s.` };
    const catalog = await ctx.startService('catalog', own, 'p1s-catalog');
    const gateway = await ctx.startGateway(own, 'p1s-gateway');
    const cases = [
      { q: 'ocean temperature', label: 'q=ocean temperature (both words)' },
      { q: 'ocean', label: 'q=ocean (one word)' },
      { q: 'harvest OR drought', label: 'q=harvest OR drought' },
    ];
    const rows: Row[] = [];
    const targets: LoadTarget[] = [];
    const matches = new Map<string, number>();
    for (const c of cases) {
      const url = `${gateway.url}/datasets?q=${encodeURIComponent(c.q)}`;
      const res = await fetch(url);
      const body = await res.text();
      const parsed = JSON.parse(body) as { meta?: { total?: number }; data?: unknown[] };
      if (res.status !== 200 || !parsed.data?.length) throw new Error(`GET ${url} answered ${res.status} ${body.slice(0, 200)}`);
      matches.set(c.label, parsed.meta?.total ?? 0);
      targets.push({
        name: c.label,
        url,
        expectBody: body,
        processes: [
          { label: 'gateway', pid: gateway.process.child.pid },
          { label: 'catalog', pid: catalog.child.pid },
        ],
      });
    }
    const plan = await explain(platform.databaseUrl, 'ocean');
    const usesIndex = plan.some((l) => /Bitmap Index Scan on ix_datasets_search/.test(l));
    ctx.note(`P1S plan for q=ocean (${n} datasets): ${plan.map((l) => l.trim()).join(' | ')}`);
    await ctx.warmUp(targets, 1, Math.min(ctx.settings.warmupS, 3));
    const single = await ctx.compareHttp(targets, 1);
    for (const t of targets) {
      const r = single.get(t.name);
      if (!r) continue;
      const total = matches.get(t.name) ?? 0;
      rows.push({
        scenario: 'P1S',
        case: `${t.name}: ${total} of ${n} match (${((100 * total) / Number(n)).toFixed(1)} %)`,
        role: 'measured',
        connections: 1,
        rps: r.rps,
        spreadPct: r.rounds > 1 ? r.spreadPct : undefined,
        meanMs: r.latency.mean,
        p50Ms: r.latency.p50,
        p99Ms: r.latency.p99,
        cpuMsPerRequest: r.cpuMsPerRequest,
        goal: { text: `p50 ≤ ${P1S_GOALS.maxP50Ms} ms`, met: r.latency.p50 <= P1S_GOALS.maxP50Ms },
        problems: [...loadProblems(r), ...(usesIndex ? [] : ['the plan does not use ix_datasets_search'])],
        details: { ...r, plan, matches: total, datasets: Number(n) },
      });
    }
    await Promise.all([ctx.stop(gateway.process), ctx.stop(catalog)]);
    return rows;
  },
};
