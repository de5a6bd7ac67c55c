import { existsSync } from 'node:fs';
import path from 'node:path';
import { OwnerRule, ownersOf, parseCodeowners } from './codeowners';
import { ROOT, listProjects, readText } from './projects';

const rules = parseCodeowners(readText('CODEOWNERS'));
const DOMAIN_TEAMS: Record<string, string> = {
  auth: '@alien-platform/identity',
  catalog: '@alien-platform/catalog',
  orchestration: '@alien-platform/orchestration',
  proxy: '@alien-platform/data-plane',
};
const PLATFORM = '@alien-platform/platform';

/** Owners of a path through a specific rule (the catch-all `*` does not count as owning a project). */
const specificOwner = (file: string): OwnerRule | undefined => {
  const rule = ownersOf(rules, file);
  return rule?.pattern === '*' ? undefined : rule;
};

describe('CODEOWNERS', () => {
  it('names an owner for every Nx project through a line of its own (not only the catch-all)', () => {
    const unowned = listProjects()
      .filter((p) => !specificOwner(`${p.root}/project.json`))
      .map((p) => p.root);
    expect(unowned).toEqual([]);
  });

  it('never lets two lines claim the same path', () => {
    const seen = new Map<string, number>();
    const duplicates: string[] = [];
    for (const rule of rules) {
      const key = rule.pattern.replace(/\/$/, '');
      if (seen.has(key)) duplicates.push(`${rule.pattern} (lines ${seen.get(key)} and ${rule.line})`);
      seen.set(key, rule.line);
    }
    expect(duplicates).toEqual([]);
  });

  it('points only at paths that exist', () => {
    const missing = rules.filter((r) => r.pattern !== '*' && !existsSync(path.join(ROOT, r.pattern))).map((r) => r.pattern);
    // A domain's e2e folder may not exist before its first suite; everything else must.
    expect(missing.filter((p) => !p.startsWith('/apps/platform-e2e/src/'))).toEqual([]);
  });

  it.each(Object.entries(DOMAIN_TEAMS))('gives %s its app, libs, e2e folder, Dockerfile, Kubernetes base and migration Job', (domain, team) => {
    const paths = [
      `apps/${domain}/src/main.ts`,
      `libs/${domain}/http/src/index.ts`,
      `apps/platform-e2e/src/${domain}/x.e2e.ts`,
      `docker/${domain}.Dockerfile`,
      `deploy/k8s/base/${domain}/deployment.yaml`,
      `deploy/k8s/migrations/${domain}-migrate.yaml`,
    ];
    for (const file of paths) expect({ file, owners: ownersOf(rules, file)?.owners }).toEqual({ file, owners: [team] });
    // Contracts are co-owned by the domain and the platform.
    expect(ownersOf(rules, `libs/${domain}/contracts/src/index.ts`)?.owners).toEqual([team, PLATFORM]);
  });

  it('gives the platform team the gateway, shared libraries, tools, CI and root configuration', () => {
    for (const file of ['apps/gateway/src/main.ts', 'libs/shared/nest-http/src/index.ts', 'tools/bench/src/main.ts', '.ci/run', 'package.json', 'eslint.config.mjs']) {
      expect({ file, owners: ownersOf(rules, file)?.owners }).toEqual({ file, owners: [PLATFORM] });
    }
  });
});
