import { migrateUp } from '@alien/persistence';
import { createDatabase, dropDatabase, uniqueName } from '@alien/testing';
import { DataSource } from 'typeorm';
import type { OrchestrationConfig } from '../config';
import { orchestrationDataSourceOptions } from '../database/data-source';
import { Sql } from '../shared/sql';
import { JobStore, NewJobNode } from './job-store';

/** The worker's per-node write against a real Postgres (orchestration migrations). */
describe('JobStore.persistNodes', () => {
  const name = uniqueName('orchestration_jobstore');
  let db: DataSource;
  let store: JobStore;

  const row = (nodeId: string): NewJobNode => ({
    node_id: nodeId,
    type: 'wait',
    status: 'completed',
    output: { ok: true },
    chunks: null,
    annotation: null,
    truncated: false,
    started_at: null,
    finished_at: new Date().toISOString(),
    duration_ms: 5,
  });

  async function runningJob(worker: string): Promise<{ workflowId: number; jobId: number }> {
    const [wf] = await db.query(`INSERT INTO orchestration.workflows (organization_id, name, slug) VALUES (1, 'W', $1) RETURNING id`, [uniqueName('w')]);
    const [job] = await db.query(
      `INSERT INTO orchestration.jobs (slug, organization_id, workflow_id, graph_version, graph, status, attempts, worker)
       VALUES ('job-w', 1, $1, 1, '{}', 'running', 1, $2) RETURNING id`,
      [wf.id, worker],
    );
    return { workflowId: wf.id, jobId: job.id };
  }
  const nodeCount = async (jobId: number) => Number((await db.query(`SELECT count(*) AS n FROM orchestration.job_nodes WHERE job_id = $1`, [jobId]))[0].n);

  beforeAll(async () => {
    const url = await createDatabase(name);
    const options = orchestrationDataSourceOptions(url, 2);
    await migrateUp({ ...options, schema: 'orchestration' });
    db = new DataSource({ ...options, logging: false });
    await db.initialize();
    store = new JobStore(new Sql(db), {} as OrchestrationConfig);
  });

  afterAll(async () => {
    await db?.destroy();
    await dropDatabase(name);
  });

  it('writes the rows while this worker holds the job', async () => {
    const { jobId } = await runningJob('w1');
    expect(await store.persistNodes(jobId, 'w1', 1, [row('a'), row('b')], 50)).toEqual({ inserted: 2, owned: true });
    expect(await nodeCount(jobId)).toBe(2);
  });

  it('writes nothing for a job another worker holds', async () => {
    const { jobId } = await runningJob('w2');
    expect(await store.persistNodes(jobId, 'w1', 1, [row('a')], 50)).toEqual({ inserted: 0, owned: false });
    expect(await nodeCount(jobId)).toBe(0);
  });

  it('answers "not owned" without an error for a job deleted meanwhile (its workflow deleted): no foreign-key failure', async () => {
    const { workflowId, jobId } = await runningJob('w1');
    await db.query(`DELETE FROM orchestration.workflows WHERE id = $1`, [workflowId]);
    await expect(store.persistNodes(jobId, 'w1', 1, [row('a')], 50)).resolves.toEqual({ inserted: 0, owned: false });
  });
});
