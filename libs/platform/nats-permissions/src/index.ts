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

const subjects = (contracts: { subject: string }[]) => contracts.map((c) => c.subject);
const { CatalogContracts } = catalogContracts;
const { OrchestrationContracts, OrchestrationEvents, JobEvents } = orchestrationContracts;
const { ExternalApiContracts } = proxyContracts;

/**
 * What each service does on NATS beyond its own namespace (it serves and publishes `<service>.>`):
 * the other services' request/reply subjects it calls, and the events it hears with a plain
 * subscription (JetStream consumers need no subject grant). A new call across services goes here.
 */
export const SERVICE_NATS: Record<ServiceName, ServiceNatsUse> = {
  auth: {
    service: 'auth',
    publishes: subjects(Object.values(AuthEvents)),
    requests: [],
    consumes: [],
  },
  catalog: {
    service: 'catalog',
    publishes: [],
    requests: subjects([OrchestrationContracts.clusters.visible]),
    consumes: [],
  },
  orchestration: {
    service: 'orchestration',
    publishes: [...subjects(Object.values(OrchestrationEvents)), ...subjects(Object.values(JobEvents))],
    // The workflow workers' node services; the api checks the catalog objects a workflow names.
    requests: subjects([
      CatalogContracts.collections.get,
      CatalogContracts.datasets.get,
      CatalogContracts.reference.tags.batch,
      CatalogContracts.entries.list,
      CatalogContracts.entries.get,
      CatalogContracts.aiModels.get,
      CatalogContracts.aiModels.credentials.forWorker,
      ExternalApiContracts.endpoints.get,
    ]),
    consumes: [],
  },
  proxy: {
    service: 'proxy',
    publishes: [],
    // Caller authentication (like the gateway), token-use reports, and the clusters' access decisions.
    requests: subjects([
      IdentityContracts.verifyToken,
      IdentityContracts.resolveOidc,
      TOKEN_USED,
      OrchestrationContracts.clusters.route,
      OrchestrationContracts.clusters.managed,
    ]),
    // Cache eviction: auth's events (credentials) and orchestration's cluster events (routes).
    consumes: [...subjects(Object.values(AuthEvents)), ...subjects(Object.values(OrchestrationEvents))],
  },
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
