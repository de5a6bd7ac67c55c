// Lints virtual files with the workspace's real ESLint configuration (run as a child process: Jest's
// module sandbox cannot load eslint.config.mjs). stdin: [{file, source}]; stdout: [[message, …], …]
// holding the @nx/enforce-module-boundaries messages of each probe.
import { ESLint } from 'eslint';
import path from 'node:path';

const root = process.cwd();
const probes = JSON.parse(await new Promise((resolve) => {
  let text = '';
  process.stdin.on('data', (c) => (text += c)).on('end', () => resolve(text));
}));
const eslint = new ESLint({
  cwd: root,
  // Only the boundary rule matters; type-aware rules would need the files on disk.
  overrideConfig: {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-misused-promises': 'off',
      '@typescript-eslint/no-unused-vars': 'off',
    },
  },
});
const out = [];
for (const { file, source } of probes) {
  const [result] = await eslint.lintText(source, { filePath: path.join(root, file) });
  out.push((result?.messages ?? []).filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message));
}
process.stdout.write(JSON.stringify(out));
