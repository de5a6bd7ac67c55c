import { int, oneOf, readConfig, str, url } from '@alien/config';
import { identitySpecs } from '@alien/nest-identity';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function gatewaySpecs() {
  return {
    PORT: int({ default: 3333, min: 0, max: 65535 }),
    HOST: str({ default: '0.0.0.0' }),
    // NATS, the auth cache and OIDC settings: shared with every edge that authenticates.
    ...identitySpecs(),
    /** How long the gateway waits for a service's reply before answering 504. */
    RPC_TIMEOUT_MS: int({ default: 5_000, min: 50, max: 600_000 }),
    /** Largest accepted request body; larger bodies get a 413 envelope. */
    BODY_LIMIT_BYTES: int({ default: 1_048_576, min: 1_024, max: 104_857_600 }),
    /** A request's headers and body must arrive within this; slower ones get 408 and the connection closes. */
    REQUEST_TIMEOUT_MS: int({ default: 30_000, min: 1_000, max: 600_000 }),
    LOG_LEVEL: oneOf(LOG_LEVELS, { default: 'info' }),
    /**
     * On SIGTERM, how long to keep serving while not ready before closing the listener, so load balancers
     * stop sending first. Kubernetes does this with the pod's preStop sleep; 0 there.
     */
    SHUTDOWN_DELAY_MS: int({ default: 0, min: 0, max: 60_000 }),
    /** Then how long requests in flight may take (below terminationGracePeriodSeconds, 30 s). */
    SHUTDOWN_GRACE_MS: int({ default: 20_000, min: 0, max: 120_000 }),
    /** The proxy app: `/clusters/{id}/proxy/*` and `/external-apis/…/proxy` are streamed to it unchanged. */
    PROXY_URL: url({ default: 'http://127.0.0.1:3404', protocols: ['http', 'https'] }),
    /** Longest wait for the proxy app's answer (and silence inside it): above its own 120 s POST budget. */
    PROXY_TIMEOUT_MS: int({ default: 130_000, min: 100, max: 3_600_000 }),
    /** Public base URL named in the OpenAPI document's `servers` (unset: `/`, the host that serves it). */
    PUBLIC_URL: url({ optional: true, protocols: ['http', 'https'] }),
  };
}

export function loadGatewayConfig(source: NodeJS.ProcessEnv = process.env) {
  return readConfig(gatewaySpecs(), source);
}

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
