import { productionNatsConfig } from '@alien/platform/nats-permissions';
import { readText } from './projects';

describe('deploy/nats/nats-server.conf', () => {
  it('is exactly what the contracts generate (regenerate it with npm run nats-config)', () => {
    expect(readText('deploy/nats/nats-server.conf')).toBe(productionNatsConfig());
  });

  it('names a user per app, no anonymous access, and reads every password from the environment', () => {
    const conf = readText('deploy/nats/nats-server.conf');
    for (const app of ['gateway', 'auth', 'catalog', 'orchestration', 'proxy']) {
      expect(conf).toContain(`{ user: "${app}", password: $${app.toUpperCase()}_NATS_PASSWORD`);
    }
    expect(conf).not.toMatch(/no_auth_user|password: "/);
  });
});
