import { RpcRequest } from '@alien/contracts';
import { NodeTypeView, WorkflowContracts } from '@alien/orchestration/contracts';
import { RpcHandler } from '@alien/nest-rpc';
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { nodeTypeView, nodeTypeViews } from '../engine/engine';

/** The code-defined node registry (`GET /nodes`, `GET /nodes/{type}`). */
@Controller()
export class NodesHandler {
  @RpcHandler(WorkflowContracts.nodes.list)
  list(): NodeTypeView[] {
    return nodeTypeViews();
  }

  @RpcHandler(WorkflowContracts.nodes.get)
  get(@Payload() req: RpcRequest<{ type: string }>): NodeTypeView {
    return nodeTypeView(req.data.type);
  }
}
