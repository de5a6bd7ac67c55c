import { adminUrl, createDatabase, dropDatabase, query, uniqueName } from '@alien/testing';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { serviceDataSourceOptions } from './data-source';
import { migrateUp } from './migrate-cli';

class CreateWidgets1700000000000 implements MigrationInterface {
  name = 'CreateWidgets1700000000000';
  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE TABLE widgets (id integer PRIMARY KEY)');
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE widgets');
  }
}

describe(migrateUp.name, () => {
  const database = uniqueName('alien_migrate');
  const role = uniqueName('svc');
  let adminDbUrl: string;

  beforeAll(async () => {
    adminDbUrl = await createDatabase(database);
    // The production setup of deploy/README.md: the role owns its schema and may not CREATE on the database.
    await query(adminDbUrl, `CREATE ROLE "${role}" LOGIN`);
    await query(adminDbUrl, `REVOKE CREATE ON DATABASE "${database}" FROM PUBLIC`);
    await query(adminDbUrl, 'REVOKE ALL ON SCHEMA public FROM PUBLIC');
    await query(adminDbUrl, `CREATE SCHEMA "${role}" AUTHORIZATION "${role}"`);
  });

  afterAll(async () => {
    await dropDatabase(database);
    await query(adminUrl(), `DROP ROLE IF EXISTS "${role}"`);
  });

  it('migrates with a role that owns only its schema (no CREATE on the database)', async () => {
    const url = new URL(adminDbUrl);
    url.username = role;
    url.password = '';
    const options = serviceDataSourceOptions({ schema: role, url: url.toString(), entities: [], migrations: [CreateWidgets1700000000000] });
    expect(await migrateUp({ ...options, schema: role })).toEqual(['CreateWidgets1700000000000']);
    const [created] = await query<{ n: string }>(adminDbUrl, `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'widgets'`, [role]);
    expect(Number(created?.n)).toBe(1);
    // The role really may not create a schema: the pre-check is what makes the above work.
    await expect(query(url.toString(), 'CREATE SCHEMA IF NOT EXISTS other')).rejects.toThrow(/permission denied/);
  });
});
