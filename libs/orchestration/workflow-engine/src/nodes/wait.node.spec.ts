import { runOne } from '../spec-helpers';

describe('wait node', () => {
  it('waits, then passes its input on', async () => {
    const started = Date.now();
    const { output } = await runOne('wait', { ms: 150 }, { input: { keep: 1 } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    expect(output).toEqual({ keep: 1 });
  });

  it('stops at once on cancel', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    const { outcome, state } = await runOne('wait', { ms: 60_000 }, { signal: controller.signal });
    expect(Date.now() - started).toBeLessThan(500);
    expect(outcome.status).toBe('cancelled');
    expect(state).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
  });
});
