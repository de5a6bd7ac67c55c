import { int, readConfig } from '@alien/config';

/** Gateway-side settings of job streams (`GET /jobs/{id}/stream`) and run-sync. Read once when the module starts. */
export function jobStreamSpecs() {
  return {
    /** Comment line sent on every open stream this often, so proxies keep it open. */
    JOB_STREAM_HEARTBEAT_MS: int({ default: 15_000, min: 100, max: 300_000 }),
    /** A stream closes after this long even if its job still runs (clients reconnect with Last-Event-ID). */
    JOB_STREAM_MAX_MS: int({ default: 300_000, min: 1_000, max: 3_600_000 }),
    /**
     * Open job streams one organization may hold on one gateway process; one more is 429
     * `too_many_streams`. ~23 KB of gateway memory each (bench P5), so the default bounds one
     * organization to ~46 MB per gateway.
     */
    JOB_STREAMS_PER_ORGANIZATION: int({ default: 2_000, min: 1, max: 1_000_000 }),
  };
}

export type JobStreamConfig = ReturnType<typeof loadJobStreamConfig>;

export function loadJobStreamConfig(source: NodeJS.ProcessEnv = process.env) {
  return readConfig(jobStreamSpecs(), source);
}

export const JOB_STREAM_CONFIG = Symbol('JOB_STREAM_CONFIG');
