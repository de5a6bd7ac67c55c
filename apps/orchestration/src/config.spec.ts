import { generateKeyRingSpec } from '@alien/secrets';
import { loadOrchestrationConfig } from './config';

describe(loadOrchestrationConfig.name, () => {
  it('polls every cluster every 30 s with a 5 s check by default', () => {
    const config = loadOrchestrationConfig({ SECRETS_KEY_RING: generateKeyRingSpec() });
    expect(config.CLUSTER_HEALTH_INTERVAL_MS).toBe(30_000);
    expect(config.CLUSTER_HEALTH_TIMEOUT_MS).toBe(5_000);
  });

  it('requires SECRETS_KEY_RING and never echoes a bad one', () => {
    expect(() => loadOrchestrationConfig({})).toThrow(/SECRETS_KEY_RING is required/);
    expect(() => loadOrchestrationConfig({ SECRETS_KEY_RING: 'leaky-secret-value' })).toThrow(/SECRETS_KEY_RING/);
    try {
      loadOrchestrationConfig({ SECRETS_KEY_RING: 'leaky-secret-value' });
    } catch (e) {
      expect((e as Error).message).not.toContain('leaky');
    }
  });
});
