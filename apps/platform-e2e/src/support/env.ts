import { client } from '@alien/testing';

/** The shared platform started by global-setup.ts. */
export function sharedPlatform() {
  const gatewayUrl = process.env['E2E_GATEWAY_URL'];
  const databaseUrl = process.env['E2E_DATABASE_URL'];
  if (!gatewayUrl || !databaseUrl) throw new Error('e2e platform is not running (global setup failed?)');
  const gatewayUrls = (process.env['E2E_GATEWAY_URLS'] ?? gatewayUrl).split(',');
  /** The environment the platform's processes got (for the auth admin CLI). */
  const env = { ...process.env, ...JSON.parse(process.env['E2E_PLATFORM_ENV'] ?? '{}') } as NodeJS.ProcessEnv;
  return { gatewayUrl, gatewayUrls, databaseUrl, env, api: client(gatewayUrl) };
}
