import { startDataClusterServer, type DataClusterServer } from '@alien/testing';
import { runOne } from '../spec-helpers';
import { loopbackServices } from '../spec-services';

describe('keyword_search node', () => {
  let cluster: DataClusterServer;
  beforeAll(async () => {
    cluster = await startDataClusterServer();
  });
  afterAll(() => cluster.stop());
  const services = () => loopbackServices({ cluster: { url: cluster.url, clusterId: 5 } });

  it("sends the Data API's search body to the cluster and outputs its answer", async () => {
    const { output, events } = await runOne(
      'keyword_search',
      { clusterId: 5, query: '@in.q', limit: 2, dataset_ids: [10, 11], score_threshold: 0.4 },
      { services: services(), input: { q: 'search documents' }, jobId: 'job-s' },
    );
    expect(output).toEqual({
      results: [
        { id: 4, dataset_id: 11, text: 'Search engines rank documents by relevance', score: 1 },
        { id: 1, dataset_id: 10, text: 'Alien platform ships data clusters with a search API', score: 0.5 },
      ],
      total: 3,
      search_type: 'keyword',
    });
    const [request] = cluster.searches();
    expect(request.body).toEqual({ query: 'search documents', limit: 2, offset: 0, score_threshold: 0.4, dataset_ids: [10, 11], search_type: 'keyword' });
    expect(request.idempotencyKey).toBe('job-s:n');
    expect(events.find((e) => e.type === 'node.finished' && e.nodeId === 'n')).toMatchObject({
      usage: [{ kind: 'cluster', clusterId: 5, operation: 'keyword_search' }],
    });
  });

  it('fails on a cluster the caller may not use', async () => {
    const { error } = await runOne('keyword_search', { clusterId: 6, query: 'x' }, { services: services() });
    expect(error).toMatchObject({ code: 'service_unavailable', message: 'cluster 6 is not visible to the caller' });
  });
});
