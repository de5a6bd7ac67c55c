import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Row, Scenario } from './scenario';

export interface ScenarioResult {
  id: string;
  title: string;
  description: string;
  rows: Row[];
  notes: string[];
  /** Set when the scenario itself failed (its rows may be partial). */
  error?: string;
  seconds: number;
}

function ms(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return '—';
  if (Math.abs(v) < 1) return v.toFixed(3);
  if (Math.abs(v) < 100) return v.toFixed(2);
  return v.toFixed(1);
}

function int(v: number | undefined): string {
  return v === undefined || Number.isNaN(v) ? '—' : Math.round(v).toLocaleString('en-US');
}

function versus(row: Row): string {
  const v = row.versus;
  if (!v) return row.role === 'baseline' ? '(baseline)' : '—';
  if (v.unit === 'ms') return `${v.value >= 0 ? '+' : ''}${v.value.toFixed(3)} ms ${v.metric.replace(/^added /, '')}`;
  return `${v.value.toFixed(2)}× ${v.metric.replace(/ ratio$/, '')}`;
}

function goal(row: Row): string {
  if (!row.goal) return '';
  return `${row.goal.text}: ${row.goal.met ? 'met' : 'MISSED'}`;
}

/** `gateway 0.412 + catalog 0.200` (the HTTP load generator's share is in the JSON only). */
function cpu(row: Row): string {
  const entries = Object.entries(row.cpuMsPerRequest ?? {}).filter(([label]) => label !== 'load generator');
  return entries.map(([label, v]) => `${label} ${v.toFixed(3)}`).join(' + ');
}

function table(headers: string[], rows: string[][], right: Set<number>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n');
}

export function formatReport(results: ScenarioResult[], header: string[]): string {
  const out: string[] = ['', ...header, ''];
  for (const r of results) {
    out.push(`${r.id}  ${r.title}  (${r.seconds.toFixed(0)} s)`);
    const http = r.rows.some((row) => row.connections !== undefined);
    const withCpu = r.rows.some((row) => row.cpuMsPerRequest);
    const withSpread = r.rows.some((row) => row.spreadPct !== undefined);
    const headers = ['case', http ? 'conns' : 'calls', ...(http ? ['req/s'] : []), ...(withSpread ? ['±rounds'] : []), 'mean ms', 'p50 ms', 'p99 ms'];
    headers.push('vs baseline', 'goal', 'errors');
    if (withCpu) headers.push(http ? 'CPU ms per request' : 'CPU ms per call');
    const cells = r.rows.map((row) => [
      row.case,
      String(row.connections ?? row.calls ?? '—'),
      ...(http ? [int(row.rps)] : []),
      ...(withSpread ? [row.spreadPct === undefined ? '' : `±${row.spreadPct.toFixed(0)}%`] : []),
      ms(row.meanMs),
      ms(row.p50Ms),
      ms(row.p99Ms),
      versus(row),
      goal(row),
      row.problems.length ? `FLAGGED (${row.problems.length})` : '0',
      ...(withCpu ? [cpu(row)] : []),
    ]);
    const numeric = headers.flatMap((h, i) => (/^(conns|calls|req\/s|±rounds|mean ms|p50 ms|p99 ms)$/.test(h) ? [i] : []));
    out.push(table(headers, cells, new Set(numeric)));
    for (const row of r.rows) {
      for (const p of row.problems) out.push(`  ! ${row.case}${row.connections ? ` @${row.connections}` : ''}: ${p}`);
    }
    for (const n of r.notes) out.push(`  * ${n}`);
    if (r.error) out.push(`  ! scenario failed: ${r.error}`);
    out.push('');
  }
  return out.join('\n');
}

/** Writes `<dir>/<timestamp>.json` and `<dir>/latest.json`; returns the first path. */
export function writeResults(dir: string, startedAt: Date, data: unknown): string {
  mkdirSync(dir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const json = `${JSON.stringify(data, null, 2)}\n`;
  const file = path.join(dir, `${stamp}.json`);
  writeFileSync(file, json);
  writeFileSync(path.join(dir, 'latest.json'), json);
  return file;
}

export function describeScenarios(scenarios: readonly Scenario[]): string {
  return scenarios.map((s) => `  ${s.id.padEnd(4)} ${s.title}`).join('\n');
}
