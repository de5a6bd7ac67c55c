/**
 * Auth admin CLI, for operators and for `npm start`:
 *   node dist/apps/auth/src/cli.js seed-demo
 *   node dist/apps/auth/src/cli.js create-user <email> [--platform-admin] [--first <name>] [--last <name>]
 *   node dist/apps/auth/src/cli.js issue-token <email> [--org <slug>] [--name <name>] [--abilities read,write] [--expires-in <seconds>]
 *   node dist/apps/auth/src/cli.js grant-platform-admin <email>
 * Each prints one JSON line. In production, `create-user --platform-admin` bootstraps the first admin.
 */
import { Ability, generateAccessToken, hashAccessToken, isAbility, lastFour } from '@alien/identity';
import { isEmail } from 'class-validator';
import { DataSource, EntityManager } from 'typeorm';
import { loadCliConfig } from './config';
import { authDataSourceOptions } from './database/data-source';
import { AccessTokenEntity, MembershipEntity, OrganizationEntity, UserEntity } from './shared/entities';

type Flags = Record<string, string | true>;

function parse(argv: string[]): { command: string; args: string[]; flags: Flags } {
  const [command = '', ...rest] = argv;
  const args: string[] = [];
  const flags: Flags = {};
  for (let i = 0; i < rest.length; i++) {
    const part = rest[i] as string;
    if (part.startsWith('--')) {
      const next = rest[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        flags[part.slice(2)] = next;
        i++;
      } else flags[part.slice(2)] = true;
    } else args.push(part);
  }
  return { command, args, flags };
}

async function findOrCreateUser(m: EntityManager, email: string, flags: Flags): Promise<UserEntity> {
  const users = m.getRepository(UserEntity);
  const normalized = email.trim().toLowerCase();
  let user = await users.createQueryBuilder('u').where('lower(u.email) = :email', { email: normalized }).getOne();
  if (!user && (normalized.length > 320 || !isEmail(normalized, { require_tld: false }))) {
    // The API refuses such an address (422); the CLI created a user "bad email" without a word.
    throw new Error(`not an email address: ${JSON.stringify(email.slice(0, 100))}`);
  }
  // An operator vouches for the email of a user they create.
  user ??= users.create({ email: normalized, emailVerified: true });
  if (typeof flags['first'] === 'string') user.firstName = flags['first'];
  if (typeof flags['last'] === 'string') user.lastName = flags['last'];
  if (flags['platform-admin']) user.isPlatformAdmin = true;
  return users.save(user);
}

async function issueToken(
  m: EntityManager,
  user: UserEntity,
  options: { organizationId: number | null; name: string; abilities: Ability[]; expiresInSec?: number },
) {
  const token = generateAccessToken();
  const row = await m.getRepository(AccessTokenEntity).save({
    userId: user.id,
    organizationId: options.organizationId,
    name: options.name,
    tokenHash: hashAccessToken(token),
    lastFour: lastFour(token),
    abilities: options.abilities,
    expiresAt: options.expiresInSec ? new Date(Date.now() + options.expiresInSec * 1000) : null,
  });
  return { token, tokenId: row.id };
}

async function seedDemo(m: EntityManager, adminEmail: string, existingToken?: string) {
  const admin = await findOrCreateUser(m, adminEmail, { 'platform-admin': true, first: 'Demo', last: 'Admin' });
  const orgs = m.getRepository(OrganizationEntity);
  let org = await orgs.findOneBy({ slug: 'demo' });
  org ??= await orgs.save({ name: 'Demo organization', slug: 'demo', createdBy: admin.id });
  const memberships = m.getRepository(MembershipEntity);
  if (!(await memberships.existsBy({ organizationId: org.id, userId: admin.id }))) {
    await memberships.save({ organizationId: org.id, userId: admin.id, role: 'owner' });
  }
  if (admin.currentOrganizationId === null) {
    await m.getRepository(UserEntity).update({ id: admin.id }, { currentOrganizationId: org.id });
  }
  if (existingToken) {
    const found = await m.getRepository(AccessTokenEntity).findOneBy({ tokenHash: hashAccessToken(existingToken) });
    if (found && !found.revokedAt && found.userId === admin.id && (!found.expiresAt || found.expiresAt > new Date())) {
      return { token: existingToken, tokenId: found.id, userId: admin.id, organizationId: org.id, email: admin.email, reused: true };
    }
  }
  // Unrestricted, so every README example works with it (creating organizations included).
  const issued = await issueToken(m, admin, {
    organizationId: null,
    name: 'npm start demo token',
    abilities: ['read', 'write'],
  });
  return { ...issued, userId: admin.id, organizationId: org.id, email: admin.email, reused: false };
}

async function main(): Promise<void> {
  const config = loadCliConfig();
  const { command, args, flags } = parse(process.argv.slice(2));
  const ds = new DataSource({ ...authDataSourceOptions(config.DATABASE_URL, 1), logging: ['error'] });
  await ds.initialize();
  try {
    const result = await ds.transaction(async (m) => {
      switch (command) {
        case 'seed-demo':
          return seedDemo(m, config.DEMO_ADMIN_EMAIL, config.DEMO_TOKEN);
        case 'create-user':
        case 'grant-platform-admin': {
          if (!args[0]) throw new Error(`usage: ${command} <email>`);
          const user = await findOrCreateUser(m, args[0], command === 'grant-platform-admin' ? { ...flags, 'platform-admin': true } : flags);
          return { userId: user.id, email: user.email, isPlatformAdmin: user.isPlatformAdmin };
        }
        case 'issue-token': {
          if (!args[0]) throw new Error('usage: issue-token <email> [--org <slug>]');
          const user = await findOrCreateUser(m, args[0], {});
          let organizationId: number | null = null;
          if (typeof flags['org'] === 'string') {
            const org = await m.getRepository(OrganizationEntity).findOneBy({ slug: flags['org'] });
            if (!org) throw new Error(`no organization ${flags['org']}`);
            // A token restricted to an organization its user is not an active member of would be worth
            // nothing (401 at first use): refuse to issue it.
            const member = await m.getRepository(MembershipEntity).existsBy({ organizationId: org.id, userId: user.id, status: 'active' });
            if (!member) {
              throw new Error(`${user.email ?? `user ${user.id}`} is not an active member of ${flags['org']}: add them to it first (invitation or managed account)`);
            }
            organizationId = org.id;
          }
          const abilities = String(flags['abilities'] ?? 'read,write').split(',');
          if (!abilities.every(isAbility)) throw new Error('abilities: read and/or write');
          const issued = await issueToken(m, user, {
            organizationId,
            name: typeof flags['name'] === 'string' ? flags['name'] : 'cli token',
            abilities: abilities as Ability[],
            expiresInSec: typeof flags['expires-in'] === 'string' ? Number(flags['expires-in']) : undefined,
          });
          return { ...issued, userId: user.id };
        }
        default:
          throw new Error('commands: seed-demo | create-user <email> | issue-token <email> | grant-platform-admin <email>');
      }
    });
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await ds.destroy();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`auth cli: ${(e as Error).message}\n`);
  process.exit(1);
});
