import { readCommonServiceConfig } from '@alien/nest-service';

export const AUTH_HEALTH_PORT = 3401;

export function loadAuthConfig(source: NodeJS.ProcessEnv = process.env) {
  return readCommonServiceConfig(AUTH_HEALTH_PORT, source);
}

export type AuthConfig = ReturnType<typeof loadAuthConfig>;
