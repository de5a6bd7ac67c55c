import { DataSource, DataSourceOptions } from 'typeorm';

async function schemaExists(ds: DataSource, schema: string): Promise<boolean> {
  const rows = await ds.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema]);
  return rows.length > 0;
}

/**
 * Creates the service's schema when missing (the migrations table lives inside it), then runs pending
 * migrations. The schema is only created when absent: a production role that owns its schema but may
 * not CREATE on the database can still migrate (CREATE SCHEMA IF NOT EXISTS checks that right first).
 */
export async function migrateUp(options: DataSourceOptions & { schema?: string }): Promise<string[]> {
  const ds = new DataSource({ ...options, logging: ['error'] });
  await ds.initialize();
  try {
    if (options.schema && !(await schemaExists(ds, options.schema))) {
      await ds.query(`CREATE SCHEMA IF NOT EXISTS "${options.schema}"`);
    }
    const ran = await ds.runMigrations({ transaction: 'each' });
    return ran.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}

export async function migrateDown(options: DataSourceOptions): Promise<void> {
  const ds = new DataSource({ ...options, logging: ['error'] });
  await ds.initialize();
  try {
    await ds.undoLastMigration({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
}

/** True when migrations are pending (a schema that does not exist yet has them all pending). */
export async function migrationStatus(options: DataSourceOptions & { schema?: string }): Promise<boolean> {
  const ds = new DataSource({ ...options, logging: ['error'] });
  await ds.initialize();
  try {
    if (options.schema && !(await schemaExists(ds, options.schema))) return ds.migrations.length > 0;
    return await ds.showMigrations();
  } finally {
    await ds.destroy();
  }
}

/**
 * The body of every service's `migrate` entry point: `node migrate.js [up|down|status]`.
 * Exits non-zero on failure so a Kubernetes migration Job fails visibly.
 */
export async function runMigrationCli(service: string, options: DataSourceOptions, argv = process.argv.slice(2)) {
  const command = argv[0] ?? 'up';
  try {
    if (command === 'up') {
      const ran = await migrateUp(options);
      process.stdout.write(`${service}: ${ran.length ? `applied ${ran.join(', ')}` : 'schema up to date'}\n`);
    } else if (command === 'down') {
      await migrateDown(options);
      process.stdout.write(`${service}: reverted the last migration\n`);
    } else if (command === 'status') {
      const pending = await migrationStatus(options);
      process.stdout.write(`${service}: ${pending ? 'migrations pending' : 'schema up to date'}\n`);
      process.exitCode = pending ? 3 : 0;
    } else {
      process.stderr.write(`usage: migrate [up|down|status]\n`);
      process.exitCode = 2;
    }
  } catch (e) {
    process.stderr.write(`${service}: migration failed: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
