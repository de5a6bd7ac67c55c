import type { Logger as PinoLogger } from 'pino';
import type { Logger as TypeOrmLogger } from 'typeorm';

/** The SQL of a statement on one line, bounded; never its parameter values (they carry user data). */
function statement(query: string): string {
  const oneLine = query.replace(/\s+/g, ' ').trim();
  return oneLine.length > 500 ? `${oneLine.slice(0, 500)}…` : oneLine;
}

/**
 * TypeORM's log lines through the service's pino logger: JSON, with the request id and caller of the
 * NATS message being handled (the root logger's mixin), and without parameter values — TypeORM's own
 * logger printed `query failed: INSERT … -- PARAMETERS: [emails…]` as plain text.
 */
export class PinoTypeOrmLogger implements TypeOrmLogger {
  constructor(private readonly logger: PinoLogger) {}

  logQuery(query: string): void {
    if (this.logger.isLevelEnabled('trace')) this.logger.trace({ sql: statement(query) }, 'query');
  }

  logQueryError(error: string | Error, query: string): void {
    const e = error as Error & { code?: string; constraint?: string };
    // Expected outcomes (unique violations → 409, …) are answered to the caller; debug is enough.
    const level = e.code === '23505' || e.code === '23503' || e.code?.startsWith('22') ? 'debug' : 'warn';
    this.logger[level]({ sql: statement(query), code: e.code, constraint: e.constraint, err: { type: e.name, message: e.message } }, 'query failed');
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ sql: statement(query), durationMs: time }, 'slow query');
  }

  logSchemaBuild(message: string): void {
    this.logger.info({ schema: message }, 'schema');
  }

  logMigration(message: string): void {
    this.logger.info({ migration: message }, 'migration');
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    this.logger[level === 'warn' ? 'warn' : 'info']({ typeorm: String(message) }, 'typeorm');
  }
}
