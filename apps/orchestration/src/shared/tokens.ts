// The service's configuration token lives next to its config (config.ts); re-exported for the job code.
export { ORCHESTRATION_CONFIG } from '../config';
