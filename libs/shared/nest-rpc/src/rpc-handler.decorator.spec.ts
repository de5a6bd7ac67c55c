import { RpcRequest, rpc } from '@alien/contracts';
import { PATTERN_METADATA } from '@nestjs/microservices/constants';
import { RpcHandler } from './rpc-handler.decorator';

const GET_THING = rpc<{ id: number }, { id: number; name: string }>('spec.thing.get.v1');

// The compile-time half of this spec: `tsc --noEmit` (part of `npm test`) fails when any of the
// expected errors below disappears, i.e. when a mistyped handler would compile.
class Handlers {
  @RpcHandler(GET_THING)
  matching(req: RpcRequest<{ id: number }>): Promise<{ id: number; name: string }> {
    return Promise.resolve({ id: req.data.id, name: 'x' });
  }

  @RpcHandler(GET_THING)
  synchronous(req: RpcRequest<{ id: number }>): { id: number; name: string } {
    return { id: req.data.id, name: 'x' };
  }

  // @ts-expect-error the request type is not the contract's ({ slug } instead of { id })
  @RpcHandler(GET_THING)
  wrongRequest(req: RpcRequest<{ slug: string }>): Promise<{ id: number; name: string }> {
    return Promise.resolve({ id: 1, name: req.data.slug });
  }

  // @ts-expect-error the reply lacks `name`
  @RpcHandler(GET_THING)
  wrongReply(req: RpcRequest<{ id: number }>): Promise<{ id: number }> {
    return Promise.resolve({ id: req.data.id });
  }

  // @ts-expect-error the reply is of another type altogether
  @RpcHandler(GET_THING)
  wrongReplyType(): string {
    return 'nope';
  }
}

describe(RpcHandler.name, () => {
  it("subscribes the method to the contract's subject", () => {
    const descriptor = Object.getOwnPropertyDescriptor(Handlers.prototype, 'matching');
    expect(Reflect.getMetadata(PATTERN_METADATA, descriptor?.value)).toEqual([GET_THING.subject]);
  });
});
