import type { BenchContext, HttpTarget, LoadTarget } from '../context';
import { HttpLoadResult, loadProblems } from '../http-load';
import type { Row, Scenario } from '../scenario';

/** Goals from the issue, as a ratio and a difference against the baseline of the same launch. */
export const P1_GOALS = { minRpsRatio: 0.6, maxAddedP50Ms: 0.5 } as const;

interface Variant {
  name: string;
  logLevel?: string;
  problems: string[];
  target?: LoadTarget;
  data?: unknown;
}

/**
 * One request before the load: must be a 200 success envelope for the tag we asked for. Retried for
 * a few seconds: a gateway answers /health/live before its NATS client has connected.
 */
async function probe(url: string, id: number, deadlineMs = 10_000): Promise<{ body: string; data: unknown }> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await probeOnce(url, id);
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function probeOnce(url: string, id: number): Promise<{ body: string; data: unknown }> {
  const res = await fetch(url);
  const body = await res.text();
  let parsed: { success?: unknown; data?: { id?: unknown } } | undefined;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  if (res.status !== 200 || parsed?.success !== true || parsed.data?.id !== id) {
    throw new Error(`GET ${url} answered ${res.status} ${body.slice(0, 300)}; expected a 200 success envelope for tag ${id}`);
  }
  return { body, data: parsed.data };
}

function firstLine(error: unknown): string {
  return ((error as Error)?.message ?? String(error)).split('\n')[0] ?? '';
}

export const P1: Scenario = {
  id: 'P1',
  title: 'GET /tags/{id}: gateway → NATS → catalog → Postgres vs one plain process + pg',
  description:
    'Throughput (2xx req/s) and p50/p99 at N connections, and p50 at 1 connection, for the gateway ' +
    '(Fastify; at the bench LOG_LEVEL and at info as production runs) against a single Node process ' +
    'running the same SELECT with a pg Pool of the same size. All targets run side by side and are ' +
    'measured in interleaved rounds.',

  async run(ctx: BenchContext): Promise<Row[]> {
    const { settings } = ctx;
    const platform = await ctx.platform();
    const tag = { id: await ctx.seededTagId() };
    const path = `/tags/${tag.id}`;

    // Two catalogs on the same database: one at the bench log level, one at info (what production
    // runs), each with its own NATS subject prefix so their gateways never reach the other one.
    const levels = [...new Set([settings.logLevel, 'info'])];
    const prefixes = new Map(levels.map((level, i) => [level, i === 0 ? platform.subjectPrefix : `${platform.subjectPrefix.slice(0, -1)}${level}.`]));
    const [baselineProc, catalogs] = await Promise.all([
      ctx.startBaseline(),
      Promise.all(
        levels.map((level) => ctx.startService('catalog', { LOG_LEVEL: level, NATS_SUBJECT_PREFIX: prefixes.get(level) }, `catalog-${level}`)),
      ),
    ]);
    const baseline: Variant = { name: `baseline (${String(baselineProc.process.readyLine['server'])} + pg)`, problems: [] };

    const gateways: Variant[] = [];
    for (const logLevel of levels) gateways.push({ name: `gateway (LOG_LEVEL=${logLevel})`, logLevel, problems: [] });
    const started = await Promise.all(
      gateways.map((g) =>
        ctx
          .startGateway(
            { LOG_LEVEL: g.logLevel, NATS_SUBJECT_PREFIX: prefixes.get(g.logLevel ?? '') },
            `gateway-${g.logLevel}`,
          )
          .catch((error: unknown) => {
            g.problems.push(`failed to start: ${firstLine(error)}`);
            return undefined;
          }),
      ),
    );

    // Every target must answer the same 200 envelope before it is put under load.
    const attach = async (v: Variant, target: HttpTarget | undefined, processes: NonNullable<LoadTarget['processes']>) => {
      if (!target) return;
      try {
        const p = await probe(target.url + path, tag.id);
        v.target = { name: v.name, url: target.url + path, expectBody: p.body, processes };
        v.data = p.data;
      } catch (error) {
        v.problems.push(firstLine(error));
      }
    };
    await attach(baseline, baselineProc, [{ label: 'baseline', pid: baselineProc.process.child.pid }]);
    if (!baseline.target) throw new Error(`baseline failed: ${baseline.problems.join('; ')}`);
    await Promise.all(
      gateways.map((g, i) =>
        attach(g, started[i], [
          { label: 'gateway', pid: started[i]?.process.child.pid },
          { label: 'catalog', pid: catalogs[levels.indexOf(g.logLevel ?? '')]?.child.pid },
        ]),
      ),
    );
    for (const g of gateways) {
      if (g.data !== undefined && JSON.stringify(g.data) !== JSON.stringify(baseline.data)) {
        g.problems.push(`data differs from baseline: ${JSON.stringify(g.data)} vs ${JSON.stringify(baseline.data)}`);
      }
    }

    const variants = [baseline, ...gateways];
    const targets = variants.flatMap((v) => (v.target ? [v.target] : []));
    await ctx.warmUp(targets, settings.connections);
    const high = await ctx.compareHttp(targets, settings.connections);
    const single = await ctx.compareHttp(targets, 1);

    // What production logging (info) costs against the bench log level.
    const quiet = gateways.find((g) => g.logLevel === settings.logLevel);
    const info = gateways.find((g) => g.logLevel === 'info');
    const quietRps = quiet && high.get(quiet.name)?.rps;
    const infoRps = info && high.get(info.name)?.rps;
    if (quietRps && infoRps && quiet !== info) {
      const change = (infoRps / quietRps - 1) * 100;
      ctx.note(`LOG_LEVEL=info (production): ${Math.abs(change).toFixed(1)}% ${change < 0 ? 'fewer' : 'more'} req/s than at ${settings.logLevel}`);
    }

    const baseHigh = high.get(baseline.name);
    const baseSingle = single.get(baseline.name);
    const row = (v: Variant, r: HttpLoadResult): Row => ({
      scenario: 'P1',
      case: v.name,
      role: v === baseline ? 'baseline' : 'measured',
      connections: r.connections,
      rps: r.rps,
      spreadPct: r.rounds > 1 ? r.spreadPct : undefined,
      meanMs: r.latency.mean,
      p50Ms: r.latency.p50,
      p99Ms: r.latency.p99,
      cpuMsPerRequest: r.cpuMsPerRequest,
      problems: [...v.problems, ...loadProblems(r)],
      details: { ...r, ...(v.logLevel ? { logLevel: v.logLevel } : {}) },
    });
    const rows: Row[] = [];
    for (const v of variants) {
      const r = high.get(v.name);
      if (!r) {
        rows.push({ scenario: 'P1', case: v.name, role: 'measured', problems: v.problems });
        continue;
      }
      const out = row(v, r);
      if (v !== baseline && baseHigh) {
        const ratio = r.rps / baseHigh.rps;
        out.versus = { baseline: baseline.name, metric: 'rps ratio', value: ratio, unit: 'x' };
        out.goal = { text: `≥ ${P1_GOALS.minRpsRatio.toFixed(2)}× req/s`, met: ratio >= P1_GOALS.minRpsRatio };
      }
      rows.push(out);
    }
    for (const v of variants) {
      const r = single.get(v.name);
      if (!r) continue;
      const out = row(v, r);
      if (v !== baseline && baseSingle) {
        const added = r.latency.p50 - baseSingle.latency.p50;
        out.versus = { baseline: baseline.name, metric: 'added p50', value: added, unit: 'ms' };
        out.goal = { text: `≤ +${P1_GOALS.maxAddedP50Ms.toFixed(2)} ms p50`, met: added <= P1_GOALS.maxAddedP50Ms };
      }
      rows.push(out);
    }
    return rows;
  },
};
