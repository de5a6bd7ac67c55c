import { ServiceClientFor } from '@alien/nest-http';
import { Injectable } from '@nestjs/common';

/** The orchestration service over NATS: `orchestration.call(OrchestrationContracts.clusters.get, {id}, ctx)`. */
@Injectable()
export class OrchestrationClient extends ServiceClientFor('orchestration') {}
