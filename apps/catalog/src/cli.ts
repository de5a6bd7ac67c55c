/**
 * Catalog admin CLI, for operators:
 *   node dist/apps/catalog/src/cli.js reencrypt-credentials
 *     Re-seals every AI model credential under the newest key of SECRETS_KEY_RING (the first one).
 *     Key rotation: put a new key in front of the ring, roll the catalog out, run this, then drop the
 *     old key from the ring. Prints one JSON line: {"reencrypted", "total", "currentKeyId"}.
 */
import { KeyRing } from '@alien/secrets';
import { DataSource } from 'typeorm';
import { reencryptCredentials } from './ai-models/credentials.service';
import { loadCatalogCliConfig } from './config';
import { catalogDataSourceOptions } from './database/data-source';

async function main(): Promise<void> {
  const [command] = process.argv.slice(2);
  if (command !== 'reencrypt-credentials') throw new Error('commands: reencrypt-credentials');
  const config = loadCatalogCliConfig();
  const ring = new KeyRing(config.SECRETS_KEY_RING);
  const db = new DataSource({ ...catalogDataSourceOptions(config.DATABASE_URL, 1), logging: ['error'] });
  await db.initialize();
  try {
    process.stdout.write(`${JSON.stringify(await reencryptCredentials(db, ring))}\n`);
  } finally {
    await db.destroy();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`catalog cli: ${(e as Error).message}\n`);
  process.exit(1);
});
