import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateIdentity1764500000000 implements MigrationInterface {
  name = 'CreateIdentity1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "auth"."organizations" (
        "id" integer GENERATED ALWAYS AS IDENTITY NOT NULL,
        "name" varchar(200) NOT NULL,
        "slug" varchar(100) NOT NULL,
        "created_by" integer,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_organizations" PRIMARY KEY ("id"),
        CONSTRAINT "uq_organizations_slug" UNIQUE ("slug"),
        CONSTRAINT "ck_organizations_slug" CHECK ("slug" ~ '^[a-z0-9_-]+$'),
        CONSTRAINT "ck_organizations_name" CHECK (length(btrim("name")) > 0)
      )`);
    await q.query(`
      CREATE TABLE "auth"."users" (
        "id" integer GENERATED ALWAYS AS IDENTITY NOT NULL,
        "email" varchar(320),
        "first_name" varchar(100),
        "last_name" varchar(100),
        "oidc_issuer" varchar(500),
        "oidc_subject" varchar(255),
        "current_organization_id" integer,
        "is_platform_admin" boolean NOT NULL DEFAULT false,
        "status" varchar(20) NOT NULL DEFAULT 'active',
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_users" PRIMARY KEY ("id"),
        CONSTRAINT "ck_users_status" CHECK ("status" IN ('active', 'deactivated')),
        CONSTRAINT "uq_users_oidc" UNIQUE ("oidc_issuer", "oidc_subject"),
        CONSTRAINT "fk_users_current_organization" FOREIGN KEY ("current_organization_id")
          REFERENCES "auth"."organizations" ("id") ON DELETE SET NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX "uq_users_email_lower" ON "auth"."users" (lower("email"))`);
    await q.query(`
      ALTER TABLE "auth"."organizations" ADD CONSTRAINT "fk_organizations_created_by"
        FOREIGN KEY ("created_by") REFERENCES "auth"."users" ("id") ON DELETE SET NULL`);
    await q.query(`
      CREATE TABLE "auth"."memberships" (
        "id" integer GENERATED ALWAYS AS IDENTITY NOT NULL,
        "organization_id" integer NOT NULL,
        "user_id" integer NOT NULL,
        "role" varchar(20) NOT NULL,
        "status" varchar(20) NOT NULL DEFAULT 'active',
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_memberships" PRIMARY KEY ("id"),
        CONSTRAINT "uq_memberships_organization_user" UNIQUE ("organization_id", "user_id"),
        CONSTRAINT "ck_memberships_role" CHECK ("role" IN ('owner', 'admin', 'writer', 'viewer', 'client')),
        CONSTRAINT "ck_memberships_status" CHECK ("status" IN ('active', 'deactivated')),
        CONSTRAINT "fk_memberships_organization" FOREIGN KEY ("organization_id")
          REFERENCES "auth"."organizations" ("id") ON DELETE CASCADE,
        CONSTRAINT "fk_memberships_user" FOREIGN KEY ("user_id") REFERENCES "auth"."users" ("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "ix_memberships_user" ON "auth"."memberships" ("user_id")`);
    await q.query(`
      CREATE TABLE "auth"."access_tokens" (
        "id" integer GENERATED ALWAYS AS IDENTITY NOT NULL,
        "user_id" integer NOT NULL,
        "organization_id" integer,
        "name" varchar(100) NOT NULL,
        "token_hash" char(64) NOT NULL,
        "last_four" char(4) NOT NULL,
        "abilities" varchar(20)[] NOT NULL,
        "expires_at" timestamptz,
        "last_used_at" timestamptz,
        "revoked_at" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_access_tokens" PRIMARY KEY ("id"),
        CONSTRAINT "uq_access_tokens_hash" UNIQUE ("token_hash"),
        CONSTRAINT "ck_access_tokens_abilities" CHECK ("abilities" <@ ARRAY['read', 'write']::varchar[] AND cardinality("abilities") > 0),
        CONSTRAINT "fk_access_tokens_user" FOREIGN KEY ("user_id") REFERENCES "auth"."users" ("id") ON DELETE CASCADE,
        CONSTRAINT "fk_access_tokens_organization" FOREIGN KEY ("organization_id")
          REFERENCES "auth"."organizations" ("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "ix_access_tokens_user" ON "auth"."access_tokens" ("user_id") WHERE "revoked_at" IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "auth"."access_tokens"`);
    await q.query(`DROP TABLE "auth"."memberships"`);
    await q.query(`ALTER TABLE "auth"."organizations" DROP CONSTRAINT "fk_organizations_created_by"`);
    await q.query(`DROP TABLE "auth"."users"`);
    await q.query(`DROP TABLE "auth"."organizations"`);
  }
}
