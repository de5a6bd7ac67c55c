import type { ServiceNatsUse } from '@alien/nats-auth';
import { healthContract } from '@alien/contracts';

export const ProxyContracts = {
  health: healthContract('proxy'),
} as const;

/** What proxy does on NATS (deploy/nats permissions are generated from it). */
export const PROXY_NATS: ServiceNatsUse = {
  service: 'proxy',
  publishes: [],
  requests: [],
  consumes: [],
};
