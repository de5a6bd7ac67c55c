import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateProxySchema1764600000100 implements MigrationInterface {
  name = 'CreateProxySchema1764600000100';

  async up(q: QueryRunner): Promise<void> {
    // One row per proxied cluster request, written in batches off the request path.
    await q.query(`
      CREATE TABLE "proxy"."proxy_logs" (
        "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
        "cluster_id" integer NOT NULL,
        "organization_id" integer NOT NULL,
        "user_id" integer NOT NULL,
        "token_id" integer,
        "method" varchar(16) NOT NULL,
        "path" varchar(4096) NOT NULL,
        "status" smallint NOT NULL,
        "bytes_in" bigint NOT NULL DEFAULT 0,
        "bytes_out" bigint NOT NULL DEFAULT 0,
        "duration_ms" integer NOT NULL,
        "request_id" varchar(128) NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_proxy_logs" PRIMARY KEY ("id"),
        CONSTRAINT "ck_proxy_logs_status" CHECK ("status" BETWEEN 100 AND 599)
      )`);
    await q.query(`CREATE INDEX "ix_proxy_logs_cluster_created" ON "proxy"."proxy_logs" ("cluster_id", "created_at" DESC, "id" DESC)`);

    await q.query(`
      CREATE TABLE "proxy"."connectors" (
        "id" integer GENERATED ALWAYS AS IDENTITY NOT NULL,
        "name" varchar(200) NOT NULL,
        "slug" varchar(100) NOT NULL,
        "description" text,
        "base_url" varchar(2048) NOT NULL,
        "auth_type" varchar(20) NOT NULL,
        "auth_name" varchar(100),
        "secret_sealed" text,
        "visibility" varchar(20) NOT NULL DEFAULT 'public',
        "organization_ids" integer[] NOT NULL DEFAULT '{}',
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_connectors" PRIMARY KEY ("id"),
        CONSTRAINT "uq_connectors_slug" UNIQUE ("slug"),
        CONSTRAINT "ck_connectors_slug" CHECK ("slug" ~ '^[a-z0-9_-]+$'),
        CONSTRAINT "ck_connectors_base_url" CHECK ("base_url" ~ '^https?://'),
        CONSTRAINT "ck_connectors_auth_type" CHECK ("auth_type" IN ('header', 'query', 'bearer')),
        CONSTRAINT "ck_connectors_auth_name" CHECK (("auth_type" = 'bearer') = ("auth_name" IS NULL)),
        CONSTRAINT "ck_connectors_visibility" CHECK ("visibility" IN ('public', 'organizations'))
      )`);
    await q.query(`CREATE INDEX "ix_connectors_organization_ids" ON "proxy"."connectors" USING gin ("organization_ids")`);

    await q.query(`
      CREATE TABLE "proxy"."endpoints" (
        "id" integer GENERATED ALWAYS AS IDENTITY NOT NULL,
        "connector_id" integer NOT NULL,
        "operation_id" varchar(100) NOT NULL,
        "description" text,
        "method" varchar(10) NOT NULL,
        "path" varchar(500) NOT NULL,
        "unit_price_cents" integer NOT NULL,
        "billing_mode" varchar(20) NOT NULL,
        "billing_units" integer,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_endpoints" PRIMARY KEY ("id"),
        CONSTRAINT "fk_endpoints_connector" FOREIGN KEY ("connector_id") REFERENCES "proxy"."connectors" ("id") ON DELETE CASCADE,
        CONSTRAINT "uq_endpoints_connector_operation" UNIQUE ("connector_id", "operation_id"),
        CONSTRAINT "ck_endpoints_method" CHECK ("method" IN ('GET', 'POST', 'PUT', 'PATCH', 'DELETE')),
        CONSTRAINT "ck_endpoints_path" CHECK ("path" ~ '^/'),
        CONSTRAINT "ck_endpoints_price" CHECK ("unit_price_cents" >= 0),
        CONSTRAINT "ck_endpoints_billing" CHECK (
          ("billing_mode" = 'fixed' AND "billing_units" IS NOT NULL AND "billing_units" >= 0)
          OR ("billing_mode" = 'upstream' AND "billing_units" IS NULL))
      )`);

    // One row per external-API call, written before the caller gets the last byte of a billed answer.
    // No foreign keys: usage outlives connectors and endpoints (operation_id and the price are copied).
    await q.query(`
      CREATE TABLE "proxy"."usage_records" (
        "id" uuid NOT NULL,
        "organization_id" integer NOT NULL,
        "user_id" integer NOT NULL,
        "token_id" integer,
        "job_id" integer,
        "connector_id" integer NOT NULL,
        "endpoint_id" integer NOT NULL,
        "operation_id" varchar(100) NOT NULL,
        "request_id" varchar(128) NOT NULL,
        "status" smallint NOT NULL,
        "outcome" varchar(30) NOT NULL,
        "units" integer NOT NULL,
        "unit_price_cents" integer NOT NULL,
        "cost_cents" bigint NOT NULL,
        "bytes_in" bigint NOT NULL DEFAULT 0,
        "bytes_out" bigint NOT NULL DEFAULT 0,
        "duration_ms" integer NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_usage_records" PRIMARY KEY ("id"),
        CONSTRAINT "ck_usage_records_units" CHECK ("units" >= 0 AND "cost_cents" >= 0),
        CONSTRAINT "ck_usage_records_billed" CHECK ("outcome" = 'completed' OR "units" = 0)
      )`);
    await q.query(`CREATE INDEX "ix_usage_records_organization_created" ON "proxy"."usage_records" ("organization_id", "created_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "proxy"."usage_records"`);
    await q.query(`DROP TABLE "proxy"."endpoints"`);
    await q.query(`DROP TABLE "proxy"."connectors"`);
    await q.query(`DROP TABLE "proxy"."proxy_logs"`);
  }
}
