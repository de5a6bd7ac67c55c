import { ApiError } from '@alien/envelope';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export const INVITATIONS_PER_HOUR = Symbol('INVITATIONS_PER_HOUR');

/**
 * One attempt counted in an hourly bucket, atomically (an upsert), shared by every replica because it
 * lives in Postgres. The estimate is a sliding window: the previous hour's count weighted by how much
 * of it still overlaps the last 60 minutes, plus this hour's.
 */
const BUMP = `
  WITH w AS (
    SELECT date_trunc('hour', now()) AS start,
           extract(epoch FROM now() - date_trunc('hour', now())) / 3600.0 AS elapsed
  ), bumped AS (
    INSERT INTO "auth"."rate_limit_windows" AS r ("bucket", "window_start", "count")
    SELECT $1, w.start, 1 FROM w
    ON CONFLICT ("bucket", "window_start") DO UPDATE SET "count" = r."count" + 1
    RETURNING r."count"
  )
  SELECT (SELECT "count" FROM bumped) AS current,
         COALESCE((SELECT r."count" FROM "auth"."rate_limit_windows" r, w
                   WHERE r."bucket" = $1 AND r."window_start" = w.start - interval '1 hour'), 0) AS previous,
         (SELECT elapsed FROM w) AS elapsed`;

/** Windows older than the previous hour are never read again. */
const PRUNE = `DELETE FROM "auth"."rate_limit_windows" WHERE "window_start" < date_trunc('hour', now()) - interval '1 hour'`;

/**
 * Invitations and managed-account creations share one hourly budget per organization and another per
 * acting user (so creating organizations does not multiply it). Every attempt counts — including one
 * that then fails (409) — because a failure can tell the caller something.
 */
@Injectable()
export class InvitationRateLimiter {
  private calls = 0;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(INVITATIONS_PER_HOUR) private readonly perHour: number,
  ) {}

  async consume(organizationId: number, userId: number): Promise<void> {
    if (++this.calls % 100 === 0) await this.db.query(PRUNE);
    const perOrganization = await this.estimate(`invitations:organization:${organizationId}`);
    const perUser = await this.estimate(`invitations:user:${userId}`);
    if (perOrganization > this.perHour || perUser > this.perHour) {
      const who = perOrganization > this.perHour ? 'this organization' : 'you';
      throw new ApiError(
        429,
        `Too many invitations: at most ${this.perHour} invitations and managed accounts per hour for ${who}. Try again later.`,
        'invitation_rate_limited',
      );
    }
  }

  private async estimate(bucket: string): Promise<number> {
    const [row] = (await this.db.query(BUMP, [bucket])) as { current: number; previous: number; elapsed: string }[];
    if (!row) throw new Error(`rate limit bucket ${bucket}: no row`);
    return Number(row.previous) * (1 - Number(row.elapsed)) + Number(row.current);
  }
}
