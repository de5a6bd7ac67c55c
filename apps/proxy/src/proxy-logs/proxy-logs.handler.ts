import { RpcRequest } from '@alien/contracts';
import { Page } from '@alien/envelope';
import { RpcHandler } from '@alien/nest-rpc';
import { ProxyContracts, ProxyLogListRequest, ProxyLogView } from '@alien/proxy/contracts';
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ProxyLogsService } from './proxy-logs.service';

@Controller()
export class ProxyLogsHandler {
  constructor(private readonly logs: ProxyLogsService) {}

  @RpcHandler(ProxyContracts.proxyLogs.list)
  list(@Payload() req: RpcRequest<ProxyLogListRequest>): Promise<Page<ProxyLogView>> {
    return this.logs.list(req.ctx, req.data);
  }
}
