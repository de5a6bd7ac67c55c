import { RpcContract, ServiceName } from '@alien/contracts';
import { RequestContext } from '@alien/identity';
import { RpcCallOptions, RpcClient } from '@alien/nest-rpc';
import { Injectable, Type } from '@nestjs/common';

/** The gateway's NATS connection as http libs see it: one typed RpcClient per service. */
export abstract class ServiceBus {
  abstract client(service: ServiceName): RpcClient;
}

export interface ServiceClient {
  readonly service: ServiceName;
  /** Sends `{ctx, data}` on the contract's subject; the reply (or the service's typed error) comes back. */
  call<Req, Res>(contract: RpcContract<Req, Res>, data: Req, ctx: RequestContext, options?: RpcCallOptions): Promise<Res>;
}

/**
 * The base of a domain's typed client: `export class CatalogClient extends ServiceClientFor('catalog') {}`
 * in its http lib, injected into its controllers. Feature code never touches NATS directly.
 */
export function ServiceClientFor(service: ServiceName): Type<ServiceClient> {
  @Injectable()
  class DomainServiceClient implements ServiceClient {
    readonly service = service;
    private readonly rpc: RpcClient;

    constructor(bus: ServiceBus) {
      this.rpc = bus.client(service);
    }

    call<Req, Res>(contract: RpcContract<Req, Res>, data: Req, ctx: RequestContext, options?: RpcCallOptions): Promise<Res> {
      return this.rpc.call(contract, data, ctx, options);
    }
  }
  return DomainServiceClient;
}
