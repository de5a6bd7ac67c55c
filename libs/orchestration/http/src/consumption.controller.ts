import { success } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import { JobContracts } from '@alien/orchestration/contracts';
import { ApiEnvelope, ApiRoute, Ctx } from '@alien/nest-http';
import { Controller, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ConsumptionDto } from './dtos/job.dto';
import { OrchestrationClient } from './orchestration.client';
import { ConsumptionQueryPipe } from './queries';

@ApiTags('consumption')
@Controller('consumption')
export class ConsumptionController {
  constructor(private readonly orchestration: OrchestrationClient) {}

  @ApiRoute(
    'get',
    '',
    {
      summary: 'What your organization’s runs consumed, grouped by workflow, model or connector',
      query: [
        { name: 'from', schema: { type: 'string', format: 'date-time' } },
        { name: 'to', schema: { type: 'string', format: 'date-time' } },
        { name: 'groupBy', enum: ['workflow', 'model', 'connector'] },
      ],
    },
    [422],
    ApiEnvelope(ConsumptionDto),
  )
  async get(@Query(new ConsumptionQueryPipe('workflow')) query: ReturnType<ConsumptionQueryPipe['transform']>, @Ctx() ctx: RequestContext) {
    return success(await this.orchestration.call(JobContracts.consumption.organization, query, ctx));
  }
}
