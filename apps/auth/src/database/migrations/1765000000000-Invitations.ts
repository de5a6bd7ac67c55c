import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Invitations replace direct member adds (issue 7.1): a pending invitation keyed by the email or user
 * id as sent (no FK to users: that person may not exist), managed accounts (`user_type`), whether a
 * user's email is verified (only then do invitations to that email reach them), and the per-bucket
 * counters that rate-limit invitations and managed-account creation.
 */
export class Invitations1765000000000 implements MigrationInterface {
  name = 'Invitations1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE "auth"."users"
        ADD COLUMN "user_type" varchar(20) NOT NULL DEFAULT 'human',
        ADD COLUMN "email_verified" boolean NOT NULL DEFAULT false,
        ADD CONSTRAINT "ck_users_user_type" CHECK ("user_type" IN ('human', 'service'))`);
    // Users without an OIDC subject were made by operators (CLI) or invited by email (linked at first
    // sign-in only when the provider vouches for the email): their email is known. OIDC users get the
    // flag from their provider's claims at their next sign-in.
    await q.query(`UPDATE "auth"."users" SET "email_verified" = true WHERE "oidc_subject" IS NULL AND "email" IS NOT NULL`);
    await q.query(`
      CREATE TABLE "auth"."invitations" (
        "id" integer GENERATED ALWAYS AS IDENTITY NOT NULL,
        "organization_id" integer NOT NULL,
        "email" varchar(320),
        "user_id" integer,
        "role" varchar(20) NOT NULL,
        "status" varchar(20) NOT NULL DEFAULT 'invited',
        "invited_by" integer,
        "expires_at" timestamptz NOT NULL,
        "closed_at" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_invitations" PRIMARY KEY ("id"),
        CONSTRAINT "ck_invitations_target" CHECK (("email" IS NULL) <> ("user_id" IS NULL)),
        CONSTRAINT "ck_invitations_email_lower" CHECK ("email" = lower("email")),
        CONSTRAINT "ck_invitations_role" CHECK ("role" IN ('owner', 'admin', 'writer', 'viewer', 'client')),
        CONSTRAINT "ck_invitations_status" CHECK ("status" IN ('invited', 'accepted', 'declined', 'revoked')),
        CONSTRAINT "fk_invitations_organization" FOREIGN KEY ("organization_id")
          REFERENCES "auth"."organizations" ("id") ON DELETE CASCADE,
        CONSTRAINT "fk_invitations_invited_by" FOREIGN KEY ("invited_by") REFERENCES "auth"."users" ("id") ON DELETE SET NULL
      )`);
    await q.query(`CREATE INDEX "ix_invitations_organization" ON "auth"."invitations" ("organization_id", "created_at")`);
    // One pending invitation per organization and addressee: inviting again refreshes it.
    await q.query(`
      CREATE UNIQUE INDEX "uq_invitations_pending_email" ON "auth"."invitations" ("email", "organization_id")
        WHERE "status" = 'invited' AND "email" IS NOT NULL`);
    await q.query(`
      CREATE UNIQUE INDEX "uq_invitations_pending_user" ON "auth"."invitations" ("user_id", "organization_id")
        WHERE "status" = 'invited' AND "user_id" IS NOT NULL`);
    await q.query(`
      CREATE TABLE "auth"."rate_limit_windows" (
        "bucket" varchar(100) NOT NULL,
        "window_start" timestamptz NOT NULL,
        "count" integer NOT NULL DEFAULT 0,
        CONSTRAINT "pk_rate_limit_windows" PRIMARY KEY ("bucket", "window_start"),
        CONSTRAINT "ck_rate_limit_windows_count" CHECK ("count" >= 0)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "auth"."rate_limit_windows"`);
    await q.query(`DROP TABLE "auth"."invitations"`);
    await q.query(`
      ALTER TABLE "auth"."users"
        DROP CONSTRAINT "ck_users_user_type",
        DROP COLUMN "email_verified",
        DROP COLUMN "user_type"`);
  }
}
