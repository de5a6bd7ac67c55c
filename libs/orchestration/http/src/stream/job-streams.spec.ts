import { JobEvent, JobView } from '@alien/orchestration/contracts';
import { foldSnapshot } from './job-streams';

const job = (over: Partial<JobView> = {}): JobView => ({
  id: 7,
  slug: 'job-x-1',
  status: 'running',
  progress: 33,
  workflowId: 1,
  graphVersion: 1,
  organizationId: 1,
  userId: 1,
  presetId: null,
  input: {},
  result: { results: {}, stream: { 'chat-0': { chunks: [{ n: 'a' }], status: 'complete' } } },
  nodes: [],
  error: null,
  attempts: 1,
  createdAt: '',
  startedAt: null,
  finishedAt: null,
  updatedAt: '',
  ...over,
});

const update = (seq: number, e: Partial<JobEvent>) => ({
  seq,
  event: { type: 'update', event: 'status', jobId: 7, status: 'running', progress: 0, result: {}, at: '', ...e } as JobEvent,
});

describe(foldSnapshot.name, () => {
  it('adds results and chunks of nodes still running; chunks of nodes the service already finished are not repeated', () => {
    const snapshot = foldSnapshot(job(), [
      update(1, { event: 'chunk', nodeId: 'chat-0', result: { stream: { 'chat-0': { chunks: [{ n: 'a' }], status: 'streaming' } } } }),
      update(2, { event: 'node.finished', nodeId: 'out-1', progress: 66, result: { results: { 'out-1': [{ ok: true }] } } }),
      update(3, { event: 'chunk', nodeId: 'chat-1', result: { stream: { 'chat-1': { chunks: [{ n: 'b' }], status: 'streaming' } } } }),
      update(4, { event: 'chunk', nodeId: 'chat-1', result: { stream: { 'chat-1': { chunks: [{ n: 'c' }], status: 'streaming' } } } }),
    ]);
    expect(snapshot.progress).toBe(66);
    expect(snapshot.result.results).toEqual({ 'out-1': [{ ok: true }] });
    expect(snapshot.result.stream['chat-0']?.chunks).toEqual([{ n: 'a' }]);
    expect(snapshot.result.stream['chat-1']?.chunks).toEqual([{ n: 'b' }, { n: 'c' }]);
  });

  it('takes the final result of a done event, and the service view of a job that has ended', () => {
    const done = { seq: 9, event: { type: 'done', event: 'status', jobId: 7, status: 'completed', progress: 100, result: { results: { x: [1] }, stream: {} }, at: '' } as JobEvent };
    expect(foldSnapshot(job(), [update(1, { progress: 50 }), done])).toMatchObject({ status: 'completed', progress: 100, result: { results: { x: [1] } } });
    const ended = job({ status: 'failed', progress: 40, error: { code: 'http_status', message: 'no' } });
    expect(foldSnapshot(ended, [update(1, { progress: 90 })])).toMatchObject({ status: 'failed', progress: 40, error: { code: 'http_status' } });
  });

  it('never goes back in progress and does not change the view it was given', () => {
    const view = job({ progress: 80 });
    const snapshot = foldSnapshot(view, [update(1, { progress: 20, result: { results: { a: [1] } } })]);
    expect(snapshot.progress).toBe(80);
    expect(view.result.results).toEqual({});
  });
});
