import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

let cached: string | undefined;

/** The repository root (where the workspace package.json lives), from source or from dist/. */
export function workspaceRoot(): string {
  if (cached) return cached;
  let dir = __dirname;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'alien-platform-api') return (cached = dir);
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('workspace root not found');
    dir = parent;
  }
}

export function distPath(...parts: string[]): string {
  return path.join(workspaceRoot(), 'dist', ...parts);
}

export function tmpPath(...parts: string[]): string {
  return path.join(workspaceRoot(), 'tmp', ...parts);
}
