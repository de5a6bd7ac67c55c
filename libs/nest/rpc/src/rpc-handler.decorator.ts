import { RpcContract } from '@alien/contracts';
import { MessagePattern } from '@nestjs/microservices';

/** `@RpcHandler(CatalogContracts.reference.tags.get)` — subscribes a method to the contract's subject. */
export function RpcHandler(contract: RpcContract<unknown, unknown>): MethodDecorator {
  return MessagePattern(contract.subject);
}
