import { Module } from '@nestjs/common';
import { AccessTokensController } from './access-tokens/access-tokens.controller';
import { AuthClient } from './auth.client';
import { InvitationsController } from './invitations/invitations.controller';
import { OrganizationsController } from './organizations/organizations.controller';
import { UsersController } from './users/users.controller';

/** The auth domain's HTTP routes; the gateway imports this module (it provides the ServiceBus). */
@Module({
  controllers: [UsersController, OrganizationsController, InvitationsController, AccessTokensController],
  providers: [AuthClient],
})
export class AuthHttpModule {}
