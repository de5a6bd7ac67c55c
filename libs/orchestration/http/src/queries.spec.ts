import { ApiError } from '@alien/envelope';
import { ConsumptionQueryPipe, JobListQueryPipe, MetricsQueryPipe, parseIdempotencyKey, parseLastEventId } from './queries';

const rejects = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as ApiError).messages?.map((m) => `${m.field}:${m.rule}`);
  }
  throw new Error('accepted');
};

describe(JobListQueryPipe.name, () => {
  const sut = new JobListQueryPipe();

  it('reads paging and filters, newest first by default', () => {
    expect(sut.transform({ status: 'running', workflowId: '4', from: '2026-01-01', to: '2026-02-01T00:00:00Z' })).toEqual({
      page: { page: 1, perPage: 20, orderBy: 'id', direction: 'desc' },
      status: 'running',
      workflowId: 4,
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-02-01T00:00:00.000Z',
    });
  });

  it('refuses unknown states, bad ids, bad or reversed dates, all at once', () => {
    expect(rejects(() => sut.transform({ status: 'done', workflowId: '-1', from: 'yesterday' }))).toEqual(['status:enum', 'workflowId:min', 'from:date']);
    expect(rejects(() => sut.transform({ from: '2026-02-01', to: '2026-01-01' }))).toEqual(['from:before']);
    expect(rejects(() => sut.transform({ perPage: '500' }))).toEqual(['perPage:max']);
  });

  it('refuses calendar dates that do not exist instead of rolling them over (Feb 30 is not Mar 2)', () => {
    expect(rejects(() => sut.transform({ from: '2026-02-30' }))).toEqual(['from:date']);
    expect(rejects(() => sut.transform({ to: '2026-04-31T10:00:00Z' }))).toEqual(['to:date']);
    expect(rejects(() => sut.transform({ from: '2026-13-01' }))).toEqual(['from:date']);
    expect(sut.transform({ from: '2028-02-29' }).from).toBe('2028-02-29T00:00:00.000Z');
    expect(sut.transform({ from: '0001-01-01' }).from).toBe('0001-01-01T00:00:00.000Z');
    expect(sut.transform({ from: '2026-03-01T00:30:00+01:00' }).from).toBe('2026-02-28T23:30:00.000Z');
  });
});

describe('metrics and consumption queries', () => {
  it('default to day and to the group of the route; refuse other values', () => {
    expect(new MetricsQueryPipe().transform({})).toEqual({ interval: 'day' });
    expect(rejects(() => new MetricsQueryPipe().transform({ interval: 'week' }))).toEqual(['interval:enum']);
    expect(new ConsumptionQueryPipe('model').transform({})).toEqual({ groupBy: 'model' });
    expect(rejects(() => new ConsumptionQueryPipe('workflow').transform({ groupBy: 'planet' }))).toEqual(['groupBy:enum']);
  });
});

describe('headers', () => {
  it('Idempotency-Key: 1–255 visible ASCII characters', () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
    expect(parseIdempotencyKey('order-42:a/b')).toBe('order-42:a/b');
    expect(rejects(() => parseIdempotencyKey('has space'))).toEqual(['Idempotency-Key:regex']);
    expect(rejects(() => parseIdempotencyKey('x'.repeat(256)))).toEqual(['Idempotency-Key:regex']);
  });

  it('Last-Event-ID: a sequence number or nothing', () => {
    expect(parseLastEventId(undefined)).toBeNull();
    expect(parseLastEventId('')).toBeNull();
    expect(parseLastEventId('1234')).toBe(1234);
    expect(rejects(() => parseLastEventId('abc'))).toEqual(['Last-Event-ID:number']);
  });
});
