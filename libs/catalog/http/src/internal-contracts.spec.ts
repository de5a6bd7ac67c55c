import { CatalogContracts } from '@alien/catalog/contracts';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') ? [full] : [];
  });
}

/**
 * Only the gateway's routes are public; NATS subjects are internal. The workers' credentials contract
 * must stay unreachable from HTTP: no code of the gateway or of an http lib may send it.
 */
describe('catalog.ai-model.credentials-for-worker.v1', () => {
  const contract = CatalogContracts.aiModels.credentials.forWorker;

  it('is declared (so the search below looks for the real thing)', () => {
    expect(contract.subject).toBe('catalog.ai-model.credentials-for-worker.v1');
  });

  it('is referenced by no http lib and not by the gateway', () => {
    const files = [...sources(path.join(ROOT, 'apps/gateway/src')), ...readdirSync(path.join(ROOT, 'libs')).flatMap((d) => {
      const http = path.join(ROOT, 'libs', d, 'http', 'src');
      try {
        return sources(http);
      } catch {
        return [];
      }
    })];
    expect(files.length).toBeGreaterThan(10);
    const offenders = files.filter((f) => /forWorker|credentials-for-worker/.test(readFileSync(f, 'utf8')));
    expect(offenders.map((f) => path.relative(ROOT, f))).toEqual([]);
  });
});
