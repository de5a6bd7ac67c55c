import { readCommonServiceConfig } from '@alien/nest-service';

export const PROXY_HEALTH_PORT = 3404;

export function loadProxyConfig(source: NodeJS.ProcessEnv = process.env) {
  return readCommonServiceConfig(PROXY_HEALTH_PORT, source);
}

export type ProxyConfig = ReturnType<typeof loadProxyConfig>;
