import { AUTH_EVENTS_STREAM, AuthEvents } from '@alien/contracts';
import { EventBus } from '@alien/nest-service';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { ClustersService } from './clusters.service';

/** Durable consumer name: one per reacting service and event, shared by the replicas. */
export const ORGANIZATION_DELETED_CONSUMER = 'orchestration-organization-deleted';

/**
 * Deleting an organization (auth) removes its clusters and its shares here, at least once and
 * surviving restarts: a durable JetStream consumer on auth's stream. Auth creates that stream when it
 * starts, so until it exists the subscription is retried in the background.
 */
@Injectable()
export class OrganizationDeletedConsumer implements OnApplicationBootstrap {
  constructor(
    private readonly events: EventBus,
    private readonly clusters: ClustersService,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(OrganizationDeletedConsumer.name);
  }

  onApplicationBootstrap(): void {
    this.events.consumeWhenAvailable({
      stream: AUTH_EVENTS_STREAM,
      event: AuthEvents.organizationDeleted,
      durable: ORGANIZATION_DELETED_CONSUMER,
      handle: async ({ organizationId }) => {
        const result = await this.clusters.removeOrganization(organizationId);
        this.logger.info({ organizationId, ...result }, 'organization deleted: its clusters removed, its shares revoked');
      },
    });
  }
}
