import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * create_job admits a job in its INSERT when the organization has a free slot and nobody waiting
 * (the usual case), instead of inserting it unadmitted and updating it in admit_jobs right after:
 * one row version and one set of index entries per run instead of two. Admission stays serialised
 * per organization by the same advisory lock, now taken before the insert; with jobs waiting, the new
 * one queues behind them and admit_jobs admits oldest first, as before.
 */
export class AdmitOnInsert1765000000000 implements MigrationInterface {
  name = 'AdmitOnInsert1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION "orchestration"."create_job"(
        p_slug text, p_org integer, p_user integer, p_workflow integer, p_graph_version integer, p_graph jsonb,
        p_input jsonb, p_preset integer, p_identity jsonb, p_key text, p_hash text, p_key_ttl_sec integer, p_limit integer)
      RETURNS jsonb LANGUAGE plpgsql AS $$
      DECLARE
        seen record;
        job orchestration.jobs;
        stored integer;
        active integer;
        direct boolean;
      BEGIN
        IF p_key IS NOT NULL THEN
          SELECT job_id, request_hash INTO seen FROM orchestration.idempotency_keys
            WHERE organization_id = p_org AND key = p_key AND created_at > now() - make_interval(secs => p_key_ttl_sec);
          IF FOUND THEN
            IF seen.request_hash = p_hash THEN RETURN jsonb_build_object('replayed', seen.job_id); END IF;
            RETURN jsonb_build_object('conflict', true);
          END IF;
        END IF;
        PERFORM pg_advisory_xact_lock(74201, p_org);
        SELECT count(*) INTO active FROM orchestration.jobs
          WHERE organization_id = p_org AND status IN ('pending', 'running') AND admitted_at IS NOT NULL;
        direct := active < p_limit AND NOT EXISTS (
          SELECT 1 FROM orchestration.jobs WHERE organization_id = p_org AND status = 'pending' AND admitted_at IS NULL);
        INSERT INTO orchestration.jobs (slug, organization_id, user_id, workflow_id, graph_version, graph, input, preset_id, identity, admitted_at)
          VALUES (p_slug, p_org, p_user, p_workflow, p_graph_version, p_graph, p_input, p_preset, p_identity, CASE WHEN direct THEN now() END)
          RETURNING * INTO job;
        IF p_key IS NOT NULL THEN
          INSERT INTO orchestration.idempotency_keys (organization_id, key, request_hash, job_id)
            VALUES (p_org, p_key, p_hash, job.id)
            ON CONFLICT (organization_id, key) DO UPDATE
              SET request_hash = EXCLUDED.request_hash, job_id = EXCLUDED.job_id, created_at = now()
              WHERE orchestration.idempotency_keys.created_at <= now() - make_interval(secs => p_key_ttl_sec)
            RETURNING job_id INTO stored;
          IF stored IS NULL THEN RAISE EXCEPTION 'idempotency_key_raced'; END IF;
        END IF;
        IF direct THEN RETURN jsonb_build_object('job', to_jsonb(job), 'admitted', jsonb_build_array(job.id)); END IF;
        RETURN jsonb_build_object('job', to_jsonb(job), 'admitted', to_jsonb(orchestration.admit_jobs(p_org, p_limit)));
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Back to admitting after the insert (the body of 1764700000000-CreateWorkflowsAndJobs).
    await q.query(`
      CREATE OR REPLACE FUNCTION "orchestration"."create_job"(
        p_slug text, p_org integer, p_user integer, p_workflow integer, p_graph_version integer, p_graph jsonb,
        p_input jsonb, p_preset integer, p_identity jsonb, p_key text, p_hash text, p_key_ttl_sec integer, p_limit integer)
      RETURNS jsonb LANGUAGE plpgsql AS $$
      DECLARE
        seen record;
        job orchestration.jobs;
        stored integer;
      BEGIN
        IF p_key IS NOT NULL THEN
          SELECT job_id, request_hash INTO seen FROM orchestration.idempotency_keys
            WHERE organization_id = p_org AND key = p_key AND created_at > now() - make_interval(secs => p_key_ttl_sec);
          IF FOUND THEN
            IF seen.request_hash = p_hash THEN RETURN jsonb_build_object('replayed', seen.job_id); END IF;
            RETURN jsonb_build_object('conflict', true);
          END IF;
        END IF;
        INSERT INTO orchestration.jobs (slug, organization_id, user_id, workflow_id, graph_version, graph, input, preset_id, identity)
          VALUES (p_slug, p_org, p_user, p_workflow, p_graph_version, p_graph, p_input, p_preset, p_identity)
          RETURNING * INTO job;
        IF p_key IS NOT NULL THEN
          INSERT INTO orchestration.idempotency_keys (organization_id, key, request_hash, job_id)
            VALUES (p_org, p_key, p_hash, job.id)
            ON CONFLICT (organization_id, key) DO UPDATE
              SET request_hash = EXCLUDED.request_hash, job_id = EXCLUDED.job_id, created_at = now()
              WHERE orchestration.idempotency_keys.created_at <= now() - make_interval(secs => p_key_ttl_sec)
            RETURNING job_id INTO stored;
          IF stored IS NULL THEN RAISE EXCEPTION 'idempotency_key_raced'; END IF;
        END IF;
        RETURN jsonb_build_object('job', to_jsonb(job), 'admitted', to_jsonb(orchestration.admit_jobs(p_org, p_limit)));
      END $$`);
  }
}
