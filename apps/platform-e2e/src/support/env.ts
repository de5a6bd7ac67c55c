import { client } from '@alien/testing';

/** The shared platform started by global-setup.ts. */
export function sharedPlatform() {
  const gatewayUrl = process.env['E2E_GATEWAY_URL'];
  const databaseUrl = process.env['E2E_DATABASE_URL'];
  if (!gatewayUrl || !databaseUrl) throw new Error('e2e platform is not running (global setup failed?)');
  return { gatewayUrl, databaseUrl, api: client(gatewayUrl) };
}
