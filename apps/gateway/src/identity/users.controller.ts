import { AuthContracts } from '@alien/contracts';
import { ApiError, success } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PlatformAdmin } from '../auth/auth.decorators';
import { ApiEnvelope, ApiErrors } from '../docs/openapi';
import { Ctx } from '../http/request-context';
import { IdPipe } from '../http/validation';
import { ServiceClients } from '../rpc/service-clients';
import { UpdateMeDto, UserDto } from './dtos/identity.dto';

@ApiTags('users')
@ApiBearerAuth('bearer')
@Controller('users')
export class UsersController {
  constructor(private readonly clients: ServiceClients) {}

  @Get('me')
  @ApiOperation({ summary: 'The calling user, with currentOrganizationId and roles per organization' })
  @ApiEnvelope(UserDto)
  @ApiErrors(401)
  async me(@Ctx() ctx: RequestContext) {
    return success(await this.clients.auth.call(AuthContracts.users.me, {}, ctx));
  }

  @Patch('me')
  @ApiOperation({ summary: 'Change your first and last name' })
  @ApiEnvelope(UserDto)
  @ApiErrors(400, 401, 403, 415, 422)
  async updateMe(@Body() body: UpdateMeDto, @Ctx() ctx: RequestContext) {
    if (Object.keys(body).length === 0) throw ApiError.invalid('body', 'required', 'Send firstName and/or lastName');
    return success(await this.clients.auth.call(AuthContracts.users.updateMe, body, ctx));
  }

  @Post(':id/deactivate')
  @HttpCode(200)
  @PlatformAdmin()
  @ApiOperation({ summary: 'Deactivate a user (platform admins): every credential of theirs stops working at once' })
  @ApiEnvelope(UserDto)
  @ApiErrors(401, 403, 404, 409, 422)
  async deactivate(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.clients.auth.call(AuthContracts.users.setStatus, { id, status: 'deactivated' }, ctx));
  }

  @Post(':id/reactivate')
  @HttpCode(200)
  @PlatformAdmin()
  @ApiOperation({ summary: 'Reactivate a user (platform admins)' })
  @ApiEnvelope(UserDto)
  @ApiErrors(401, 403, 404, 422)
  async reactivate(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.clients.auth.call(AuthContracts.users.setStatus, { id, status: 'active' }, ctx));
  }
}
