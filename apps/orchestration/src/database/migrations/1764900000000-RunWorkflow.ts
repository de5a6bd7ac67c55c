import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * run_workflow: a run of a saved workflow as it is (no graph override, no preset) in one round trip —
 * the workflow the caller's organization may see (its own or a public one), then create_job with its
 * graph snapshot. Returns {"notFound": true} when the caller may not see it, else what create_job
 * returns.
 */
export class RunWorkflow1764900000000 implements MigrationInterface {
  name = 'RunWorkflow1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION "orchestration"."run_workflow"(
        p_workflow integer, p_org integer, p_user integer, p_slug_suffix text, p_input jsonb, p_identity jsonb,
        p_key text, p_hash text, p_key_ttl_sec integer, p_limit integer)
      RETURNS jsonb LANGUAGE plpgsql AS $$
      DECLARE
        w record;
      BEGIN
        SELECT id, slug, nodes, edges, graph_version INTO w FROM orchestration.workflows
          WHERE id = p_workflow AND (is_public OR organization_id = p_org);
        IF NOT FOUND THEN RETURN jsonb_build_object('notFound', true); END IF;
        RETURN orchestration.create_job(left('job-' || w.slug || '-' || p_slug_suffix, 200), p_org, p_user, w.id, w.graph_version,
          jsonb_build_object('nodes', w.nodes, 'edges', w.edges), p_input, NULL, p_identity, p_key, p_hash, p_key_ttl_sec, p_limit);
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS "orchestration".run_workflow(integer, integer, integer, text, jsonb, jsonb, text, text, integer, integer)`);
  }
}
