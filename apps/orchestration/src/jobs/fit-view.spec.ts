import type { JobView } from '@alien/orchestration/contracts';
import { fitJobView } from './fit-view';

const big = (n: number) => 'x'.repeat(n);

function view(parts: { outputs?: Record<string, unknown>; answer?: unknown; chunks?: unknown[]; input?: Record<string, unknown> }): JobView {
  const outputs = parts.outputs ?? {};
  return {
    id: 1,
    slug: 'job-w-1',
    status: 'completed',
    progress: 100,
    workflowId: 1,
    graphVersion: 1,
    organizationId: 1,
    userId: 1,
    presetId: null,
    input: parts.input ?? {},
    result: { results: parts.answer === undefined ? {} : { out: [parts.answer] }, stream: parts.chunks ? { chat: { chunks: parts.chunks, status: 'complete' } } : {} },
    nodes: Object.entries(outputs).map(([id, output]) => ({ id, type: 'edit_fields', data: { outputs: [output] }, position: { x: 0, y: 0 } })) as never,
    error: null,
    attempts: 1,
    createdAt: '2026-11-29T00:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    updatedAt: '2026-11-29T00:00:00.000Z',
  } as JobView;
}

const size = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

describe(fitJobView.name, () => {
  it('returns a view that fits as it is (the same object)', () => {
    const v = view({ outputs: { a: { text: 'hi' } }, answer: 'hi' });
    expect(fitJobView(v, 10_000)).toBe(v);
  });

  it("gives up the nodes' outputs first, largest first, and keeps the answer in result.results", () => {
    const v = view({ outputs: { a: big(4_000), b: big(3_000), out: big(100) }, answer: big(100) });
    const fitted = fitJobView(v, 5_000);
    expect(size(fitted)).toBeLessThanOrEqual(5_000);
    const outputs = fitted.nodes.map((n) => (n.data as { outputs: unknown[] }).outputs[0]);
    expect(outputs[0]).toEqual({ truncated: true, omitted: true, bytes: 4_002 });
    expect(outputs[1]).toBe(big(3_000));
    expect(fitted.result.results['out']).toEqual([big(100)]);
    // The original view is not changed.
    expect((v.nodes[0]?.data as { outputs: unknown[] }).outputs[0]).toBe(big(4_000));
  });

  it('then streamed chunks, then results, then the input, until it fits', () => {
    const v = view({ outputs: { out: big(2_000) }, answer: big(2_000), chunks: [big(2_000)], input: { text: big(2_000) } });
    const fitted = fitJobView(v, 1_500);
    expect(size(fitted)).toBeLessThanOrEqual(1_500);
    expect(fitted.result.stream['chat']?.chunks).toEqual([{ truncated: true, omitted: true, bytes: 2_004 }]);
    expect(fitted.result.results['out']).toEqual([{ truncated: true, omitted: true, bytes: 2_002 }]);
    expect(fitted.input).toEqual({ truncated: true, omitted: true, bytes: 2_011 });
  });

  it('stops as soon as it fits', () => {
    const v = view({ outputs: { a: big(3_000) }, answer: big(1_000), input: { text: big(1_000) } });
    const fitted = fitJobView(v, 3_500);
    expect(fitted.result.results['out']).toEqual([big(1_000)]);
    expect(fitted.input).toEqual({ text: big(1_000) });
  });
});
