import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * finish_job_with_nodes: the terminal transition of a running job held by p_worker, together with the
 * rows of the nodes the worker kept in memory (pure nodes, see the worker), in one statement and one
 * commit; then admission of the organization's next waiting jobs. NULL when the worker no longer holds
 * the job (nothing is written then); else {"admitted": [ids], "inserted": n}, n < the rows given
 * meaning some node had been persisted before (which must not happen).
 */
export class FinishJobWithNodes1764800000000 implements MigrationInterface {
  name = 'FinishJobWithNodes1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION "orchestration"."finish_job_with_nodes"(
        p_job integer, p_worker text, p_status text, p_result jsonb, p_error jsonb, p_progress integer, p_limit integer,
        p_attempt integer, p_nodes jsonb)
      RETURNS jsonb LANGUAGE plpgsql AS $$
      DECLARE
        org integer;
        inserted integer := 0;
      BEGIN
        UPDATE orchestration.jobs SET status = p_status, result = p_result, error = p_error, progress = p_progress,
            finished_at = now(), lease_until = NULL, updated_at = now()
          WHERE id = p_job AND worker = p_worker AND status = 'running'
          RETURNING organization_id INTO org;
        IF org IS NULL THEN RETURN NULL; END IF;
        IF jsonb_array_length(p_nodes) > 0 THEN
          INSERT INTO orchestration.job_nodes
              (job_id, node_id, type, status, output, chunks, annotation, truncated, attempt, started_at, finished_at, duration_ms)
            SELECT p_job, n.node_id, n.type, n.status, n.output, n.chunks, n.annotation, coalesce(n.truncated, false), p_attempt,
                n.started_at, coalesce(n.finished_at, now()), coalesce(n.duration_ms, 0)
              FROM jsonb_to_recordset(p_nodes) AS n(node_id text, type text, status text, output jsonb, chunks jsonb, annotation jsonb,
                truncated boolean, started_at timestamptz, finished_at timestamptz, duration_ms integer)
            ON CONFLICT (job_id, node_id) DO NOTHING;
          GET DIAGNOSTICS inserted = ROW_COUNT;
        END IF;
        RETURN jsonb_build_object('admitted', to_jsonb(orchestration.admit_jobs(org, p_limit)), 'inserted', inserted);
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS "orchestration".finish_job_with_nodes(integer, text, text, jsonb, jsonb, integer, integer, integer, jsonb)`);
  }
}
