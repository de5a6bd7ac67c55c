import { AUTH_EVENTS_STREAM, AuthEvents } from '@alien/contracts';
import { EventBus } from '@alien/nest-service';
import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { ConnectorsService } from './connectors.service';

export const ORGANIZATION_DELETED_CONSUMER = 'proxy-organization-deleted';

/**
 * A deleted organization leaves every connector's `organizationIds` (durable consumer of auth's event,
 * at least once, idempotent). Its usage records and request logs stay: they are history. Auth creates
 * the stream when it starts; until then the subscription is retried in the background.
 */
@Injectable()
export class ProxyOrganizationDeletedConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private stopped = false;

  constructor(
    private readonly events: EventBus,
    private readonly connectors: ConnectorsService,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(ProxyOrganizationDeletedConsumer.name);
  }

  onApplicationBootstrap(): void {
    void this.subscribe();
  }

  onModuleDestroy(): void {
    this.stopped = true;
  }

  private async subscribe(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        await this.events.handleDurably({
          stream: AUTH_EVENTS_STREAM,
          event: AuthEvents.organizationDeleted,
          durable: ORGANIZATION_DELETED_CONSUMER,
          handle: ({ organizationId }) => this.connectors.removeOrganization(organizationId),
        });
        return;
      } catch (err) {
        if (attempt >= 3) this.logger.warn({ err, attempt }, 'waiting for the auth event stream');
        await new Promise((r) => setTimeout(r, Math.min(5_000, 200 * 2 ** attempt)));
      }
    }
  }
}
