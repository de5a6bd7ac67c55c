import { AUTH_EVENTS_STREAM, AuthEvents } from '@alien/contracts';
import { EventBus } from '@alien/nest-service';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { DatasetsService } from '../datasets/datasets.service';
import { returning } from '../shared/sql';
import { StorageGarbage } from '../storage/storage-garbage.service';

export const ORGANIZATION_DELETED_DURABLE = 'catalog-organization-deleted';

/**
 * When auth deletes an organization, the catalog removes what it owned: datasets (with their entries
 * and files), collections and private AI models. A durable JetStream consumer, so an event published
 * while the catalog was down is handled when it comes back; handling is idempotent (redeliveries and
 * replays find nothing left to delete).
 */
@Injectable()
export class OrganizationDeletionListener implements OnApplicationBootstrap {
  constructor(
    private readonly events: EventBus,
    @InjectDataSource() private readonly db: DataSource,
    private readonly datasets: DatasetsService,
    private readonly garbage: StorageGarbage,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(OrganizationDeletionListener.name);
  }

  onApplicationBootstrap(): void {
    this.events.consumeWhenAvailable({
      stream: AUTH_EVENTS_STREAM,
      event: AuthEvents.organizationDeleted,
      durable: ORGANIZATION_DELETED_DURABLE,
      handle: (event) => this.removeOrganization(event.organizationId),
    });
  }

  async removeOrganization(organizationId: number): Promise<void> {
    const { objects, counts } = await this.db.transaction(async (m) => {
      const objects = await this.datasets.deleteWithFiles(m, `"organization_id" = $1`, [organizationId]);
      const collections = await returning(m, `DELETE FROM "catalog"."collections" WHERE "organization_id" = $1 RETURNING 1`, [organizationId]);
      const models = await returning(m, `DELETE FROM "catalog"."ai_models" WHERE "organization_id" = $1 RETURNING 1`, [organizationId]);
      return { objects, counts: { files: objects.length, collections: collections.length, models: models.length } };
    });
    await this.garbage.purge(objects);
    this.logger.info({ organizationId, ...counts }, 'organization removed from the catalog');
  }
}
