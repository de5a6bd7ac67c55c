import { Module } from '@nestjs/common';
import { ClustersController } from './clusters/clusters.controller';
import { OrchestrationClient } from './orchestration.client';

/** The orchestration domain's HTTP routes; the gateway imports this module (it provides the ServiceBus). */
@Module({
  controllers: [ClustersController],
  providers: [OrchestrationClient],
})
export class OrchestrationHttpModule {}
