import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateWorkflowsAndJobs1764700000000 implements MigrationInterface {
  name = 'CreateWorkflowsAndJobs1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "orchestration"."workflows" (
        "id" integer GENERATED ALWAYS AS IDENTITY NOT NULL,
        "organization_id" integer NOT NULL,
        "name" varchar(200) NOT NULL,
        "slug" varchar(100) NOT NULL,
        "description" text,
        "type" varchar(20) NOT NULL DEFAULT 'streaming',
        "is_public" boolean NOT NULL DEFAULT false,
        "preset_category" varchar(100),
        "collection_id" integer,
        "dataset_id" integer,
        "tag_ids" integer[] NOT NULL DEFAULT '{}',
        "nodes" jsonb NOT NULL DEFAULT '[]',
        "edges" jsonb NOT NULL DEFAULT '[]',
        "graph_version" integer NOT NULL DEFAULT 1,
        "created_by" integer,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_workflows" PRIMARY KEY ("id"),
        CONSTRAINT "uq_workflows_organization_slug" UNIQUE ("organization_id", "slug"),
        CONSTRAINT "ck_workflows_slug" CHECK ("slug" ~ '^[a-z0-9_-]+$'),
        CONSTRAINT "ck_workflows_type" CHECK ("type" IN ('streaming', 'preset', 'ai-preset', 'group-preset', 'agent'))
      )`);
    await q.query(`CREATE INDEX "ix_workflows_public_slug" ON "orchestration"."workflows" ("slug") WHERE "is_public"`);

    await q.query(`
      CREATE TABLE "orchestration"."presets" (
        "id" integer GENERATED ALWAYS AS IDENTITY NOT NULL,
        "workflow_id" integer NOT NULL,
        "organization_id" integer NOT NULL,
        "name" varchar(200) NOT NULL,
        "slug" varchar(100) NOT NULL,
        "input" jsonb NOT NULL DEFAULT '{}',
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_presets" PRIMARY KEY ("id"),
        CONSTRAINT "uq_presets_workflow_slug" UNIQUE ("workflow_id", "slug"),
        CONSTRAINT "ck_presets_slug" CHECK ("slug" ~ '^[a-z0-9_-]+$'),
        CONSTRAINT "fk_presets_workflow" FOREIGN KEY ("workflow_id") REFERENCES "orchestration"."workflows" ("id") ON DELETE CASCADE
      )`);

    // "identity": the caller's identity at run time (role, token, abilities): services called on the
    // job's behalf (clusters, catalog) apply the caller's visibility, as they would for the caller.
    // A job is its own outbox: admitted_at (the organization had a free slot) and published_at (on
    // the JetStream work queue) let the relay find admitted jobs that never reached the queue.
    await q.query(`
      CREATE TABLE "orchestration"."jobs" (
        "id" integer GENERATED ALWAYS AS IDENTITY NOT NULL,
        "slug" varchar(200) NOT NULL,
        "organization_id" integer NOT NULL,
        "user_id" integer,
        "identity" jsonb NOT NULL DEFAULT '{}',
        "workflow_id" integer NOT NULL,
        "graph_version" integer NOT NULL,
        "graph" jsonb NOT NULL,
        "input" jsonb NOT NULL DEFAULT '{}',
        "preset_id" integer,
        "status" varchar(20) NOT NULL DEFAULT 'pending',
        "progress" smallint NOT NULL DEFAULT 0,
        "result" jsonb,
        "error" jsonb,
        "attempts" integer NOT NULL DEFAULT 0,
        "worker" varchar(200),
        "lease_until" timestamptz,
        "admitted_at" timestamptz,
        "published_at" timestamptz,
        "cancel_requested_at" timestamptz,
        "dead_letter_reason" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "started_at" timestamptz,
        "finished_at" timestamptz,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_jobs" PRIMARY KEY ("id"),
        CONSTRAINT "ck_jobs_status" CHECK ("status" IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
        CONSTRAINT "ck_jobs_progress" CHECK ("progress" BETWEEN 0 AND 100),
        CONSTRAINT "fk_jobs_workflow" FOREIGN KEY ("workflow_id") REFERENCES "orchestration"."workflows" ("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "ix_jobs_organization" ON "orchestration"."jobs" ("organization_id", "id")`);
    await q.query(`CREATE INDEX "ix_jobs_workflow" ON "orchestration"."jobs" ("workflow_id", "id")`);
    await q.query(`CREATE INDEX "ix_jobs_workflow_created" ON "orchestration"."jobs" ("workflow_id", "created_at")`);
    await q.query(
      `CREATE INDEX "ix_jobs_active" ON "orchestration"."jobs" ("organization_id") WHERE "status" IN ('pending', 'running') AND "admitted_at" IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX "ix_jobs_waiting" ON "orchestration"."jobs" ("organization_id", "id") WHERE "status" = 'pending' AND "admitted_at" IS NULL`,
    );
    await q.query(
      `CREATE INDEX "ix_jobs_unpublished" ON "orchestration"."jobs" ("id") WHERE "status" = 'pending' AND "admitted_at" IS NOT NULL AND "published_at" IS NULL`,
    );
    await q.query(`CREATE INDEX "ix_jobs_running_lease" ON "orchestration"."jobs" ("lease_until") WHERE "status" = 'running'`);

    // Node results as they finish: a redelivered job resumes after them and never runs them again.
    await q.query(`
      CREATE TABLE "orchestration"."job_nodes" (
        "job_id" integer NOT NULL,
        "node_id" varchar(200) NOT NULL,
        "type" varchar(100) NOT NULL,
        "status" varchar(20) NOT NULL,
        "output" jsonb,
        "chunks" jsonb,
        "annotation" jsonb,
        "truncated" boolean NOT NULL DEFAULT false,
        "attempt" integer NOT NULL,
        "started_at" timestamptz,
        "finished_at" timestamptz NOT NULL DEFAULT now(),
        "duration_ms" integer NOT NULL DEFAULT 0,
        CONSTRAINT "pk_job_nodes" PRIMARY KEY ("job_id", "node_id"),
        CONSTRAINT "ck_job_nodes_status" CHECK ("status" IN ('completed', 'failed')),
        CONSTRAINT "fk_job_nodes_job" FOREIGN KEY ("job_id") REFERENCES "orchestration"."jobs" ("id") ON DELETE CASCADE
      )`);

    // Billing records outlive jobs and workflows (no foreign keys on purpose).
    await q.query(`
      CREATE TABLE "orchestration"."job_usage" (
        "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
        "job_id" integer NOT NULL,
        "organization_id" integer NOT NULL,
        "workflow_id" integer NOT NULL,
        "node_id" varchar(200) NOT NULL,
        "kind" varchar(20) NOT NULL,
        "ref_id" varchar(200) NOT NULL,
        "name" varchar(200),
        "quantity" numeric NOT NULL DEFAULT 0,
        "unit" varchar(30) NOT NULL,
        "unit_price" numeric NOT NULL DEFAULT 0,
        "cost" numeric NOT NULL DEFAULT 0,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_job_usage" PRIMARY KEY ("id"),
        CONSTRAINT "ck_job_usage_kind" CHECK ("kind" IN ('model', 'connector', 'cluster'))
      )`);
    await q.query(`CREATE INDEX "ix_job_usage_organization" ON "orchestration"."job_usage" ("organization_id", "created_at")`);
    await q.query(`CREATE INDEX "ix_job_usage_job" ON "orchestration"."job_usage" ("job_id")`);

    await q.query(`
      CREATE TABLE "orchestration"."idempotency_keys" (
        "organization_id" integer NOT NULL,
        "key" varchar(255) NOT NULL,
        "request_hash" char(64) NOT NULL,
        "job_id" integer NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_idempotency_keys" PRIMARY KEY ("organization_id", "key"),
        CONSTRAINT "fk_idempotency_keys_job" FOREIGN KEY ("job_id") REFERENCES "orchestration"."jobs" ("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "ix_idempotency_keys_created" ON "orchestration"."idempotency_keys" ("created_at")`);

    // The job hot path in one round trip each (the runtime calls these; the SQL is the contract).
    //
    // admit_jobs: while the organization has fewer than p_limit admitted unfinished jobs, admit its
    // waiting ones, oldest first. The advisory lock serialises admission per organization.
    await q.query(`
      CREATE FUNCTION "orchestration"."admit_jobs"(p_org integer, p_limit integer) RETURNS integer[]
      LANGUAGE plpgsql AS $$
      DECLARE
        active integer;
        ids integer[];
      BEGIN
        PERFORM pg_advisory_xact_lock(74201, p_org);
        SELECT count(*) INTO active FROM orchestration.jobs
          WHERE organization_id = p_org AND status IN ('pending', 'running') AND admitted_at IS NOT NULL;
        IF active >= p_limit THEN RETURN '{}'; END IF;
        WITH admitted AS (
          UPDATE orchestration.jobs SET admitted_at = now() WHERE id IN (
            SELECT id FROM orchestration.jobs WHERE organization_id = p_org AND status = 'pending' AND admitted_at IS NULL
            ORDER BY id LIMIT p_limit - active)
          RETURNING id)
        SELECT coalesce(array_agg(id ORDER BY id), '{}') INTO ids FROM admitted;
        RETURN ids;
      END $$`);
    // create_job: the Idempotency-Key check, the job, the key, and admission, atomically. Returns
    // {"replayed": id} (same key, same body), {"conflict": true} (same key, other body), or
    // {"job": <row>, "admitted": [ids]}. A key inserted concurrently raises 'idempotency_key_raced'.
    await q.query(`
      CREATE FUNCTION "orchestration"."create_job"(
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
    // finish_job: the one terminal transition of a running job by the worker holding it, then
    // admission of the organization's next waiting jobs. NULL when the worker no longer holds it.
    await q.query(`
      CREATE FUNCTION "orchestration"."finish_job"(
        p_job integer, p_worker text, p_status text, p_result jsonb, p_error jsonb, p_progress integer, p_dead_letter text, p_limit integer)
      RETURNS integer[] LANGUAGE plpgsql AS $$
      DECLARE
        org integer;
      BEGIN
        UPDATE orchestration.jobs SET status = p_status, result = p_result, error = p_error, progress = p_progress,
            dead_letter_reason = p_dead_letter, finished_at = now(), lease_until = NULL, updated_at = now()
          WHERE id = p_job AND worker = p_worker AND status = 'running'
          RETURNING organization_id INTO org;
        IF org IS NULL THEN RETURN NULL; END IF;
        RETURN orchestration.admit_jobs(org, p_limit);
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const fn of ['finish_job(integer, text, text, jsonb, jsonb, integer, text, integer)', 'create_job(text, integer, integer, integer, integer, jsonb, jsonb, integer, jsonb, text, text, integer, integer)', 'admit_jobs(integer, integer)']) {
      await q.query(`DROP FUNCTION IF EXISTS "orchestration".${fn}`);
    }
    for (const table of ['idempotency_keys', 'job_usage', 'job_nodes', 'jobs', 'presets', 'workflows']) {
      await q.query(`DROP TABLE IF EXISTS "orchestration"."${table}"`);
    }
  }
}
