import type { BenchContext } from './context';

/** A comparison with the baseline measured in the same launch. */
export interface Versus {
  /** The row compared against (its `case`). */
  baseline: string;
  /** What is compared, e.g. `rps ratio`, `added p50`, `mean ratio`. */
  metric: string;
  value: number;
  unit: 'x' | 'ms';
}

/** A goal from the issue, checked against a ratio or difference (never against absolute req/s). */
export interface Goal {
  text: string;
  met: boolean;
}

/** One line of the results table (and of the JSON). */
export interface Row {
  scenario: string;
  case: string;
  role: 'baseline' | 'measured';
  /** HTTP connections (load rows) … */
  connections?: number;
  /** … or sequential calls (request/reply rows). */
  calls?: number;
  rps?: number;
  /** Variation of req/s between interleaved rounds (coefficient of variation, %): how noisy the row is. */
  spreadPct?: number;
  meanMs?: number;
  p50Ms?: number;
  p99Ms?: number;
  /** CPU ms per successful request, per process (see cpu.ts). */
  cpuMsPerRequest?: Record<string, number>;
  versus?: Versus;
  goal?: Goal;
  /** Errors seen during the run (non-2xx, socket errors, wrong bodies, failed start). Never hidden. */
  problems: string[];
  /** Everything measured, for the JSON file. */
  details?: Record<string, unknown>;
}

/**
 * A benchmark scenario. Add one by writing `scenarios/<id>-<name>.ts` exporting a Scenario and listing
 * it in `scenarios/index.ts`; `--only <id>` then selects it.
 */
export interface Scenario {
  /** Short id used by `--only` (P1, P2, P6…). */
  id: string;
  title: string;
  /** One or two sentences for the report: what is measured against what. */
  description: string;
  run(ctx: BenchContext): Promise<Row[]>;
}
