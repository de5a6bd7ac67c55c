import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../..');

export interface ProjectInfo {
  name: string;
  /** Relative to the workspace root, e.g. `libs/catalog/http`. */
  root: string;
  tags: string[];
}

const SKIP = new Set(['node_modules', 'dist', 'tmp', '.git', '.nx', '.data', 'coverage']);

/** Every Nx project (each folder with a project.json) under apps/, libs/ and tools/. */
export function listProjects(): ProjectInfo[] {
  const out: ProjectInfo[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      if (!entry.isDirectory() || SKIP.has(entry.name)) continue;
      const child = path.join(dir, entry.name);
      try {
        const project = JSON.parse(readFileSync(path.join(ROOT, child, 'project.json'), 'utf8')) as { name: string; tags?: string[] };
        out.push({ name: project.name, root: child, tags: project.tags ?? [] });
      } catch {
        walk(child);
      }
    }
  };
  for (const top of ['apps', 'libs', 'tools']) walk(top);
  return out.sort((a, b) => a.root.localeCompare(b.root));
}

export function readText(relative: string): string {
  return readFileSync(path.join(ROOT, relative), 'utf8');
}
