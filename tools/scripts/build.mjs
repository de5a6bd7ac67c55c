#!/usr/bin/env node
// Compiles every app, lib and tool to dist/ with SWC (~1 s), keeping the source layout:
// apps/gateway/src/main.ts → dist/apps/gateway/src/main.js. Type checking is `npm run typecheck`.
import { createRequire } from 'node:module';
import { mkdir, readdir, rename, writeFile, copyFile } from 'node:fs/promises';
import path from 'node:path';

const require = createRequire(import.meta.url);
const swc = require('@swc/core');
const { root, swcOptions } = require('./swc-options.cjs');

const SOURCE_DIRS = ['apps', 'libs', 'tools'];
const SKIP = /\.(spec|e2e|test)\.ts$|\.d\.ts$/;
const COPY = /\.(mjs|cjs|json|html)$/;

async function* walk(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else yield full;
  }
}

const started = Date.now();
const out = path.join(root, 'dist');
// dist/ is not wiped: processes started from it (other test runs) keep working while we rebuild.
const options = swcOptions();
let count = 0;
const jobs = [];
for (const dir of SOURCE_DIRS) {
  for await (const file of walk(path.join(root, dir))) {
    const rel = path.relative(root, file);
    if (rel.startsWith(path.join('tools', 'scripts'))) continue;
    if (file.endsWith('.ts') && !SKIP.test(file)) {
      jobs.push(
        (async () => {
          const target = path.join(out, rel.replace(/\.ts$/, '.js'));
          const result = await swc.transformFile(file, {
            ...options,
            filename: file,
            sourceFileName: path.relative(path.dirname(target), file),
            outputPath: target,
          });
          await mkdir(path.dirname(target), { recursive: true });
          // Write then rename, so a process loading dist/ never reads a half-written file.
          const tmp = `${target}.${process.pid}.tmp`;
          await writeFile(tmp, `${result.code}\n//# sourceMappingURL=${path.basename(target)}.map\n`);
          await rename(tmp, target);
          if (result.map) await writeFile(`${target}.map`, result.map);
          count++;
        })(),
      );
    } else if (COPY.test(file) && !file.endsWith('project.json') && !file.endsWith('tsconfig.json')) {
      const target = path.join(out, rel);
      jobs.push(mkdir(path.dirname(target), { recursive: true }).then(() => copyFile(file, target)));
    }
  }
}
await Promise.all(jobs);
process.stdout.write(`build: compiled ${count} files to dist/ in ${Date.now() - started} ms\n`);
