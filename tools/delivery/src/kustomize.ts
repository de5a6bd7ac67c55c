// Loads the kustomize trees under deploy/k8s the way `kustomize build` walks them (resources and
// patches only; no transformers), so the test can check what each entry point really contains.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

export interface Manifest {
  file: string;
  object: KubeObject;
}

export interface Kustomization {
  dir: string;
  resources: string[];
  patches: string[];
  images: { name: string; newName?: string; newTag?: string; digest?: string }[];
  namespace?: string;
}

export const KUSTOMIZATION = 'kustomization.yaml';

/** Every document of a YAML file; a syntax error throws with the file name. */
export function readYaml(file: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  const list = Array.isArray(docs) ? docs : [docs];
  const out: unknown[] = [];
  for (const doc of list) {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

export function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...yamlFiles(full));
    else if (/\.ya?ml$/.test(entry.name)) out.push(full);
  }
  return out.sort();
}

export function readKustomization(dir: string): Kustomization {
  const [doc] = readYaml(path.join(dir, KUSTOMIZATION)) as Record<string, unknown>[];
  const patches = ((doc.patches ?? []) as { path?: string }[]).flatMap((p) => (p.path ? [p.path] : []));
  const legacy = (doc.patchesStrategicMerge ?? []) as string[];
  return {
    dir,
    resources: (doc.resources ?? []) as string[],
    patches: [...patches, ...legacy],
    images: (doc.images ?? []) as Kustomization['images'],
    namespace: doc.namespace as string | undefined,
  };
}

export function isKustomizationDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory() && existsSync(path.join(p, KUSTOMIZATION));
}

/** The objects a kustomization emits (resources, recursively), before patches and transformers. */
export function resolveResources(dir: string): Manifest[] {
  const out: Manifest[] = [];
  for (const entry of readKustomization(dir).resources) {
    const target = path.resolve(dir, entry);
    if (isKustomizationDir(target)) out.push(...resolveResources(target));
    else for (const object of readYaml(target)) out.push({ file: target, object: object as KubeObject });
  }
  return out;
}
