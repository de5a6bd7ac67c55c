import { natsServerConfig } from '@alien/nats-auth';
import { NATS_APPS, NatsApp, platformNatsUsers } from '@alien/platform/nats-permissions';
import { NatsServerHandle, spawnNatsServer } from '@alien/testing';
import { randomBytes } from 'node:crypto';

export interface SecuredNats {
  nats: NatsServerHandle;
  /** The subject prefix the permissions were generated for: start the platform with it. */
  prefix: string;
  passwords: Record<NatsApp, string>;
  /** For startPlatform({ natsUsers }). */
  natsUsers: Record<NatsApp, { user: string; password: string }>;
}

/**
 * A private nats-server configured like production (deploy/nats): a user per app, each limited to what
 * its contracts declare, no anonymous access. Tests that start their own nats-server use this one.
 */
export async function spawnSecuredNats(): Promise<SecuredNats> {
  const prefix = `p${randomBytes(4).toString('hex')}.`;
  const passwords = Object.fromEntries(NATS_APPS.map((app) => [app, randomBytes(12).toString('hex')])) as Record<NatsApp, string>;
  const nats = await spawnNatsServer({ config: natsServerConfig({ users: platformNatsUsers(passwords, prefix) }) });
  const natsUsers = Object.fromEntries(NATS_APPS.map((app) => [app, { user: app, password: passwords[app] }])) as SecuredNats['natsUsers'];
  return { nats, prefix, passwords, natsUsers };
}
