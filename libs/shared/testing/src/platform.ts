import { generateAssertionKeySpec } from '@alien/identity-assertion';
import { generateKeyRingSpec } from '@alien/secrets';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { connect } from 'nats';
import path from 'node:path';
import { adminUrl, createDatabase, dropDatabase, uniqueName } from './db';
import { LogLine, StartedProcess, runScript, startProcess } from './process';
import { distPath, tmpPath } from './workspace';

export const SERVICE_APPS = ['auth', 'catalog', 'orchestration', 'proxy'] as const;
export type ServiceApp = (typeof SERVICE_APPS)[number];

export interface PlatformOptions {
  /** Services to start (default: all four). */
  services?: readonly ServiceApp[];
  /** How many gateway processes (default 1). */
  gateways?: number;
  /** NATS URL (default NATS_URL or the local server). */
  natsUrl?: string;
  /** Extra environment for every process. */
  env?: NodeJS.ProcessEnv;
  /** Extra environment for the gateway(s) only. */
  gatewayEnv?: NodeJS.ProcessEnv;
  /** Per-service environment. */
  serviceEnv?: Partial<Record<ServiceApp, NodeJS.ProcessEnv>>;
  /**
   * Per-app NATS credentials (`gateway`, `auth`, …) for a server that requires them; each process gets
   * its own app's user as NATS_USER/NATS_PASSWORD.
   */
  natsUsers?: Partial<Record<string, { user: string; password: string }>>;
  /** Name used in log file paths. */
  label?: string;
  /**
   * Orchestration runs as two roles, like in Kubernetes: the `orchestration` process answers NATS
   * (ORCHESTRATION_ROLE=api) and this many separate processes execute jobs (worker). Default 1.
   */
  orchestrationWorkers?: number;
  logLevel?: string;
}

export interface Platform {
  databaseName: string;
  databaseUrl: string;
  natsUrl: string;
  subjectPrefix: string;
  gatewayUrl: string;
  gatewayUrls: string[];
  processes: Map<string, StartedProcess>;
  /** The environment every process got (without per-app additions). */
  env: NodeJS.ProcessEnv;
  /** Starts (another replica of) a service; `key` names the process (default: the service name). */
  startService(name: ServiceApp, env?: NodeJS.ProcessEnv, key?: string): Promise<StartedProcess>;
  startGateway(env?: NodeJS.ProcessEnv): Promise<string>;
  /** Starts one more orchestration worker process (key `orchestration-worker-<n>`). */
  startOrchestrationWorker(env?: NodeJS.ProcessEnv): Promise<StartedProcess>;
  stopProcess(key: string): Promise<void>;
  stop(): Promise<void>;
}

const READY_SERVICE = (line: LogLine) => line.msg === 'service ready';
const READY_GATEWAY = (line: LogLine) => line.msg === 'gateway listening';

/** Runs every service's migrations against a database URL (what `npm start` and the k8s Job do). */
export async function migrateAll(
  databaseUrl: string,
  env: NodeJS.ProcessEnv = process.env,
  services: readonly ServiceApp[] = SERVICE_APPS,
): Promise<void> {
  await Promise.all(
    services.map((service) =>
      runScript(distPath('apps', service, 'src', 'migrate.js'), ['up'], { ...env, DATABASE_URL: databaseUrl }),
    ),
  );
}

/**
 * Boots the platform as separate processes from dist/ against a fresh database and a private NATS
 * subject prefix, so runs never see each other's data or messages. stop() kills everything and drops
 * the database.
 */
export async function startPlatform(options: PlatformOptions = {}): Promise<Platform> {
  const admin = adminUrl();
  const databaseName = uniqueName('alien_test');
  const databaseUrl = await createDatabase(databaseName, admin);
  const natsUrl = options.natsUrl ?? process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
  const subjectPrefix = `t${randomBytes(4).toString('hex')}.`;
  const label = options.label ?? databaseName;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    TZ: 'UTC',
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    NATS_URL: natsUrl,
    NATS_SUBJECT_PREFIX: subjectPrefix,
    HEALTH_PORT: '0',
    // Several platforms run at once (suites in parallel, test runs beside each other): small pools keep
    // them inside Postgres's default 100 connections.
    DATABASE_POOL_SIZE: '4',
    LOG_LEVEL: options.logLevel ?? 'info',
    // Per-run keys: secrets at rest (orchestration, proxy, catalog) and the identity assertions the proxy signs.
    SECRETS_KEY_RING: generateKeyRingSpec('t1'),
    IDENTITY_ASSERTION_KEYS: generateAssertionKeySpec('t1'),
    // catalog: entry files in a directory of this run (removed with it).
    STORAGE_DIR: tmpPath('storage', databaseName),
    ...options.env,
  };
  const processes = new Map<string, StartedProcess>();
  const natsEnv = (app: string): NodeJS.ProcessEnv => {
    const creds = options.natsUsers?.[app];
    return creds ? { NATS_USER: creds.user, NATS_PASSWORD: creds.password } : {};
  };
  const gatewayUrls: string[] = [];
  let gatewayCount = 0;
  let workerCount = 0;
  const roleEnv = (name: ServiceApp): NodeJS.ProcessEnv => (name === 'orchestration' ? { ORCHESTRATION_ROLE: 'api' } : {});

  const startService = async (name: ServiceApp, extra: NodeJS.ProcessEnv = {}, key: string = name) => {
    const proc = await startProcess({
      name: key,
      script: distPath('apps', name, 'src', 'main.js'),
      env: { ...env, ...natsEnv(name), ...roleEnv(name), ...options.serviceEnv?.[name], ...extra },
      ready: READY_SERVICE,
      logFile: tmpPath('logs', label, `${key}.log`),
    });
    processes.set(key, proc);
    return proc;
  };

  // Gateways stream the proxy app's routes to it: point them at this platform's proxy process.
  const proxyUrl = (): NodeJS.ProcessEnv => {
    const port = processes.get('proxy')?.readyLine['healthPort'];
    return typeof port === 'number' ? { PROXY_URL: `http://127.0.0.1:${port}` } : {};
  };

  const startGateway = async (extra: NodeJS.ProcessEnv = {}) => {
    const index = gatewayCount++;
    const key = index === 0 ? 'gateway' : `gateway-${index}`;
    const proc = await startProcess({
      name: key,
      script: distPath('apps', 'gateway', 'src', 'main.js'),
      env: { ...env, ...natsEnv('gateway'), PORT: '0', HOST: '127.0.0.1', ...proxyUrl(), ...options.gatewayEnv, ...extra },
      ready: READY_GATEWAY,
      logFile: tmpPath('logs', label, `${key}.log`),
    });
    processes.set(key, proc);
    const url = `http://127.0.0.1:${proc.readyLine['port'] as number}`;
    gatewayUrls.push(url);
    return url;
  };

  const startOrchestrationWorker = async (extra: NodeJS.ProcessEnv = {}) => {
    const key = `orchestration-worker-${++workerCount}`;
    const proc = await startProcess({
      name: key,
      script: distPath('apps', 'orchestration', 'src', 'main.js'),
      env: { ...env, ...natsEnv('orchestration'), ...proxyUrl(), ...options.serviceEnv?.orchestration, ORCHESTRATION_ROLE: 'worker', ...extra },
      ready: READY_SERVICE,
      logFile: tmpPath('logs', label, `${key}.log`),
    });
    processes.set(key, proc);
    return proc;
  };

  const stop = async () => {
    await Promise.all([...processes.values()].map((p) => p.stop()));
    processes.clear();
    await dropDatabase(databaseName, admin).catch(() => undefined);
    rmSync(tmpPath('storage', databaseName), { recursive: true, force: true });
    await deletePrefixedStreams(natsUrl, subjectPrefix).catch(() => undefined);
  };

  try {
    await migrateAll(databaseUrl, env);
    const services = options.services ?? SERVICE_APPS;
    await Promise.all(services.map((s) => startService(s)));
    // Workers after the services: they call the proxy's data plane, whose port is known only now.
    if (services.includes('orchestration')) {
      await Promise.all(Array.from({ length: options.orchestrationWorkers ?? 1 }, () => startOrchestrationWorker()));
    }
    for (let i = 0; i < (options.gateways ?? 1); i++) await startGateway();
  } catch (e) {
    await stop();
    throw e;
  }

  return {
    databaseName,
    databaseUrl,
    natsUrl,
    subjectPrefix,
    get gatewayUrl() {
      return gatewayUrls[0] ?? '';
    },
    gatewayUrls,
    processes,
    env,
    startService,
    startGateway,
    startOrchestrationWorker,
    stopProcess: async (key: string) => {
      await processes.get(key)?.stop();
      processes.delete(key);
    },
    stop,
  };
}

/** JetStream streams a run created under its subject prefix (e.g. `t1a2b3c4d_AUTH_EVENTS`) go with it. */
export async function deletePrefixedStreams(natsUrl: string, subjectPrefix: string): Promise<void> {
  const streamPrefix = subjectPrefix.replace(/[^A-Za-z0-9_-]/g, '_');
  if (!streamPrefix) return;
  const nc = await connect({ servers: natsUrl, timeout: 2_000 });
  try {
    const jsm = await nc.jetstreamManager();
    for await (const name of jsm.streams.names()) {
      if (name.startsWith(streamPrefix)) await jsm.streams.delete(name);
    }
  } finally {
    await nc.close();
  }
}

export function logDir(label: string): string {
  return path.join(tmpPath('logs'), label);
}
