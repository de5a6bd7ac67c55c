import { AuthEvents, affectedUserIds } from '@alien/contracts';
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { JSONCodec, NatsConnection, connect } from 'nats';
import { natsCredentials } from '@alien/nest-rpc';
import { PinoLogger } from 'nestjs-pino';
import { IDENTITY_CONFIG, IdentityConfig } from './identity-config';
import { PrincipalCache } from './principal-cache';

const codec = JSONCodec();

/**
 * Every gateway replica listens to auth's events (plain NATS subscriptions, no queue group, so each
 * replica gets each event) and evicts the affected users' cached principals at once. Anything missed
 * while disconnected is covered by clearing the whole cache on reconnect.
 */
@Injectable()
export class AuthEventsListener implements OnApplicationBootstrap, OnModuleDestroy {
  private nc?: NatsConnection;
  private closed = false;

  constructor(
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
    private readonly cache: PrincipalCache,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(AuthEventsListener.name);
  }

  onApplicationBootstrap(): void {
    // Not awaited: the gateway serves (and answers 503) while NATS is away.
    void this.run();
  }

  private async run(): Promise<void> {
    const prefix = this.config.NATS_SUBJECT_PREFIX;
    this.nc = await connect({
      servers: this.config.NATS_URL.split(','),
      name: 'gateway-auth-events',
      ...natsCredentials({ user: this.config.NATS_USER, password: this.config.NATS_PASSWORD }),
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      waitOnFirstConnect: true,
    });
    if (this.closed) return void (await this.nc.close());
    for (const event of Object.values(AuthEvents)) {
      this.nc.subscribe(prefix + event.subject, {
        callback: (err, msg) => {
          if (err) return;
          let payload: unknown;
          try {
            payload = codec.decode(msg.data);
          } catch {
            return;
          }
          const users = affectedUserIds(event.subject, payload);
          if (users === 'all') this.cache.clear();
          else this.cache.evictUsers(users);
        },
      });
    }
    for await (const status of this.nc.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect') {
        this.cache.clear();
        this.logger.info({ status: status.type }, 'auth cache cleared after NATS connection change');
      }
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    await this.nc?.close().catch(() => undefined);
  }
}
