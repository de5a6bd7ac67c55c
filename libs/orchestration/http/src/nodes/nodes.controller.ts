import { success } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import { WorkflowContracts } from '@alien/orchestration/contracts';
import { ApiEnvelope, ApiErrors, Ctx, Public } from '@alien/nest-http';
import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { NodeTypeDto } from '../dtos/workflow.dto';
import { OrchestrationClient } from '../orchestration.client';

@ApiTags('nodes')
@Controller('nodes')
export class NodesController {
  constructor(private readonly orchestration: OrchestrationClient) {}

  @Get()
  @Public()
  @ApiSecurity({})
  @ApiOperation({ summary: 'The node types workflows can use, with JSON Schemas of their params, inputs and outputs' })
  @ApiEnvelope(NodeTypeDto, { isArray: true })
  @ApiErrors(401)
  async list(@Ctx() ctx: RequestContext) {
    return success(await this.orchestration.call(WorkflowContracts.nodes.list, {}, ctx));
  }

  @Get(':type')
  @Public()
  @ApiSecurity({})
  @ApiOperation({ summary: 'One node type' })
  @ApiParam({ name: 'type', schema: { type: 'string', example: 'edit_fields' } })
  @ApiEnvelope(NodeTypeDto)
  @ApiErrors(401, 404)
  async get(@Param('type') type: string, @Ctx() ctx: RequestContext) {
    return success(await this.orchestration.call(WorkflowContracts.nodes.get, { type }, ctx));
  }
}
