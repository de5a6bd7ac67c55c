/**
 * HTTP load with autocannon, run in this process (the platform runs in child processes).
 *
 * Latency percentiles are computed from autocannon's per-response timings (hrtime, fractions of a
 * millisecond) rather than from its own histogram, which buckets whole milliseconds: at one
 * connection the numbers we compare are well under a millisecond apart.
 */
import autocannon from 'autocannon';
import { Samples, Summary, summarize } from './stats';

export interface HttpLoadOptions {
  url: string;
  connections: number;
  durationS: number;
  headers?: Record<string, string>;
  /** Every response body must equal this; others count as mismatches. */
  expectBody?: string;
}

/** One autocannon run, with the raw 2xx latencies so several runs (rounds) can be merged. */
export interface RawLoad {
  seconds: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  statusCodes: Record<string, number>;
  latencies: Float64Array;
}

export interface HttpLoadResult {
  connections: number;
  /** Measured seconds (sum over rounds). */
  seconds: number;
  rounds: number;
  /** Successful (2xx) responses per second over the measured time. */
  rps: number;
  /** req/s of each round, and their coefficient of variation in % (how noisy the figure is). */
  roundRps: number[];
  spreadPct: number;
  ok: number;
  /** Latency of 2xx responses, ms. */
  latency: Summary;
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  statusCodes: Record<string, number>;
  /**
   * CPU milliseconds per successful request, per process (the target's processes and the load
   * generator, i.e. this process). Absent where /proc is not available.
   */
  cpuMsPerRequest?: Record<string, number>;
}

let current: autocannon.Instance | undefined;

/** Stops a load run in progress (Ctrl-C). */
export function abortHttpLoad(): void {
  current?.stop();
}

export async function runHttpLoad(options: HttpLoadOptions): Promise<RawLoad> {
  const samples = new Samples();
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationS,
    pipelining: 1,
    timeout: 10,
    headers: options.headers,
    expectBody: options.expectBody,
  });
  current = instance;
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode >= 200 && statusCode < 300) samples.push(responseTime);
  });
  try {
    const result = await instance;
    const statusCodes: Record<string, number> = {};
    for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = count;
    return {
      seconds: result.duration,
      ok: result['2xx'],
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      mismatches: result.mismatches,
      statusCodes,
      latencies: samples.values(),
    };
  } finally {
    current = undefined;
  }
}

/** Merges the rounds of one target into one result. */
export function combineLoads(connections: number, runs: RawLoad[]): HttpLoadResult {
  const latencies = new Samples();
  const statusCodes: Record<string, number> = {};
  let seconds = 0;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let timeouts = 0;
  let mismatches = 0;
  for (const r of runs) {
    seconds += r.seconds;
    ok += r.ok;
    non2xx += r.non2xx;
    errors += r.errors;
    timeouts += r.timeouts;
    mismatches += r.mismatches;
    for (const [code, n] of Object.entries(r.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
    for (const v of r.latencies) latencies.push(v);
  }
  const roundRps = runs.map((r) => (r.seconds > 0 ? r.ok / r.seconds : 0));
  const mean = roundRps.reduce((a, b) => a + b, 0) / Math.max(1, roundRps.length);
  const variance = roundRps.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, roundRps.length - 1);
  return {
    connections,
    seconds,
    rounds: runs.length,
    rps: seconds > 0 ? ok / seconds : 0,
    roundRps: roundRps.map((v) => Math.round(v)),
    spreadPct: roundRps.length > 1 && mean > 0 ? (100 * Math.sqrt(variance)) / mean : 0,
    ok,
    latency: summarize(latencies.values()),
    non2xx,
    errors,
    timeouts,
    mismatches,
    statusCodes,
  };
}

/** Problems worth a flag: anything but clean 2xx responses with the expected body. */
export function loadProblems(r: HttpLoadResult): string[] {
  const out: string[] = [];
  if (r.non2xx) out.push(`${r.non2xx} non-2xx (${JSON.stringify(r.statusCodes)})`);
  if (r.errors) out.push(`${r.errors} socket errors${r.timeouts ? ` (${r.timeouts} timeouts)` : ''}`);
  if (r.mismatches) out.push(`${r.mismatches} unexpected bodies`);
  if (r.ok === 0) out.push('no successful responses');
  return out;
}
