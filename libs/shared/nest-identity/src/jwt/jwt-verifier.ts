import { OidcClaims } from '@alien/identity';
import { ApiError } from '@alien/envelope';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { JwksClient, SigningKey } from 'jwks-rsa';
import { PassportStrategy } from '@nestjs/passport';
import { Passport } from 'passport';
import { Strategy, StrategyOptionsWithoutRequest } from 'passport-jwt';

type PassportAuthenticator = ReturnType<InstanceType<ReturnType<typeof PassportStrategy>>['getPassportInstance']>;
import { IDENTITY_CONFIG, IdentityConfig } from '../identity-config';

/** What the gateway learns from a verified OIDC access token. */
export interface VerifiedJwt {
  issuer: string;
  subject: string;
  /** Seconds since the epoch. */
  expiresAt: number;
  /** Profile claims, in the shape auth provisions users from. */
  claims: OidcClaims;
}

/** Longest token we look at; real access tokens are a few KB. Anything longer is refused unread. */
const MAX_TOKEN_LENGTH = 16_384;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** How long discovery and JWKS requests may take before the issuer counts as unavailable. */
const FETCH_TIMEOUT_MS = 5_000;
/** Unknown `kid`s trigger a JWKS refetch; this many per minute at most, so junk kids cannot hammer the issuer. */
const JWKS_REQUESTS_PER_MINUTE = 10;
/** Discovery attempts after failures are bounded the same way. */
const DISCOVERY_ATTEMPTS_PER_MINUTE = 10;
/** Known keys are trusted this long before the JWKS is read again. */
const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
const MAX_DOCUMENT_BYTES = 512 * 1024;

/**
 * Three base64url segments (the third empty for unsigned tokens, which verify() then refuses with a
 * clear message). Cheap enough to run on every request to route a credential to the right verifier.
 */
export function looksLikeJwt(token: string): boolean {
  return token.length <= MAX_TOKEN_LENGTH && JWT_SHAPE.test(token);
}

type HeaderBag = Record<string, string | string[] | undefined>;

/**
 * The JWT a request carries: `x-oauth-access-token: <jwt>`, else `Authorization: Bearer <jwt>`.
 * Returns null when neither holds something shaped like a JWT (an `oat_` token, say).
 */
export function jwtFromHeaders(headers: HeaderBag): string | null {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const oauth = first(headers['x-oauth-access-token'])?.trim();
  if (oauth && looksLikeJwt(oauth)) return oauth;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(first(headers['authorization']) ?? '');
  const bearer = match?.[1];
  return bearer && looksLikeJwt(bearer) ? bearer : null;
}

const invalid = (message: string) => new ApiError(401, message, 'invalid_token');
const unavailable = () =>
  new ApiError(503, 'The identity provider is unavailable, try again later', 'oidc_unavailable');

/** The issuer (discovery or JWKS) could not be reached or answered nonsense. */
class IssuerUnavailableError extends Error {
  override name = 'IssuerUnavailableError';
}

type Algorithms = NonNullable<ConstructorParameters<typeof Strategy>[0]['algorithms']>;
type JwtPayload = Record<string, unknown>;

function decodeSegment(segment: string | undefined): JwtPayload | null {
  if (!segment) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JwtPayload) : null;
  } catch {
    return null;
  }
}

const optionalString = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** Counts attempts in a sliding minute. */
class MinuteBudget {
  private readonly stamps: number[] = [];
  constructor(private readonly perMinute: number) {}
  take(): boolean {
    const now = Date.now();
    while (this.stamps.length && now - (this.stamps[0] ?? 0) >= 60_000) this.stamps.shift();
    if (this.stamps.length >= this.perMinute) return false;
    this.stamps.push(now);
    return true;
  }
}

async function fetchJson(url: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (e) {
    throw new IssuerUnavailableError(`GET ${url} failed: ${(e as Error).message}`);
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) throw new IssuerUnavailableError(`GET ${url} answered ${res.status}`);
  if (text.length > MAX_DOCUMENT_BYTES) throw new IssuerUnavailableError(`GET ${url} answered an oversized document`);
  try {
    return JSON.parse(text);
  } catch {
    throw new IssuerUnavailableError(`GET ${url} answered something that is not JSON`);
  }
}

const withoutTrailingSlash = (s: string) => s.replace(/\/+$/, '');

const OIDC_JWT = 'oidc-jwt';

/**
 * passport-jwt as NestJS documents it: a PassportStrategy whose `validate` turns the verified payload
 * into the caller. Each verifier registers it on its own Passport instance (several issuers can live in
 * one process, e.g. in tests), and `authenticateToken` runs it the way `AuthGuard` does —
 * `passport.authenticate(name, {session: false}, callback)` — for a token the edge already picked out
 * of the request (the proxy's data plane authenticates outside Nest's routes).
 */
type OidcStrategyOptions = StrategyOptionsWithoutRequest;

class OidcJwtStrategy extends PassportStrategy(Strategy, OIDC_JWT) {
  private passportInstance?: PassportAuthenticator;

  constructor(
    options: OidcStrategyOptions,
    private readonly toCaller: (payload: JwtPayload) => VerifiedJwt,
  ) {
    super(options);
  }

  /** The mixin registers the strategy on this instance (its own Passport, not the process-wide one). */
  getPassportInstance(): PassportAuthenticator {
    return (this.passportInstance ??= new Passport() as unknown as PassportAuthenticator);
  }

  validate(payload: JwtPayload): VerifiedJwt {
    return this.toCaller(payload);
  }

  authenticateToken(token: string): Promise<VerifiedJwt> {
    return new Promise<VerifiedJwt>((resolve, reject) => {
      const done = (err: unknown, user: VerifiedJwt | false, info: unknown) => {
        if (err) return reject(err);
        if (!user) return reject(info);
        resolve(user);
      };
      this.getPassportInstance().authenticate(OIDC_JWT, { session: false }, done)({ jwt: token }, {}, (err: unknown) => reject(err));
    });
  }
}

/**
 * Verifies OIDC access tokens (Authentik in production) with passport-jwt against the issuer's JWKS.
 *
 * Discovery is lazy (first JWT), cached once it succeeds and retried after a failure. Signing keys are
 * cached per `kid`; an unknown `kid` refetches the JWKS (that is how rotation is picked up), within a
 * per-minute budget. Only asymmetric algorithms from OIDC_ALGORITHMS are accepted, so `alg: none` and
 * HS* tokens "signed" with the public key are refused before any key is looked up.
 */
@Injectable()
export class JwtVerifier {
  private readonly logger = new Logger(JwtVerifier.name);
  private readonly issuer: string | undefined;
  /** `iss` values accepted: the configured issuer, with or without its trailing slash. */
  private readonly issuers: string[];
  private readonly audience: string | undefined;
  private readonly algorithms: string[];
  private readonly strategy: OidcJwtStrategy | undefined;
  private jwks: Promise<JwksClient> | undefined;
  private readonly discoveryBudget = new MinuteBudget(DISCOVERY_ATTEMPTS_PER_MINUTE);
  /** Whether the last JWKS fetch failed: decides 503 (issuer down) versus 401 (unknown key) once rate-limited. */
  private jwksFailing = false;

  constructor(@Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig) {
    const issuer: string | undefined = config.OIDC_ISSUER || undefined;
    this.issuer = issuer;
    this.issuers = issuer ? [...new Set([issuer, withoutTrailingSlash(issuer), `${withoutTrailingSlash(issuer)}/`])] : [];
    this.audience = (config.OIDC_AUDIENCE as string | undefined) || undefined;
    this.algorithms = config.OIDC_ALGORITHMS.split(',').map((a) => a.trim()).filter(Boolean);
    if (!issuer) return;
    this.strategy = new OidcJwtStrategy(
      {
        // verify() hands the token over directly: no framework request object is involved.
        jwtFromRequest: (req: { jwt?: string }) => req.jwt ?? null,
        secretOrKeyProvider: (_req: unknown, raw: string, done: (err: unknown, key?: string) => void) => {
          this.signingKeyFor(raw).then(
            (key) => done(null, key),
            (err: unknown) => done(err),
          );
        },
        issuer: this.issuers,
        audience: this.audience,
        algorithms: this.algorithms as Algorithms,
        jsonWebTokenOptions: { clockTolerance: config.OIDC_CLOCK_TOLERANCE_SEC },
      },
      (payload) => {
        const subject = optionalString(payload['sub']);
        if (!subject) throw invalid('JWT has no subject');
        if (typeof payload['exp'] !== 'number') throw invalid('JWT has no expiry');
        return this.toVerified(payload, subject, payload['exp']);
      },
    );
  }

  async verify(token: string): Promise<VerifiedJwt> {
    if (!this.strategy) throw invalid('JWT authentication is not configured');
    if (typeof token !== 'string' || !looksLikeJwt(token)) throw invalid('Malformed JWT');
    const [headerPart, payloadPart] = token.split('.');
    const header = decodeSegment(headerPart);
    const payload = decodeSegment(payloadPart);
    if (!header || !payload) throw invalid('Malformed JWT');
    // Refused before any key lookup: cheap, and junk never reaches the issuer.
    const alg = header['alg'];
    if (typeof alg !== 'string' || !this.algorithms.includes(alg)) {
      throw invalid(`JWT algorithm ${JSON.stringify(alg ?? null)} is not accepted`);
    }
    if (typeof payload['iss'] !== 'string' || !this.issuers.includes(payload['iss'])) {
      throw invalid('JWT issuer is not accepted');
    }

    return this.strategy.authenticateToken(token).catch((reason: unknown) => {
      throw this.toApiError(reason);
    });
  }

  private toVerified(payload: JwtPayload, subject: string, exp: number): VerifiedJwt {
    const claims: VerifiedJwt['claims'] = {};
    const email = optionalString(payload['email']);
    if (email) claims.email = email;
    if (typeof payload['email_verified'] === 'boolean') claims.emailVerified = payload['email_verified'];
    const givenName = optionalString(payload['given_name']);
    if (givenName) claims.givenName = givenName;
    const familyName = optionalString(payload['family_name']);
    if (familyName) claims.familyName = familyName;
    const name = optionalString(payload['name']);
    if (name) claims.name = name;
    const preferredUsername = optionalString(payload['preferred_username']);
    if (preferredUsername) claims.preferredUsername = preferredUsername;
    return { issuer: payload['iss'] as string, subject, expiresAt: exp, claims };
  }

  /** Maps whatever passport-jwt, jsonwebtoken or the key lookup reported to a typed error. */
  private toApiError(reason: unknown): ApiError {
    if (reason instanceof ApiError) return reason;
    if (reason instanceof IssuerUnavailableError) return unavailable();
    const error = reason as { name?: string; message?: string } | undefined;
    switch (error?.name) {
      case 'TokenExpiredError':
        return invalid('JWT has expired');
      case 'NotBeforeError':
        return invalid('JWT is not valid yet');
      case 'SigningKeyNotFoundError':
        return invalid('JWT signing key is unknown to the issuer');
    }
    const message = error?.message ?? '';
    if (message === 'invalid signature') return invalid('JWT signature is invalid');
    if (message.startsWith('jwt audience invalid')) return invalid('JWT audience is not accepted');
    if (message.startsWith('jwt issuer invalid')) return invalid('JWT issuer is not accepted');
    if (message === 'invalid algorithm') return invalid('JWT algorithm is not accepted');
    return invalid('JWT is invalid');
  }

  private async signingKeyFor(raw: string): Promise<string> {
    const header = decodeSegment(raw.split('.')[0]) ?? {};
    const kid = typeof header['kid'] === 'string' ? header['kid'] : undefined;
    const client = await this.jwksClient();
    let key: SigningKey;
    try {
      key = await client.getSigningKey(kid);
    } catch (e) {
      const name = (e as Error).name;
      if (name === 'SigningKeyNotFoundError') throw e;
      if (name === 'JwksRateLimitError') {
        // Out of refetches: a key we have not seen cannot be checked now.
        throw this.jwksFailing ? new IssuerUnavailableError('JWKS unreachable') : invalid('JWT signing key is unknown to the issuer');
      }
      this.logger.warn(`OIDC JWKS unavailable: ${(e as Error).message}`);
      throw new IssuerUnavailableError((e as Error).message);
    }
    // A key that names its algorithm is only good for that one (no RS/PS mix-ups).
    if (key.alg && key.alg !== header['alg']) throw invalid('JWT algorithm does not match its signing key');
    return key.getPublicKey();
  }

  /** Discovery on first use; a failure is forgotten so the next token retries (within a budget). */
  private jwksClient(): Promise<JwksClient> {
    if (this.jwks) return this.jwks;
    if (!this.discoveryBudget.take()) return Promise.reject(new IssuerUnavailableError('discovery attempts exhausted'));
    const attempt = this.discover().then(
      (jwksUri) =>
        new JwksClient({
          jwksUri,
          fetcher: (uri) => this.fetchJwks(uri),
          cache: true,
          cacheMaxEntries: 32,
          cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
          rateLimit: true,
          jwksRequestsPerMinute: JWKS_REQUESTS_PER_MINUTE,
          timeout: FETCH_TIMEOUT_MS,
        }),
      (e: unknown) => {
        this.logger.warn(`OIDC discovery failed: ${(e as Error).message}`);
        if (this.jwks === attempt) this.jwks = undefined;
        throw e;
      },
    );
    this.jwks = attempt;
    return attempt;
  }

  private async discover(): Promise<string> {
    const override: string | undefined = this.config.OIDC_JWKS_URI || undefined;
    if (override) return override;
    const issuer = this.issuer as string;
    const url = `${withoutTrailingSlash(issuer)}/.well-known/openid-configuration`;
    const doc = (await fetchJson(url)) as { issuer?: unknown; jwks_uri?: unknown } | null;
    if (typeof doc?.issuer !== 'string' || !this.issuers.includes(doc.issuer)) {
      throw new IssuerUnavailableError(`${url} names issuer ${JSON.stringify(doc?.issuer)}, expected ${issuer}`);
    }
    if (typeof doc.jwks_uri !== 'string' || !/^https?:\/\//.test(doc.jwks_uri)) {
      throw new IssuerUnavailableError(`${url} has no usable jwks_uri`);
    }
    return doc.jwks_uri;
  }

  private async fetchJwks(uri: string): Promise<{ keys: unknown }> {
    try {
      const doc = (await fetchJson(uri)) as { keys?: unknown } | null;
      if (!Array.isArray(doc?.keys)) throw new IssuerUnavailableError(`${uri} is not a JWKS`);
      this.jwksFailing = false;
      return { keys: doc.keys };
    } catch (e) {
      this.jwksFailing = true;
      throw e;
    }
  }
}

