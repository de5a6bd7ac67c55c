/** The service's configuration, as read once at start (config.ts). */
export const ORCHESTRATION_CONFIG = Symbol('ORCHESTRATION_CONFIG');
