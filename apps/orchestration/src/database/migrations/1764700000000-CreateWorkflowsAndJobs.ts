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
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['idempotency_keys', 'job_usage', 'job_nodes', 'jobs', 'presets', 'workflows']) {
      await q.query(`DROP TABLE IF EXISTS "orchestration"."${table}"`);
    }
  }
}
