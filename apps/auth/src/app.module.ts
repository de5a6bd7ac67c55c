import { AUTH_EVENTS_STREAM, AuthEvents } from '@alien/auth/contracts';
import { EVENT_BUS_OPTIONS, EventBus, EventBusOptions, ServiceCoreModule } from '@alien/nest-service';
import { DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { AuthConfig } from './config';
import { authDataSourceOptions } from './database/data-source';
import { InvitationsHandler } from './invitations/invitations.handler';
import { InvitationsService } from './invitations/invitations.service';
import { MembersHandler } from './members/members.handler';
import { MembersService } from './members/members.service';
import { OrganizationUsersHandler } from './organization-users/organization-users.handler';
import { OrganizationUsersService } from './organization-users/organization-users.service';
import { OrganizationsHandler } from './organizations/organizations.handler';
import { OrganizationsService } from './organizations/organizations.service';
import { OrganizationAccess } from './shared/access';
import { INVITATIONS_PER_HOUR, InvitationRateLimiter } from './shared/rate-limit';
import { TOKEN_QUOTA, TokensService } from './tokens/tokens.service';
import { TokensHandler } from './tokens/tokens.handler';
import { UsersHandler } from './users/users.handler';
import { UsersService } from './users/users.service';

export function authEventBusOptions(config: AuthConfig): EventBusOptions {
  return {
    url: config.NATS_URL,
    prefix: config.NATS_SUBJECT_PREFIX,
    name: 'auth',
    streams: [{ name: AUTH_EVENTS_STREAM, subjects: Object.values(AuthEvents).map((e) => e.subject) }],
  };
}

@Module({})
export class AuthModule {
  static register(config: AuthConfig, logger: Logger): DynamicModule {
    return {
      module: AuthModule,
      imports: [
        ServiceCoreModule.forRoot({
          service: 'auth',
          config,
          logger,
          dataSource: authDataSourceOptions(config.DATABASE_URL, config.DATABASE_POOL_SIZE),
        }),
      ],
      controllers: [UsersHandler, TokensHandler, OrganizationsHandler, MembersHandler, InvitationsHandler, OrganizationUsersHandler],
      providers: [
        { provide: EVENT_BUS_OPTIONS, useValue: authEventBusOptions(config) },
        { provide: TOKEN_QUOTA, useValue: config.ACCESS_TOKEN_QUOTA },
        { provide: INVITATIONS_PER_HOUR, useValue: config.INVITATIONS_PER_HOUR },
        EventBus,
        OrganizationAccess,
        UsersService,
        TokensService,
        OrganizationsService,
        MembersService,
        InvitationRateLimiter,
        InvitationsService,
        OrganizationUsersService,
      ],
    };
  }
}
