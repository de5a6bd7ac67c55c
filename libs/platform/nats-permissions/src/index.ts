import * as authContracts from '@alien/auth/contracts';
import * as catalogContracts from '@alien/catalog/contracts';
import { AuthEvents, IdentityContracts, SERVICES, ServiceName, TOKEN_USED, collectContracts } from '@alien/contracts';
import { GatewayNatsUse, NatsUser, ServiceNatsUse, gatewayPermissions, natsServerConfig, servicePermissions } from '@alien/nats-auth';
import * as orchestrationContracts from '@alien/orchestration/contracts';
import * as proxyContracts from '@alien/proxy/contracts';

/** Every app that connects to NATS, each as its own user. */
export const NATS_APPS = ['gateway', ...SERVICES] as const;
export type NatsApp = (typeof NATS_APPS)[number];

const DOMAIN_CONTRACTS = [authContracts, catalogContracts, orchestrationContracts, proxyContracts];

export const SERVICE_NATS: Record<ServiceName, ServiceNatsUse> = {
  auth: authContracts.AUTH_NATS,
  catalog: catalogContracts.CATALOG_NATS,
  orchestration: orchestrationContracts.ORCHESTRATION_NATS,
  proxy: proxyContracts.PROXY_NATS,
};

/** The gateway calls every request/reply subject, reports token use, and hears auth's events. */
export function gatewayNatsUse(): GatewayNatsUse {
  const rpcs = [...DOMAIN_CONTRACTS.flatMap((m) => collectContracts(m as Record<string, unknown>)), ...collectContracts({ IdentityContracts })]
    .filter((c) => c.kind === 'rpc' && !(c as { internal?: boolean }).internal)
    .map((c) => c.subject);
  return {
    requests: rpcs,
    publishes: [TOKEN_USED.subject],
    consumes: Object.values(AuthEvents).map((e) => e.subject),
  };
}

/** Each app's NATS user with the permissions its contracts allow. */
export function platformNatsUsers(passwords: Record<NatsApp, string>, prefix = ''): NatsUser[] {
  return NATS_APPS.map((app) => ({
    user: app,
    password: passwords[app],
    permissions: app === 'gateway' ? gatewayPermissions(gatewayNatsUse(), prefix) : servicePermissions(SERVICE_NATS[app], prefix),
  }));
}

/** The nats-server configuration for production: passwords come from `$<APP>_NATS_PASSWORD` variables. */
export function productionNatsConfig(): string {
  const passwords = Object.fromEntries(NATS_APPS.map((app) => [app, `$${app.toUpperCase()}_NATS_PASSWORD`])) as Record<NatsApp, string>;
  return natsServerConfig({ users: platformNatsUsers(passwords), listen: '0.0.0.0:4222', jetstreamStoreDir: '/data/jetstream' });
}
