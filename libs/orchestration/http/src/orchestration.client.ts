import { ServiceClientFor } from '@alien/nest-http';
import { Injectable } from '@nestjs/common';

/** The orchestration service over NATS: `orchestration.call(WorkflowContracts.workflows.get, {id}, ctx)`, clusters, jobs. */
@Injectable()
export class OrchestrationClient extends ServiceClientFor('orchestration') {}
