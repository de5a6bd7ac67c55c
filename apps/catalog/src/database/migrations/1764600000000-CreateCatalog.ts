import { MigrationInterface, QueryRunner } from 'typeorm';

const VISIBILITY = `IN ('public', 'private')`;

/**
 * Datasets (with tags, full-text search and an entry counter), entries and the storage objects they
 * point at, collections, AI models with their sealed credentials and the audit of credential reads.
 * Organizations, users and clusters belong to other services: their ids are plain integers here.
 */
export class CreateCatalog1764600000000 implements MigrationInterface {
  name = 'CreateCatalog1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "catalog"."datasets" (
        "id" integer GENERATED ALWAYS AS IDENTITY NOT NULL,
        "organization_id" integer NOT NULL,
        "cluster_id" integer NOT NULL,
        "name" varchar(200) NOT NULL,
        "slug" varchar(100) NOT NULL,
        "description" text,
        "type" varchar(16) NOT NULL,
        "schema_fields" jsonb NOT NULL DEFAULT '{}',
        "schema_version" integer NOT NULL DEFAULT 1,
        "pipeline" jsonb NOT NULL DEFAULT '{}',
        "visibility" varchar(16) NOT NULL DEFAULT 'private',
        "license_id" integer,
        "provider_id" integer,
        "source_id" integer,
        "access_price" integer NOT NULL DEFAULT 0,
        "entry_count" integer NOT NULL DEFAULT 0,
        "created_by" integer,
        "search" tsvector GENERATED ALWAYS AS (
          setweight(to_tsvector('english'::regconfig, "name"), 'A') ||
          setweight(to_tsvector('english'::regconfig, coalesce("description", '')), 'B')
        ) STORED,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_datasets" PRIMARY KEY ("id"),
        CONSTRAINT "uq_datasets_cluster_slug" UNIQUE ("cluster_id", "slug"),
        CONSTRAINT "ck_datasets_slug" CHECK ("slug" ~ '^[a-z0-9_-]+$'),
        CONSTRAINT "ck_datasets_name" CHECK (length(btrim("name")) > 0),
        CONSTRAINT "ck_datasets_type" CHECK ("type" IN ('text', 'audio', 'voice', 'images')),
        CONSTRAINT "ck_datasets_visibility" CHECK ("visibility" ${VISIBILITY}),
        CONSTRAINT "ck_datasets_access_price" CHECK ("access_price" >= 0),
        CONSTRAINT "ck_datasets_schema_version" CHECK ("schema_version" >= 1),
        CONSTRAINT "ck_datasets_schema_fields" CHECK (jsonb_typeof("schema_fields") = 'object'),
        CONSTRAINT "ck_datasets_pipeline" CHECK (jsonb_typeof("pipeline") = 'object'),
        CONSTRAINT "ck_datasets_entry_count" CHECK ("entry_count" >= 0),
        CONSTRAINT "fk_datasets_license" FOREIGN KEY ("license_id") REFERENCES "catalog"."licenses" ("id") ON DELETE SET NULL,
        CONSTRAINT "fk_datasets_provider" FOREIGN KEY ("provider_id") REFERENCES "catalog"."providers" ("id") ON DELETE SET NULL,
        CONSTRAINT "fk_datasets_source" FOREIGN KEY ("source_id") REFERENCES "catalog"."sources" ("id") ON DELETE SET NULL
      )`);
    await q.query(`CREATE INDEX "ix_datasets_search" ON "catalog"."datasets" USING gin ("search")`);
    await q.query(`CREATE INDEX "ix_datasets_organization" ON "catalog"."datasets" ("organization_id")`);
    await q.query(`CREATE INDEX "ix_datasets_slug" ON "catalog"."datasets" ("slug")`);
    await q.query(`CREATE INDEX "ix_datasets_name" ON "catalog"."datasets" ("name", "id")`);
    await q.query(`CREATE INDEX "ix_datasets_created_at" ON "catalog"."datasets" ("created_at", "id")`);
    await q.query(`CREATE INDEX "ix_datasets_updated_at" ON "catalog"."datasets" ("updated_at", "id")`);
    await q.query(`CREATE INDEX "ix_datasets_license" ON "catalog"."datasets" ("license_id")`);
    await q.query(`CREATE INDEX "ix_datasets_provider" ON "catalog"."datasets" ("provider_id")`);
    await q.query(`CREATE INDEX "ix_datasets_source" ON "catalog"."datasets" ("source_id")`);

    await q.query(`
      CREATE TABLE "catalog"."dataset_tags" (
        "dataset_id" integer NOT NULL,
        "tag_id" integer NOT NULL,
        CONSTRAINT "pk_dataset_tags" PRIMARY KEY ("dataset_id", "tag_id"),
        CONSTRAINT "fk_dataset_tags_dataset" FOREIGN KEY ("dataset_id") REFERENCES "catalog"."datasets" ("id") ON DELETE CASCADE,
        CONSTRAINT "fk_dataset_tags_tag" FOREIGN KEY ("tag_id") REFERENCES "catalog"."tags" ("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "ix_dataset_tags_tag" ON "catalog"."dataset_tags" ("tag_id")`);

    // An entry is pending exactly while it has no stored object; the object id is ours, never the key.
    await q.query(`
      CREATE TABLE "catalog"."entries" (
        "id" integer GENERATED ALWAYS AS IDENTITY NOT NULL,
        "dataset_id" integer NOT NULL,
        "key" varchar(1024) NOT NULL,
        "content_type" varchar(255),
        "size" bigint,
        "sha256" char(64),
        "metadata" jsonb NOT NULL DEFAULT '{}',
        "status" varchar(16) NOT NULL DEFAULT 'pending',
        "schema_version" integer NOT NULL,
        "object_id" uuid,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_entries" PRIMARY KEY ("id"),
        CONSTRAINT "uq_entries_dataset_key" UNIQUE ("dataset_id", "key"),
        CONSTRAINT "uq_entries_object" UNIQUE ("object_id"),
        CONSTRAINT "ck_entries_status" CHECK ("status" IN ('pending', 'uploaded', 'processing', 'ready', 'failed')),
        CONSTRAINT "ck_entries_file" CHECK (("object_id" IS NULL) = ("status" = 'pending')),
        CONSTRAINT "ck_entries_size" CHECK ("size" IS NULL OR "size" >= 0),
        CONSTRAINT "ck_entries_sha256" CHECK ("sha256" IS NULL OR "sha256" ~ '^[0-9a-f]{64}$'),
        CONSTRAINT "ck_entries_metadata" CHECK (jsonb_typeof("metadata") = 'object'),
        CONSTRAINT "fk_entries_dataset" FOREIGN KEY ("dataset_id") REFERENCES "catalog"."datasets" ("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "ix_entries_dataset_status" ON "catalog"."entries" ("dataset_id", "status")`);
    await q.query(`CREATE INDEX "ix_entries_dataset_created_at" ON "catalog"."entries" ("dataset_id", "created_at", "id")`);
    // entry_count follows inserts and deletes in the same transaction, whoever makes them.
    await q.query(`
      CREATE FUNCTION "catalog"."count_entries"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          UPDATE "catalog"."datasets" SET "entry_count" = "entry_count" + 1 WHERE "id" = NEW."dataset_id";
        ELSE
          UPDATE "catalog"."datasets" SET "entry_count" = "entry_count" - 1 WHERE "id" = OLD."dataset_id";
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER "tr_entries_count" AFTER INSERT OR DELETE ON "catalog"."entries"
      FOR EACH ROW EXECUTE FUNCTION "catalog"."count_entries"()`);

    // Objects to delete from storage: written in the transaction that drops their last reference (or
    // before an upload starts, as a lease), removed once the object is gone. A sweeper retries.
    await q.query(`
      CREATE TABLE "catalog"."storage_garbage" (
        "object_id" uuid NOT NULL,
        "delete_after" timestamptz NOT NULL,
        "reason" varchar(16) NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_storage_garbage" PRIMARY KEY ("object_id"),
        CONSTRAINT "ck_storage_garbage_reason" CHECK ("reason" IN ('upload', 'replaced', 'deleted'))
      )`);
    await q.query(`CREATE INDEX "ix_storage_garbage_due" ON "catalog"."storage_garbage" ("delete_after")`);

    await q.query(`
      CREATE TABLE "catalog"."collections" (
        "id" integer GENERATED ALWAYS AS IDENTITY NOT NULL,
        "organization_id" integer NOT NULL,
        "name" varchar(200) NOT NULL,
        "slug" varchar(100) NOT NULL,
        "description" text,
        "visibility" varchar(16) NOT NULL DEFAULT 'private',
        "created_by" integer,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_collections" PRIMARY KEY ("id"),
        CONSTRAINT "uq_collections_organization_slug" UNIQUE ("organization_id", "slug"),
        CONSTRAINT "ck_collections_slug" CHECK ("slug" ~ '^[a-z0-9_-]+$'),
        CONSTRAINT "ck_collections_name" CHECK (length(btrim("name")) > 0),
        CONSTRAINT "ck_collections_visibility" CHECK ("visibility" ${VISIBILITY})
      )`);
    await q.query(`CREATE INDEX "ix_collections_slug" ON "catalog"."collections" ("slug")`);
    await q.query(`
      CREATE TABLE "catalog"."collection_datasets" (
        "collection_id" integer NOT NULL,
        "dataset_id" integer NOT NULL,
        "added_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_collection_datasets" PRIMARY KEY ("collection_id", "dataset_id"),
        CONSTRAINT "fk_collection_datasets_collection" FOREIGN KEY ("collection_id") REFERENCES "catalog"."collections" ("id") ON DELETE CASCADE,
        CONSTRAINT "fk_collection_datasets_dataset" FOREIGN KEY ("dataset_id") REFERENCES "catalog"."datasets" ("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "ix_collection_datasets_dataset" ON "catalog"."collection_datasets" ("dataset_id")`);

    await q.query(`
      CREATE TABLE "catalog"."ai_models" (
        "id" integer GENERATED ALWAYS AS IDENTITY NOT NULL,
        "organization_id" integer,
        "name" varchar(200) NOT NULL,
        "slug" varchar(100) NOT NULL,
        "description" text,
        "version" varchar(100),
        "model_type" varchar(16) NOT NULL,
        "provider_id" integer,
        "api_url" varchar(2048) NOT NULL,
        "pricing_type" varchar(16) NOT NULL,
        "price_per_input_token" numeric(24, 12),
        "price_per_output_token" numeric(24, 12),
        "context_window" integer,
        "visibility" varchar(16) NOT NULL DEFAULT 'private',
        "created_by" integer,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_ai_models" PRIMARY KEY ("id"),
        CONSTRAINT "ck_ai_models_slug" CHECK ("slug" ~ '^[a-z0-9_-]+$'),
        CONSTRAINT "ck_ai_models_name" CHECK (length(btrim("name")) > 0),
        CONSTRAINT "ck_ai_models_model_type" CHECK ("model_type" IN ('llm', 'embedding', 'reranker', 'tts', 'stt', 'ocr', 'vision')),
        CONSTRAINT "ck_ai_models_pricing_type" CHECK ("pricing_type" IN ('per_token', 'per_request', 'free')),
        CONSTRAINT "ck_ai_models_prices" CHECK (coalesce("price_per_input_token", 0) >= 0 AND coalesce("price_per_output_token", 0) >= 0),
        CONSTRAINT "ck_ai_models_context_window" CHECK ("context_window" IS NULL OR "context_window" > 0),
        CONSTRAINT "ck_ai_models_visibility" CHECK ("visibility" ${VISIBILITY}),
        CONSTRAINT "fk_ai_models_provider" FOREIGN KEY ("provider_id") REFERENCES "catalog"."providers" ("id") ON DELETE SET NULL
      )`);
    // A slug is unique per owner: the platform (organization_id NULL → 0) or one organization.
    await q.query(`CREATE UNIQUE INDEX "uq_ai_models_owner_slug" ON "catalog"."ai_models" (coalesce("organization_id", 0), "slug")`);
    await q.query(`CREATE INDEX "ix_ai_models_organization" ON "catalog"."ai_models" ("organization_id")`);
    await q.query(`CREATE INDEX "ix_ai_models_slug" ON "catalog"."ai_models" ("slug")`);
    await q.query(`CREATE INDEX "ix_ai_models_provider" ON "catalog"."ai_models" ("provider_id")`);
    await q.query(`
      CREATE TABLE "catalog"."ai_model_tags" (
        "model_id" integer NOT NULL,
        "tag_id" integer NOT NULL,
        CONSTRAINT "pk_ai_model_tags" PRIMARY KEY ("model_id", "tag_id"),
        CONSTRAINT "fk_ai_model_tags_model" FOREIGN KEY ("model_id") REFERENCES "catalog"."ai_models" ("id") ON DELETE CASCADE,
        CONSTRAINT "fk_ai_model_tags_tag" FOREIGN KEY ("tag_id") REFERENCES "catalog"."tags" ("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "ix_ai_model_tags_tag" ON "catalog"."ai_model_tags" ("tag_id")`);
    // The API key sealed with AES-256-GCM (libs/shared/secrets), bound to its model (`ai-model:<id>`).
    await q.query(`
      CREATE TABLE "catalog"."ai_model_credentials" (
        "model_id" integer NOT NULL,
        "sealed_api_key" text NOT NULL,
        "key_id" varchar(32) NOT NULL,
        "expires_at" timestamptz,
        "created_by" integer,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_ai_model_credentials" PRIMARY KEY ("model_id"),
        CONSTRAINT "fk_ai_model_credentials_model" FOREIGN KEY ("model_id") REFERENCES "catalog"."ai_models" ("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "ix_ai_model_credentials_key" ON "catalog"."ai_model_credentials" ("key_id")`);
    await q.query(`
      CREATE TABLE "catalog"."ai_model_credential_reads" (
        "id" integer GENERATED ALWAYS AS IDENTITY NOT NULL,
        "model_id" integer NOT NULL,
        "user_id" integer,
        "organization_id" integer,
        "token_id" integer,
        "via" varchar(8) NOT NULL,
        "request_id" varchar(128),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_ai_model_credential_reads" PRIMARY KEY ("id"),
        CONSTRAINT "ck_ai_model_credential_reads_via" CHECK ("via" IN ('http', 'worker')),
        CONSTRAINT "fk_ai_model_credential_reads_model" FOREIGN KEY ("model_id") REFERENCES "catalog"."ai_models" ("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "ix_ai_model_credential_reads_model" ON "catalog"."ai_model_credential_reads" ("model_id", "created_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'ai_model_credential_reads',
      'ai_model_credentials',
      'ai_model_tags',
      'ai_models',
      'collection_datasets',
      'collections',
      'storage_garbage',
      'entries',
      'dataset_tags',
      'datasets',
    ]) {
      await q.query(`DROP TABLE "catalog"."${table}"`);
    }
    await q.query(`DROP FUNCTION "catalog"."count_entries"()`);
  }
}
