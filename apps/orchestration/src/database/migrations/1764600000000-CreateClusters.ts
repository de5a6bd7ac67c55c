import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateClusters1764600000000 implements MigrationInterface {
  name = 'CreateClusters1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "orchestration"."clusters" (
        "id" integer GENERATED ALWAYS AS IDENTITY NOT NULL,
        "organization_id" integer NOT NULL,
        "created_by" integer,
        "name" varchar(200) NOT NULL,
        "slug" varchar(100) NOT NULL,
        "description" text,
        "base_url" varchar(2048) NOT NULL,
        "region" varchar(100),
        "health_path" varchar(500) NOT NULL DEFAULT '/health',
        "credential_sealed" text,
        "shared_with_organization_ids" integer[] NOT NULL DEFAULT '{}',
        "suspended" boolean NOT NULL DEFAULT false,
        "health_status" varchar(20) NOT NULL DEFAULT 'pending',
        "last_seen_at" timestamptz,
        "last_checked_at" timestamptz,
        "next_check_at" timestamptz NOT NULL DEFAULT now(),
        "last_check_error" varchar(500),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_clusters" PRIMARY KEY ("id"),
        CONSTRAINT "uq_clusters_organization_slug" UNIQUE ("organization_id", "slug"),
        CONSTRAINT "ck_clusters_slug" CHECK ("slug" ~ '^[a-z0-9_-]+$'),
        CONSTRAINT "ck_clusters_name" CHECK (length(btrim("name")) > 0),
        CONSTRAINT "ck_clusters_base_url" CHECK ("base_url" ~ '^https?://'),
        CONSTRAINT "ck_clusters_health_path" CHECK ("health_path" ~ '^/'),
        CONSTRAINT "ck_clusters_health_status" CHECK ("health_status" IN ('pending', 'online', 'offline'))
      )`);
    // Visibility: owned (organization_id) or shared (array containment, GIN).
    await q.query(`CREATE INDEX "ix_clusters_shared_with" ON "orchestration"."clusters" USING gin ("shared_with_organization_ids")`);
    await q.query(`CREATE INDEX "ix_clusters_name_lower" ON "orchestration"."clusters" (lower("name"))`);
    // The health loop claims the clusters whose check is due.
    await q.query(`CREATE INDEX "ix_clusters_next_check_at" ON "orchestration"."clusters" ("next_check_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "orchestration"."clusters"`);
  }
}
