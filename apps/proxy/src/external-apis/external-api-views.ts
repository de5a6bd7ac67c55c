import { RequestContext } from '@alien/identity';
import { ConnectorAuth, ConnectorView, EndpointBilling, EndpointView } from '@alien/proxy/contracts';
import { ConnectorEntity } from './entities/connector.entity';
import { EndpointEntity } from './entities/endpoint.entity';

/** Associated data binding a sealed connector secret to its row. */
export const secretAad = (connectorId: number) => `connector:${connectorId}`;

export function connectorAuth(c: Pick<ConnectorEntity, 'authType' | 'authName'>): ConnectorAuth {
  return c.authType === 'bearer' ? { type: 'bearer' } : { type: c.authType, name: c.authName as string };
}

export function toConnectorView(c: ConnectorEntity, ctx: RequestContext): ConnectorView {
  const view: ConnectorView = {
    id: c.id,
    name: c.name,
    slug: c.slug,
    description: c.description,
    auth: connectorAuth(c),
    visibility: c.visibility,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
  if (ctx.identity.isPlatformAdmin) {
    view.baseUrl = c.baseUrl;
    view.hasSecret = c.sealedSecret !== null;
    view.organizationIds = [...c.organizationIds].sort((a, b) => a - b);
  }
  return view;
}

export function endpointBilling(e: Pick<EndpointEntity, 'billingMode' | 'billingUnits'>): EndpointBilling {
  return e.billingMode === 'fixed' ? { mode: 'fixed', units: e.billingUnits ?? 0 } : { mode: 'upstream' };
}

export function toEndpointView(e: EndpointEntity): EndpointView {
  return {
    id: e.id,
    connectorId: e.connectorId,
    operationId: e.operationId,
    description: e.description,
    method: e.method,
    path: e.path,
    unitPriceCents: e.unitPriceCents,
    billing: endpointBilling(e),
    proxyPath: `/external-apis/${e.connectorId}/endpoints/${e.id}/proxy`,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}
