import { AuthContracts } from '@alien/auth/contracts';
import { ApiError, success } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import { ApiAction, ApiRoute, ApiUpdate, Ctx, IdPipe, ApiEnvelope } from '@alien/nest-http';
import { Body, Controller, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AuthClient } from '../auth.client';
import { UpdateMeDto, UserDto } from '../dtos/auth.dto';

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(private readonly auth: AuthClient) {}

  @ApiRoute('get', 'me', { summary: 'The calling user, with currentOrganizationId and roles per organization' }, [], ApiEnvelope(UserDto))
  async me(@Ctx() ctx: RequestContext) {
    return success(await this.auth.call(AuthContracts.users.me, {}, ctx));
  }

  @ApiUpdate(UserDto, { path: 'me', summary: 'Change your first and last name' })
  async updateMe(@Body() body: UpdateMeDto, @Ctx() ctx: RequestContext) {
    if (Object.keys(body).length === 0) throw ApiError.invalid('body', 'required', 'Send firstName and/or lastName');
    return success(await this.auth.call(AuthContracts.users.updateMe, body, ctx));
  }

  @ApiAction(UserDto, {
    path: ':id/deactivate',
    platformAdmin: true,
    errors: [409],
    summary: 'Deactivate a user (platform admins): every credential of theirs stops working at once',
  })
  async deactivate(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.auth.call(AuthContracts.users.setStatus, { id, status: 'deactivated' }, ctx));
  }

  @ApiAction(UserDto, { path: ':id/reactivate', platformAdmin: true, summary: 'Reactivate a user (platform admins)' })
  async reactivate(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.auth.call(AuthContracts.users.setStatus, { id, status: 'active' }, ctx));
  }
}
