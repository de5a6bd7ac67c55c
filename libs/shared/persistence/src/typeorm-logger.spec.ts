import { createRootLogger } from '@alien/logging';
import { rpcLogContext } from '@alien/nest-rpc';
import { Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import { PinoTypeOrmLogger } from './typeorm-logger';

const ADMIN_URL = process.env['TEST_DATABASE_ADMIN_URL'] || 'postgres://postgres@127.0.0.1:5432/postgres';

describe(PinoTypeOrmLogger.name, () => {
  const written: string[] = [];
  let db: DataSource;

  beforeAll(async () => {
    const logger = createRootLogger('spec', 'debug', {}, new Writable({ write: (chunk, _e, done) => (written.push(String(chunk)), done()) }));
    db = new DataSource({ type: 'postgres', url: ADMIN_URL, logging: ['error', 'warn'], logger: new PinoTypeOrmLogger(logger), extra: { max: 1 } });
    await db.initialize();
    await db.query('CREATE TEMP TABLE people (email text UNIQUE)');
  });
  afterAll(() => db?.destroy());

  it('a failed INSERT is one JSON line with the request id and the SQL, never the parameter values', async () => {
    await db.query('INSERT INTO people VALUES ($1)', ['ada@example.org']);
    written.length = 0;
    await rpcLogContext.run({ subject: 'spec.v1', requestId: 'req-typeorm-1', userId: 7 }, async () => {
      await expect(db.query('INSERT INTO people VALUES ($1)', ['ada@example.org'])).rejects.toThrow();
    });
    expect(written.length).toBeGreaterThan(0);
    for (const line of written) {
      const parsed = JSON.parse(line);
      expect(parsed).toMatchObject({ service: 'spec', requestId: 'req-typeorm-1', userId: 7, msg: 'query failed', code: '23505' });
      expect(parsed.sql).toContain('INSERT INTO people');
      expect(line).not.toContain('ada@example.org');
      expect(line).not.toMatch(/PARAMETERS/);
    }
  });
});
