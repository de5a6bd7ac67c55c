import type { Scenario } from '../scenario';
import { P1 } from './p1-gateway-read';
import { P1D } from './p1d-dataset-read';
import { P1S } from './p1s-dataset-search';
import { P2 } from './p2-token-auth';
import { P4 } from './p4-workflow-runs';
import { P5 } from './p5-job-streams';
import { P3 } from './p3-cluster-proxy';
import { P6 } from './p6-nats-rpc';

/**
 * Every scenario, in run order. To add one, write `p<N>-<name>.ts` exporting a Scenario and list it
 * here; see tools/bench/README.md.
 */
export const SCENARIOS: readonly Scenario[] = [P1, P1D, P1S, P2, P3, P4, P5, P6];
