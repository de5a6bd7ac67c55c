import { RpcContract, RpcRequest } from '@alien/contracts';
import { MessagePattern } from '@nestjs/microservices';

/** A method that may serve contract C: takes `{ctx, data}` of its request type, returns its reply type. */
export type HandlerOf<Req, Res> = (req: RpcRequest<Req>) => Res | Promise<Res>;

/**
 * `@RpcHandler(CatalogContracts.reference.tags.get)` subscribes a method to the contract's subject and
 * types it: a handler whose request or reply does not match the contract fails to compile.
 */
export function RpcHandler<Req, Res>(contract: RpcContract<Req, Res>) {
  return <M extends HandlerOf<Req, Res>>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<M>): void => {
    MessagePattern(contract.subject)(target, key, descriptor);
  };
}
