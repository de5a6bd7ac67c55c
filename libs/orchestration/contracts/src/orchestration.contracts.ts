import { healthContract } from '@alien/contracts';

export const OrchestrationContracts = {
  health: healthContract('orchestration'),
} as const;
