import { startCountingServer, type CountingServer } from '@alien/testing';
import { param, runOne } from '../spec-helpers';
import { loopbackServices } from '../spec-services';

describe('external_api node', () => {
  let proxy: CountingServer;
  beforeAll(async () => {
    proxy = await startCountingServer();
  });
  afterAll(() => proxy.stop());
  beforeEach(() => proxy.reset());
  const services = () => loopbackServices({ externalApi: { url: proxy.url, unitsPerCall: 3 } });

  it('calls the connector endpoint through the proxy, with the Idempotency-Key, and reports the billed units', async () => {
    const { output, events } = await runOne(
      'external_api',
      { connectorId: 2, endpointId: 9, path: '/lookup', query: param({ q: '@in.q' }, true), body: { ask: 'x' } },
      { services: services(), input: { q: 'paris' }, jobId: 'job-x' },
    );
    expect(output).toMatchObject({ status: 200, billedUnits: 3, body: { method: 'POST', path: '/ext/2/9/lookup', query: { q: 'paris', units: '3' }, body: { ask: 'x' } } });
    expect(proxy.idempotencyKeys()).toEqual(['job-x:n']);
    expect(events.find((e) => e.type === 'node.finished' && e.nodeId === 'n')).toMatchObject({
      usage: [{ kind: 'external', connectorId: 2, endpointId: 9, units: 3 }],
    });
  });

  it('fails on an error status unless told not to', async () => {
    const { error } = await runOne('external_api', { connectorId: 2, endpointId: 9, path: '/status/502', method: 'GET' }, { services: services() });
    expect(error).toMatchObject({ code: 'http_status', status: 502 });
  });
});
