import { startDataClusterServer, type DataClusterServer } from '@alien/testing';
import { runOne } from '../spec-helpers';
import { loopbackServices } from '../spec-services';

describe('get_entries node', () => {
  let cluster: DataClusterServer;
  beforeAll(async () => {
    cluster = await startDataClusterServer();
  });
  afterAll(() => cluster.stop());
  const services = () => loopbackServices({ cluster: { url: cluster.url, clusterId: 5 } });

  it("outputs a page of the dataset's entries", async () => {
    const { output, events } = await runOne('get_entries', { datasetId: '@in.dataset', perPage: 1, page: 2 }, { services: services(), input: { dataset: 10 } });
    expect(output).toEqual({
      meta: { currentPage: 2, total: 2, perPage: 1, lastPage: 2 },
      data: [{ id: 2, dataset_id: 10, text: 'Workflows chain nodes: search, rerank, chat completion' }],
    });
    expect(events.find((e) => e.type === 'node.finished' && e.nodeId === 'n')).toMatchObject({ usage: [{ kind: 'catalog', datasetId: 10 }] });
  });

  it('coerces ids given as text and refuses a missing dataset', async () => {
    const { output } = await runOne('get_entries', { datasetId: '11', search: 'weather' }, { services: services() });
    expect(output).toMatchObject({ data: [{ id: 3 }] });
    const { error } = await runOne('get_entries', { datasetId: '@in.missing' }, { services: services(), input: {} });
    expect(error).toMatchObject({ code: 'invalid_params', message: 'params.datasetId is required' });
  });
});
