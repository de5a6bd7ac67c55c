import type { Scenario } from '../scenario';
import { P1 } from './p1-gateway-read';
import { P2 } from './p2-token-auth';
import { P3 } from './p3-cluster-proxy';
import { P6 } from './p6-nats-rpc';

/**
 * Every scenario, in run order. To add one, write `p<N>-<name>.ts` exporting a Scenario and list it
 * here; see tools/bench/README.md.
 */
export const SCENARIOS: readonly Scenario[] = [P1, P2, P3, P6];
