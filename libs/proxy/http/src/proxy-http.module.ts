import { Module } from '@nestjs/common';
import { ClusterProxyDocsController } from './cluster-proxy/cluster-proxy-docs.controller';
import { ExternalApisController } from './external-apis/external-apis.controller';
import { JwksController } from './jwks/jwks.controller';
import { ProxyClient } from './proxy.client';
import { ProxyLogsController } from './proxy-logs/proxy-logs.controller';

/**
 * The proxy domain's JSON routes (control plane, over NATS); the gateway imports this module. The
 * streaming routes are the proxy app's own (see DataPlanePassthrough for how :3333 reaches them).
 */
@Module({
  controllers: [JwksController, ProxyLogsController, ExternalApisController, ClusterProxyDocsController],
  providers: [ProxyClient],
})
export class ProxyHttpModule {}
