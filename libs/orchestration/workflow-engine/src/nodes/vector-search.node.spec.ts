import { startDataClusterServer, type DataClusterServer } from '@alien/testing';
import { runOne } from '../spec-helpers';
import { loopbackServices } from '../spec-services';

describe('vector_search node', () => {
  let cluster: DataClusterServer;
  beforeAll(async () => {
    cluster = await startDataClusterServer();
  });
  afterAll(() => cluster.stop());

  it('asks the cluster for a vector search, with defaults for limit and offset', async () => {
    const { output } = await runOne('vector_search', { clusterId: 5, query: 'wheather reports' }, { services: loopbackServices({ cluster: { url: cluster.url, clusterId: 5 } }) });
    const answer = output as { results: Array<{ id: number }>; search_type: string };
    expect(answer.search_type).toBe('vector');
    // Fuzzy: the misspelt query still finds the weather document first.
    expect(answer.results[0].id).toBe(3);
    expect(cluster.searches().at(-1)?.body).toEqual({ query: 'wheather reports', limit: 10, offset: 0, search_type: 'vector' });
  });
});
