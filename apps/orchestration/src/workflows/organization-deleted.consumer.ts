import { AUTH_EVENTS_STREAM, AuthEvents } from '@alien/contracts';
import { EventBus } from '@alien/nest-service';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { JobBus } from '../queue/job-bus';
import { Sql } from '../shared/sql';

/** Durable consumer name, apart from the clusters' one so each acknowledges its own work. */
export const WORKFLOWS_ORGANIZATION_DELETED_CONSUMER = 'orchestration-workflows-organization-deleted';

const W = '"orchestration"."workflows"';
const J = '"orchestration"."jobs"';

/**
 * Deleting an organization (auth) removes its workflows (their presets and every job on them go
 * with them by foreign key), its jobs on other organizations' public workflows and its idempotency
 * keys. Jobs still pending or running are asked to stop first; a worker whose job row is gone loses
 * its lease and ends without writing. Billing rows (`job_usage`) stay: they outlive jobs and
 * workflows by design and hold no content.
 */
@Injectable()
export class WorkflowsOrganizationDeletedConsumer implements OnApplicationBootstrap {
  constructor(
    private readonly events: EventBus,
    private readonly sql: Sql,
    private readonly bus: JobBus,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(WorkflowsOrganizationDeletedConsumer.name);
  }

  onApplicationBootstrap(): void {
    this.events.consumeWhenAvailable({
      stream: AUTH_EVENTS_STREAM,
      event: AuthEvents.organizationDeleted,
      durable: WORKFLOWS_ORGANIZATION_DELETED_CONSUMER,
      handle: async ({ organizationId }) => {
        const result = await this.removeOrganization(organizationId);
        this.logger.info({ organizationId, ...result }, 'organization deleted: its workflows and jobs removed');
      },
    });
  }

  async removeOrganization(organizationId: number): Promise<{ workflows: number; jobs: number; stopped: number }> {
    const { workflows, jobs, active } = await this.sql.tx(async (q) => {
      const running = await q<{ id: number }>(
        `SELECT id FROM ${J}
          WHERE status IN ('pending', 'running')
            AND (organization_id = $1 OR workflow_id IN (SELECT id FROM ${W} WHERE organization_id = $1))`,
        [organizationId],
      );
      const deletedJobs = await q<{ id: number }>(`DELETE FROM ${J} WHERE organization_id = $1 RETURNING id`, [organizationId]);
      const deletedWorkflows = await q<{ id: number }>(`DELETE FROM ${W} WHERE organization_id = $1 RETURNING id`, [organizationId]);
      await q(`DELETE FROM "orchestration"."idempotency_keys" WHERE organization_id = $1`, [organizationId]);
      return { workflows: deletedWorkflows.length, jobs: deletedJobs.length, active: running.map((r) => r.id) };
    });
    for (const id of active) this.bus.requestCancel(id);
    return { workflows, jobs, stopped: active.length };
  }
}
