import { startPlatform } from '@alien/testing';

/**
 * Boots one platform (all services + one gateway, as processes, on a fresh database and a private
 * NATS subject prefix) shared by the e2e suites. Suites that must break things start their own.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  // Two gateways: identity tests prove that revocations reach every replica.
  const platform = await startPlatform({
    label: 'e2e-shared',
    gateways: 2,
    // The health loop has its own suite (a private platform); here it must not flip test clusters.
    serviceEnv: {
      orchestration: { CLUSTER_HEALTH_INTERVAL_MS: '3600000' },
      // Short budgets and limits so timeouts and 413s are tested quickly (defaults: a unit test).
      proxy: {
        CLUSTER_PROXY_TIMEOUT_MS: '1500',
        CLUSTER_PROXY_POST_TIMEOUT_MS: '2500',
        CLUSTER_PROXY_MAX_REQUEST_BYTES: String(8 * 1024 * 1024),
        EXTERNAL_API_TIMEOUT_MS: '1500',
        EXTERNAL_API_POST_TIMEOUT_MS: '2500',
        AUDIT_FLUSH_INTERVAL_MS: '100',
      },
    },
  });
  (globalThis as { __PLATFORM__?: unknown }).__PLATFORM__ = platform;
  process.env['E2E_GATEWAY_URL'] = platform.gatewayUrl;
  process.env['E2E_GATEWAY_URLS'] = platform.gatewayUrls.join(',');
  process.env['E2E_PLATFORM_ENV'] = JSON.stringify(platform.env);
  process.env['E2E_DATABASE_URL'] = platform.databaseUrl;
  process.env['E2E_PROXY_URL'] = `http://127.0.0.1:${platform.processes.get('proxy')?.readyLine['healthPort'] as number}`;
  process.env['E2E_NATS_URL'] = platform.natsUrl;
  process.env['E2E_SUBJECT_PREFIX'] = platform.subjectPrefix;
  process.stdout.write(`\ne2e platform up in ${Date.now() - started} ms at ${platform.gatewayUrl}\n`);
}
