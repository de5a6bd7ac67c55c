import { Identity } from '@alien/identity';
import { JWTPayload } from 'jose';
import {
  ASSERTION_TYPES,
  DEFAULT_ASSERTION_ISSUER,
  IdentityAssertionClaims,
  identityClaims,
  identityFromClaims,
} from './identity-assertion';
import { AssertionKeyRing } from './key-ring';

/**
 * Header carrying a platform call assertion: a platform service (an orchestration worker) calling
 * another service's HTTP data plane on behalf of a user. Only services that hold the assertion key
 * ring can make one; clients cannot, so the receiving service trusts the identity inside it.
 */
export const PLATFORM_CALL_HEADER = 'x-alien-platform-call';
/** Platform calls are single-use in spirit: short-lived. */
export const PLATFORM_CALL_TTL_SEC = 60;

export interface PlatformCallClaims extends IdentityAssertionClaims {
  /** The job the call is billed to (orchestration workers), or null. */
  job: number | null;
}

export interface PlatformCall {
  identity: Identity;
  jobId: number | null;
}

/** Signs a platform call for `audience` (the receiving service, e.g. `proxy`). */
export function signPlatformCall(
  ring: AssertionKeyRing,
  call: PlatformCall,
  options: { audience: string; issuer?: string; now?: number },
): Promise<string> {
  const claims: PlatformCallClaims = { ...identityClaims(call.identity), job: call.jobId };
  return ring.sign(claims, {
    issuer: options.issuer ?? DEFAULT_ASSERTION_ISSUER,
    audience: options.audience,
    type: ASSERTION_TYPES.platformCall,
    expiresInSec: PLATFORM_CALL_TTL_SEC,
    now: options.now,
  });
}

/** Verifies a platform call addressed to `audience`; throws when it is not one. */
export async function verifyPlatformCall(
  ring: AssertionKeyRing,
  token: string,
  options: { audience: string; issuer?: string },
): Promise<PlatformCall> {
  const payload: JWTPayload = await ring.verify(token, {
    issuer: options.issuer ?? DEFAULT_ASSERTION_ISSUER,
    audience: options.audience,
    type: ASSERTION_TYPES.platformCall,
  });
  const job = (payload as Partial<PlatformCallClaims>).job;
  return {
    identity: identityFromClaims(payload),
    jobId: typeof job === 'number' && Number.isSafeInteger(job) && job > 0 ? job : null,
  };
}
