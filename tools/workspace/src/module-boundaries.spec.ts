import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './projects';

/**
 * Feeds the real lint configuration one forbidden import per boundary rule (as virtual files inside
 * the projects concerned) and expects @nx/enforce-module-boundaries to refuse each of them.
 */
const ALLOWED: [string, string][] = [
  ['libs/catalog/http/src/probe.ts', "import { AuthContracts } from '@alien/auth/contracts';\nimport { IdPipe } from '@alien/nest-http';\nexport const x = [AuthContracts, IdPipe];\n"],
  ['apps/gateway/src/probe.ts', "import { CatalogHttpModule } from '@alien/catalog/http';\nexport const x = CatalogHttpModule;\n"],
];

const FORBIDDEN: [string, string, string, RegExp][] = [
  ['a domain imports another domain’s http lib', 'libs/catalog/http/src/probe.ts', "import { AuthHttpModule } from '@alien/auth/http';", /scope:catalog/],
  ['an http lib imports TypeORM', 'libs/catalog/http/src/probe.ts', "import { DataSource } from 'typeorm';", /typeorm/],
  ['an http lib imports pg', 'libs/auth/http/src/probe.ts', "import { Client } from 'pg';", /pg/],
  ['an http lib imports the persistence lib', 'libs/auth/http/src/probe.ts', "import { findPage } from '@alien/persistence';", /type:http/],
  ['a service imports an http lib', 'apps/auth/src/probe.ts', "import { AuthHttpModule } from '@alien/auth/http';", /type:service/],
  ['the gateway imports the persistence lib', 'apps/gateway/src/probe.ts', "import { findPage } from '@alien/persistence';", /type:app/],
  ['the gateway imports TypeORM', 'apps/gateway/src/probe.ts', "import { DataSource } from 'typeorm';", /typeorm/],
  ['the gateway imports a service’s internals', 'apps/gateway/src/probe.ts', "import { CatalogModule } from '../../catalog/src/app.module';", /relative or absolute path|apps are forbidden/],
  ['a shared lib imports a domain’s contracts', 'libs/shared/nest-http/src/probe.ts', "import { AuthContracts } from '@alien/auth/contracts';", /scope:shared/],
  ['nest-rpc pulls in TypeORM (and so into the gateway)', 'libs/shared/nest-rpc/src/probe.ts', "import { DataSource } from 'typeorm';", /typeorm/],
  ['a shared utility (nest-http) pulls in the persistence lib', 'libs/shared/nest-http/src/probe.ts', "import { findPage } from '@alien/persistence';", /type:util/],
  ['contracts import Nest', 'libs/catalog/contracts/src/probe.ts', "import { Injectable } from '@nestjs/common';", /@nestjs/],
  ['a service imports another service’s code', 'apps/catalog/src/probe.ts', "import { AuthModule } from '../../auth/src/app.module';", /relative or absolute path|apps are forbidden/],
];

let results: string[][] = [];

beforeAll(() => {
  const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };
  // The rule reads Nx's cached project graph; `npm test` builds it before linting, a filtered run may not have.
  spawnSync(path.join(ROOT, 'node_modules/.bin/nx'), ['show', 'projects'], { cwd: ROOT, env, stdio: 'ignore' });
  const probes = [
    ...ALLOWED.map(([file, source]) => ({ file, source })),
    ...FORBIDDEN.map(([, file, line]) => ({ file, source: `${line}\nexport const probe = 1;\n` })),
  ];
  const run = spawnSync(process.execPath, [path.join(ROOT, 'tools/workspace/src/lint-probes.mjs')], {
    cwd: ROOT,
    env,
    input: JSON.stringify(probes),
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`lint-probes failed: ${run.stderr}`);
  results = JSON.parse(run.stdout) as string[][];
}, 120_000);

describe('module boundaries (@nx/enforce-module-boundaries)', () => {
  it('lets a domain use its own code, shared libraries and other domains’ contracts, and the gateway the http libs', () => {
    expect(results.slice(0, ALLOWED.length)).toEqual(ALLOWED.map(() => []));
  });

  it.each(FORBIDDEN.map((c, i) => [c[0], i, c[3]] as const))('refuses: %s', (_what, index, expected) => {
    const errors = results[ALLOWED.length + index] ?? [];
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join('\n')).toMatch(expected);
  });
});
