import { client, distPath, startProcess, tmpPath } from '@alien/testing';

/** The shared platform started by global-setup.ts. */
export function sharedPlatform() {
  const gatewayUrl = process.env['E2E_GATEWAY_URL'];
  const databaseUrl = process.env['E2E_DATABASE_URL'];
  if (!gatewayUrl || !databaseUrl) throw new Error('e2e platform is not running (global setup failed?)');
  const gatewayUrls = (process.env['E2E_GATEWAY_URLS'] ?? gatewayUrl).split(',');
  /** The environment the platform's processes got (for the auth admin CLI). */
  const env = { ...process.env, ...JSON.parse(process.env['E2E_PLATFORM_ENV'] ?? '{}') } as NodeJS.ProcessEnv;
  /** The proxy app's own port (what an ingress routing the data-plane paths straight to it reaches). */
  const proxyUrl = process.env['E2E_PROXY_URL'] ?? '';
  return { gatewayUrl, gatewayUrls, databaseUrl, proxyUrl, env, api: client(gatewayUrl) };
}

/**
 * Another gateway process on the shared platform's services, with its own settings (an OIDC issuer,
 * say). Stop it in afterAll.
 */
export async function startExtraGateway(extraEnv: NodeJS.ProcessEnv, label = 'gateway-extra') {
  const { env } = sharedPlatform();
  const proc = await startProcess({
    name: label,
    script: distPath('apps', 'gateway', 'src', 'main.js'),
    env: { ...env, PORT: '0', HOST: '127.0.0.1', ...extraEnv },
    ready: (line) => line.msg === 'gateway listening',
    logFile: tmpPath('logs', 'e2e-shared', `${label}.log`),
  });
  const url = `http://127.0.0.1:${proc.readyLine['port'] as number}`;
  return { url, api: client(url), process: proc, stop: () => proc.stop() };
}
