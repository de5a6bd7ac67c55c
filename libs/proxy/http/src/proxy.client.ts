import { ServiceClientFor } from '@alien/nest-http';
import { Injectable } from '@nestjs/common';

/** The proxy service's control plane over NATS (its data plane is HTTP). */
@Injectable()
export class ProxyClient extends ServiceClientFor('proxy') {}
