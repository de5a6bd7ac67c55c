import { MigrationInterface, QueryRunner } from 'typeorm';

const LISTS = ['tags', 'providers', 'licenses', 'sources'] as const;

export class CreateReferenceLists1764400000000 implements MigrationInterface {
  name = 'CreateReferenceLists1764400000000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of LISTS) {
      await q.query(`
        CREATE TABLE "catalog"."${table}" (
          "id" integer GENERATED ALWAYS AS IDENTITY NOT NULL,
          "name" varchar(200) NOT NULL,
          "slug" varchar(100) NOT NULL,
          "description" text,
          "url" varchar(2048),
          ${table === 'licenses' ? '"spdx_id" varchar(100),' : ''}
          "created_at" timestamptz NOT NULL DEFAULT now(),
          "updated_at" timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT "pk_${table}" PRIMARY KEY ("id"),
          CONSTRAINT "uq_${table}_slug" UNIQUE ("slug"),
          CONSTRAINT "ck_${table}_slug" CHECK ("slug" ~ '^[a-z0-9_-]+$'),
          CONSTRAINT "ck_${table}_name" CHECK (length(btrim("name")) > 0)
        )`);
      await q.query(`CREATE INDEX "ix_${table}_name_lower" ON "catalog"."${table}" (lower("name"))`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [...LISTS].reverse()) {
      await q.query(`DROP TABLE "catalog"."${table}"`);
    }
  }
}
