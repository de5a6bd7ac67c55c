import { healthContract } from '@alien/contracts';

export const ProxyContracts = {
  health: healthContract('proxy'),
} as const;
