import { ConfigError, bool, int, oneOf, readConfig, str, url } from './env';

describe('readConfig', () => {
  const specs = {
    PORT: int({ default: 3333, min: 1, max: 65535 }),
    MODE: oneOf(['a', 'b'] as const, { default: 'a' }),
    DEBUG: bool({ default: false }),
    NATS_URL: url({ default: 'nats://127.0.0.1:4222', protocols: ['nats', 'tls'] }),
    SECRET: str({ secret: true, optional: true }),
  };

  it('applies defaults and parses values', () => {
    expect(readConfig(specs, { PORT: '8080', DEBUG: 'true' })).toEqual({
      PORT: 8080,
      MODE: 'a',
      DEBUG: true,
      NATS_URL: 'nats://127.0.0.1:4222',
      SECRET: undefined,
    });
  });

  it('names every bad variable at once and hides secret values', () => {
    const secretSpec = { KEY: str({ secret: true, pattern: /^k_/ }), PORT: int({ max: 10 }) };
    try {
      readConfig(secretSpec, { KEY: 'hunter2', PORT: '99' });
      throw new Error('should have thrown');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const message = (e as Error).message;
      expect(message).toContain('KEY (secret, value hidden)');
      expect(message).not.toContain('hunter2');
      expect(message).toContain('PORT="99" must be ≤ 10');
    }
  });

  it('requires variables without defaults', () => {
    expect(() => readConfig({ X: str() }, {})).toThrow('X is required');
  });
});
