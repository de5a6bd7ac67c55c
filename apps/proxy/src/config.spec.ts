import { generateAssertionKeySpec } from '@alien/identity-assertion';
import { generateKeyRingSpec } from '@alien/secrets';
import { loadProxyConfig } from './config';

describe(loadProxyConfig.name, () => {
  const secrets = { SECRETS_KEY_RING: generateKeyRingSpec(), IDENTITY_ASSERTION_KEYS: generateAssertionKeySpec() };

  it('gives the cluster proxy a 30 s budget (120 s for POST), 100 MB request bodies, and external APIs 50 MB answers', () => {
    const config = loadProxyConfig(secrets);
    expect(config.CLUSTER_PROXY_TIMEOUT_MS).toBe(30_000);
    expect(config.CLUSTER_PROXY_POST_TIMEOUT_MS).toBe(120_000);
    expect(config.CLUSTER_PROXY_MAX_REQUEST_BYTES).toBe(100 * 1024 * 1024);
    expect(config.EXTERNAL_API_TIMEOUT_MS).toBe(30_000);
    expect(config.EXTERNAL_API_POST_TIMEOUT_MS).toBe(120_000);
    expect(config.EXTERNAL_API_MAX_RESPONSE_BYTES).toBe(50 * 1024 * 1024);
    expect(config.HEALTH_PORT).toBe(3404);
  });

  it('requires both key rings and names a bad one without echoing it', () => {
    expect(() => loadProxyConfig({})).toThrow(/SECRETS_KEY_RING is required.*IDENTITY_ASSERTION_KEYS is required/);
    const leaked = 'super-secret-material-0123456789';
    let message = '';
    try {
      loadProxyConfig({ SECRETS_KEY_RING: leaked, IDENTITY_ASSERTION_KEYS: leaked });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/SECRETS_KEY_RING.*IDENTITY_ASSERTION_KEYS/);
    expect(message).not.toContain('super-secret');
  });
});
