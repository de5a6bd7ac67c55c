import type { Scenario } from '../scenario';
import { P1 } from './p1-gateway-read';
import { P6 } from './p6-nats-rpc';

/**
 * Every scenario, in run order. To add one (P2: `oat_` token vs anonymous on the same route, goal
 * ratio ≥ 0.95), write `p2-<name>.ts` exporting a Scenario and list it here; see tools/bench/README.md.
 */
export const SCENARIOS: readonly Scenario[] = [P1, P6];
