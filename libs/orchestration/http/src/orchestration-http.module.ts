import { Module } from '@nestjs/common';
import { ClustersController } from './clusters/clusters.controller';
import { JOB_STREAM_CONFIG, loadJobStreamConfig } from './config';
import { ConsumptionController } from './consumption.controller';
import { JobsController } from './jobs/jobs.controller';
import { NodesController } from './nodes/nodes.controller';
import { OrchestrationClient } from './orchestration.client';
import { JobEventFeed } from './stream/job-event-feed';
import { JobStreams } from './stream/job-streams';
import { WorkflowsController } from './workflows/workflows.controller';

/**
 * The orchestration domain's HTTP routes; the gateway imports this module (it provides the
 * ServiceBus and the identity configuration). Job streams and run-sync read job events from NATS
 * JetStream in the gateway process (JobEventFeed), never from Postgres.
 */
@Module({
  controllers: [ClustersController, NodesController, WorkflowsController, JobsController, ConsumptionController],
  providers: [OrchestrationClient, JobEventFeed, JobStreams, { provide: JOB_STREAM_CONFIG, useFactory: () => loadJobStreamConfig() }],
})
export class OrchestrationHttpModule {}
