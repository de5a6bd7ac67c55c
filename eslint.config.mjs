import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Module boundaries on two dimensions (see DESIGN.md "Layout and ownership").
//
// scope (who owns it): a domain uses its own code, the shared libs and other domains' contracts only;
// shared libs use shared libs only; the platform (gateway app, e2e suites, tools: scope:gateway) uses
// shared libs, contracts and the domains' http modules.
//
// type (what it is): util < contracts < data-access < feature < service; http libs sit beside them
// and see only contracts and utilities (never the database); a service never imports an http lib;
// the gateway app imports http libs, contracts and utilities — no service internals, no database.
const DOMAINS = ['auth', 'catalog', 'orchestration', 'proxy'];
/** Database drivers and ORMs: only data-access, feature and service code may touch them. */
const DATABASE = ['typeorm', '@nestjs/typeorm', 'pg', 'pg-*'];

export const depConstraints = [
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:gateway', onlyDependOnLibsWithTags: ['scope:gateway', 'scope:shared', 'type:contracts', 'type:http'] },
  ...DOMAINS.map((domain) => ({
    sourceTag: `scope:${domain}`,
    onlyDependOnLibsWithTags: [`scope:${domain}`, 'scope:shared', 'type:contracts'],
  })),
  { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:contracts'], bannedExternalImports: DATABASE },
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:util', 'type:contracts'], bannedExternalImports: [...DATABASE, '@nestjs/*'] },
  { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:data-access', 'type:contracts', 'type:util'] },
  { sourceTag: 'type:feature', onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:contracts', 'type:util'] },
  { sourceTag: 'type:http', onlyDependOnLibsWithTags: ['type:contracts', 'type:util'], bannedExternalImports: DATABASE },
  { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:contracts', 'type:util'] },
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:http', 'type:contracts', 'type:util'], bannedExternalImports: DATABASE },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:testing', 'type:data-access', 'type:contracts', 'type:util'] },
  { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:testing', 'type:contracts', 'type:util'] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:testing', 'type:contracts', 'type:util', 'type:data-access'] },
];

// Tests may also use the test helpers (type:testing) — production code never does.
export const testDepConstraints = depConstraints.map((c) =>
  c.sourceTag.startsWith('type:') && !c.onlyDependOnLibsWithTags.includes('type:testing')
    ? { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'type:testing'] }
    : c,
);

const boundaries = (constraints) => [
  'error',
  { enforceBuildableLibDependency: false, allow: [], depConstraints: constraints, banTransitiveDependencies: false },
];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '**/.nx', '**/.data', '**/tmp', '**/coverage', '**/*.mjs', '**/*.cjs'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      // Type-aware rules: the TypeScript project service reads tsconfig.json once for the whole run.
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@nx/enforce-module-boundaries': boundaries(depConstraints),
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      // A promise nobody awaits loses its error (an unhandled rejection takes the process down).
      '@typescript-eslint/no-floating-promises': 'error',
      // An async callback where a sync one is expected (event emitters, Array#forEach, if conditions).
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      'no-console': 'error',
    },
  },
  {
    // process.env is read in config files only (and by tools that start processes).
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: [
      '**/config.ts',
      '**/*.spec.ts',
      '**/*.e2e.ts',
      'apps/platform-e2e/**',
      'libs/shared/config/**',
      'libs/shared/testing/**',
      'libs/shared/nest-service/src/service-config.ts',
    ],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration in config.ts' }],
    },
  },
  {
    files: ['**/*.spec.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries(testDepConstraints) },
  },
  {
    // Tests read loosely-typed JSON bodies; `any` there is honest.
    files: ['**/*.spec.ts', '**/*.e2e.ts', 'apps/platform-e2e/**/*.ts', 'libs/shared/testing/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
];
