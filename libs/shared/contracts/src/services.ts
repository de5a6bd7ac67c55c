import { HealthReply, rpc } from './rpc';

/** Services the gateway fans out to; each answers `<service>.health.check.v1`. */
export const SERVICES = ['auth', 'catalog', 'orchestration', 'proxy'] as const;
export type ServiceName = (typeof SERVICES)[number];

export function healthContract(service: ServiceName) {
  return rpc<Record<string, never>, HealthReply>(`${service}.health.check.v1`);
}
