/** Top self-time functions of a .cpuprofile, by package/folder and by function; idle time left out. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
}

/** `pino/lib/proto.js`, `dist/apps/gateway/…`, `node:internal/…`. */
function location(url: string, root: string): { file: string; group: string } {
  const file = url.replace(/^file:\/\//, '');
  const nm = file.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = file.slice(nm + '/node_modules/'.length).split('/');
    const size = parts[0]?.startsWith('@') ? 2 : 1;
    return { file: parts.join('/'), group: parts.slice(0, size).join('/') };
  }
  if (file.startsWith(root)) {
    const rel = path.relative(root, file);
    return { file: rel, group: rel.split('/').slice(0, 4).join('/') };
  }
  if (file.startsWith('node:')) return { file, group: 'node core' };
  return { file, group: file };
}

/** Writes `<profile>.top.txt` next to the profile and returns its path. */
export function summarizeProfile(profileFile: string, root: string, top = 40): string {
  const profile = JSON.parse(readFileSync(profileFile, 'utf8')) as CpuProfile;
  const byFunction = new Map<string, number>();
  const byGroup = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (!hits) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += hits;
      continue;
    }
    busy += hits;
    const loc = url ? location(url, root) : { file: '', group: functionName };
    const key = `${functionName || '(anonymous)'}${loc.file ? `  ${loc.file}:${lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
    byGroup.set(loc.group, (byGroup.get(loc.group) ?? 0) + hits);
  }
  const pct = (n: number) => `${((100 * n) / Math.max(1, busy)).toFixed(1).padStart(5)}%`;
  const sorted = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${pct(v)}  ${k}`);
  const lines = [
    `${path.basename(profileFile)}: ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s profiled, ` +
      `${busy} busy samples, ${idle} idle; percentages are of busy (self) time`,
    '',
    'By package / folder:',
    ...sorted(byGroup, 25),
    '',
    'By function:',
    ...sorted(byFunction, top),
  ];
  const out = profileFile.replace(/\.cpuprofile$/, '.top.txt');
  writeFileSync(out, `${lines.join('\n')}\n`);
  return out;
}
