import { readCommonServiceConfig } from '@alien/nest-service';

export const ORCHESTRATION_HEALTH_PORT = 3403;

export function loadOrchestrationConfig(source: NodeJS.ProcessEnv = process.env) {
  return readCommonServiceConfig(ORCHESTRATION_HEALTH_PORT, source);
}

export type OrchestrationConfig = ReturnType<typeof loadOrchestrationConfig>;
