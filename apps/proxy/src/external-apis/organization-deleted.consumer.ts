import { AUTH_EVENTS_STREAM, AuthEvents } from '@alien/contracts';
import { EventBus } from '@alien/nest-service';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ConnectorsService } from './connectors.service';

export const ORGANIZATION_DELETED_CONSUMER = 'proxy-organization-deleted';

/**
 * A deleted organization leaves every connector's `organizationIds` (durable consumer of auth's event,
 * at least once, idempotent). Its usage records and request logs stay: they are history. Auth creates
 * the stream when it starts; until then the subscription is retried in the background.
 */
@Injectable()
export class ProxyOrganizationDeletedConsumer implements OnApplicationBootstrap {
  constructor(
    private readonly events: EventBus,
    private readonly connectors: ConnectorsService,
  ) {}

  onApplicationBootstrap(): void {
    this.events.consumeWhenAvailable({
      stream: AUTH_EVENTS_STREAM,
      event: AuthEvents.organizationDeleted,
      durable: ORGANIZATION_DELETED_CONSUMER,
      handle: ({ organizationId }) => this.connectors.removeOrganization(organizationId),
    });
  }
}
