import { ApiError, ValidationMessage } from '@alien/envelope';
import { CONSUMPTION_GROUP_BY, ConsumptionGroupBy, JOB_ORDER_BY, JOB_STATUSES, JobListRequest, JobStatus } from '@alien/orchestration/contracts';
import { ListQueryPipe } from '@alien/nest-http';
import { idError } from '@alien/slug';
import { PipeTransform } from '@nestjs/common';

const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** The date part names a real day: `Date` would roll 2026-02-30 over to March 2 without a word. */
function calendarDate(raw: string): boolean {
  const [y, m, d] = raw.slice(0, 10).split('-').map(Number) as [number, number, number];
  const day = new Date(0);
  day.setUTCFullYear(y, m - 1, d); // not Date.UTC: it reads years 0–99 as 1900–1999
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

function dateParam(query: Record<string, unknown>, field: string, out: ValidationMessage[]): string | undefined {
  const raw = query[field];
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !ISO.test(raw) || Number.isNaN(new Date(raw).getTime()) || !calendarDate(raw)) {
    out.push({ field, rule: 'date', message: `${field} must be an ISO-8601 date or date-time` });
    return undefined;
  }
  return new Date(raw).toISOString();
}

function enumParam<T extends string>(query: Record<string, unknown>, field: string, values: readonly T[], out: ValidationMessage[]): T | undefined {
  const raw = query[field];
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw === 'string' && (values as readonly string[]).includes(raw)) return raw as T;
  out.push({ field, rule: 'enum', message: `${field} must be one of: ${values.join(', ')}` });
  return undefined;
}

function window(query: Record<string, unknown>, out: ValidationMessage[]) {
  const from = dateParam(query, 'from', out);
  const to = dateParam(query, 'to', out);
  if (from && to && from >= to) out.push({ field: 'from', rule: 'before', message: 'from must be before to' });
  return { from, to };
}

const pageQuery = new ListQueryPipe({ orderBy: JOB_ORDER_BY, defaultOrderBy: 'id', defaultDirection: 'desc' });

/** `GET /jobs` (and `/workflows/{id}/jobs`): page, perPage, orderBy, direction, status, workflowId, from, to. */
export class JobListQueryPipe implements PipeTransform {
  transform(query: Record<string, unknown>): JobListRequest {
    const out: ValidationMessage[] = [];
    let page: JobListRequest['page'] | undefined;
    try {
      page = pageQuery.transform({ ...query, q: undefined }).page;
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      out.push(...(e.messages ?? []));
    }
    const status = enumParam<JobStatus>(query, 'status', JOB_STATUSES, out);
    let workflowId: number | undefined;
    if (query['workflowId'] !== undefined && query['workflowId'] !== '') {
      const error = idError('workflowId', query['workflowId']);
      if (error) out.push(error);
      else workflowId = Number(query['workflowId']);
    }
    const { from, to } = window(query, out);
    if (out.length || !page) throw ApiError.validation(out);
    return { page, ...(status ? { status } : {}), ...(workflowId ? { workflowId } : {}), ...(from ? { from } : {}), ...(to ? { to } : {}) };
  }
}

/** `GET /workflows/{id}/metrics?from&to&interval=hour|day`. */
export class MetricsQueryPipe implements PipeTransform {
  transform(query: Record<string, unknown>): { from?: string; to?: string; interval: 'hour' | 'day' } {
    const out: ValidationMessage[] = [];
    const interval = enumParam(query, 'interval', ['hour', 'day'] as const, out) ?? 'day';
    const { from, to } = window(query, out);
    if (out.length) throw ApiError.validation(out);
    return { interval, ...(from ? { from } : {}), ...(to ? { to } : {}) };
  }
}

/** `GET /consumption?from&to&groupBy=workflow|model|connector` (and per workflow). */
export class ConsumptionQueryPipe implements PipeTransform {
  constructor(private readonly defaultGroupBy: ConsumptionGroupBy) {}

  transform(query: Record<string, unknown>): { from?: string; to?: string; groupBy: ConsumptionGroupBy } {
    const out: ValidationMessage[] = [];
    const groupBy = enumParam(query, 'groupBy', CONSUMPTION_GROUP_BY, out) ?? this.defaultGroupBy;
    const { from, to } = window(query, out);
    if (out.length) throw ApiError.validation(out);
    return { groupBy, ...(from ? { from } : {}), ...(to ? { to } : {}) };
  }
}

const KEY = /^[\x21-\x7e]{1,255}$/;

/** `Idempotency-Key`: 1–255 visible ASCII characters. */
export function parseIdempotencyKey(raw: string | string[] | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (typeof value !== 'string' || !KEY.test(value)) {
    throw ApiError.invalid('Idempotency-Key', 'regex', 'Idempotency-Key must be 1-255 visible ASCII characters');
  }
  return value;
}

/** `Last-Event-ID`: the sequence of the last event received (a non-negative integer). */
export function parseLastEventId(raw: string | string[] | undefined): number | null {
  if (raw === undefined || raw === '') return null;
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (typeof value !== 'string' || !/^[0-9]{1,15}$/.test(value)) {
    throw ApiError.invalid('Last-Event-ID', 'number', 'Last-Event-ID must be the id of an event this stream sent');
  }
  return Number(value);
}
