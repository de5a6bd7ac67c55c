import { window } from './metrics.service';

describe('metrics window', () => {
  const DAY = 86_400_000;

  it('defaults to the span before `to` (now when absent)', () => {
    const { start, end } = window(undefined, '2026-03-10T00:00:00Z', DAY, 31 * DAY);
    expect(end.toISOString()).toBe('2026-03-10T00:00:00.000Z');
    expect(start.toISOString()).toBe('2026-03-09T00:00:00.000Z');
  });

  it('refuses reversed and too wide windows with 422 naming the field', () => {
    expect(() => window('2026-03-10', '2026-03-01', DAY, 31 * DAY)).toThrow(expect.objectContaining({ status: 422 }));
    expect(() => window('2025-01-01', '2026-03-01', DAY, 31 * DAY)).toThrow(expect.objectContaining({ messages: [expect.objectContaining({ field: 'from', rule: 'range' })] }));
  });
});
