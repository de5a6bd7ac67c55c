import { KeyObject, constants, createHmac, generateKeyPairSync, randomBytes, sign as cryptoSign } from 'node:crypto';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';

/** What to put in the JOSE header and how to sign. Anything goes: this is for forging bad tokens too. */
export interface JwtSignOptions {
  /** RS256 (default), RS384, RS512, PS256, PS384, PS512, ES256, HS256/384/512 or none. */
  alg?: string;
  /** Defaults to the current key's kid for the algorithm; null leaves `kid` out. */
  kid?: string | null;
  /** HMAC secret for HS*; defaults to the current RSA public key PEM (the classic confusion attack). */
  secret?: string | Buffer;
  /** Sign with the key that was current before the last rotate() (its kid too, unless `kid` is given). */
  previousKey?: boolean;
  /** Extra header fields (override alg/kid/typ when given). */
  header?: Record<string, unknown>;
}

export interface JwksServerOptions {
  /**
   * Path of the issuer under the server's origin. Default '/application/o/alien/', Authentik's shape
   * (a path and a trailing slash), so that joining issuer and discovery paths is exercised.
   */
  issuerPath?: string;
  /** Default `aud` of token(). */
  audience?: string;
}

export type JwksRequestKind = 'discovery' | 'jwks';

export interface JwksServer {
  /** Issuer URL as it appears in discovery and in `iss`. */
  issuer: string;
  discoveryUrl: string;
  jwksUri: string;
  audience: string;
  /** kid of the current RSA key (RS*, PS*) and of the current EC P-256 key (ES256). */
  readonly kid: string;
  readonly ecKid: string;
  /** PEM of the current RSA public key. */
  readonly publicKeyPem: string;
  /** Signs exactly `payload` (arbitrary claims) with the chosen header and key. */
  sign(payload: Record<string, unknown>, options?: JwtSignOptions): string;
  /**
   * A token that passes verification unless you break it: iss, aud, sub, iat, exp (+5 min) and a
   * profile, with `claims` merged over them (`undefined` removes a claim).
   */
  token(claims?: Record<string, unknown>, options?: JwtSignOptions): string;
  /** New keys and kids; the old ones disappear from the JWKS. */
  rotate(): void;
  /** Requests served so far (of one kind, or all). */
  requests(kind?: JwksRequestKind): number;
  /** While true every request is answered 503, as an issuer in trouble would. */
  setFailing(failing: boolean): void;
  stop(): Promise<void>;
}

interface KeySet {
  rsa: { kid: string; privateKey: KeyObject; publicKey: KeyObject };
  ec: { kid: string; privateKey: KeyObject; publicKey: KeyObject };
}

function newKeys(): KeySet {
  const tag = randomBytes(4).toString('hex');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { rsa: { kid: `rsa-${tag}`, ...rsa }, ec: { kid: `ec-${tag}`, ...ec } };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function signature(alg: string, input: string, keys: KeySet, secret: string | Buffer | undefined): string {
  if (alg.toLowerCase() === 'none') return '';
  const data = Buffer.from(input);
  const bits = alg.slice(2);
  const hash = `sha${bits}`;
  switch (alg.slice(0, 2)) {
    case 'RS':
      return cryptoSign(hash, data, keys.rsa.privateKey).toString('base64url');
    case 'PS':
      return cryptoSign(hash, data, {
        key: keys.rsa.privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      }).toString('base64url');
    case 'ES':
      if (alg !== 'ES256') throw new Error('jwks server: only ES256 has a key');
      return cryptoSign(hash, data, { key: keys.ec.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    case 'HS': {
      const key = secret ?? (keys.rsa.publicKey.export({ format: 'pem', type: 'spki' }) as string);
      return createHmac(hash, key).update(data).digest('base64url');
    }
    default:
      throw new Error(`jwks server: cannot sign with ${alg}`);
  }
}

/**
 * A plain OIDC issuer on loopback — discovery document + JWKS — that signs whatever a test asks
 * for, good tokens and forged ones alike, and rotates its keys on demand. In-process (node:http and
 * node:crypto), so it works under Jest's CommonJS loader.
 */
export async function startJwksServer(options: JwksServerOptions = {}): Promise<JwksServer> {
  const issuerPath = options.issuerPath ?? '/application/o/alien/';
  let keys = newKeys();
  let previous: KeySet | undefined;
  let failing = false;
  const counts: Record<JwksRequestKind, number> = { discovery: 0, jwks: 0 };

  const base = issuerPath.replace(/\/+$/, '');
  const discoveryPath = `${base}/.well-known/openid-configuration`;
  const jwksPath = `${base}/jwks/`;
  const sockets = new Set<import('node:net').Socket>();

  let origin = '';
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    const kind: JwksRequestKind | undefined =
      pathname === discoveryPath ? 'discovery' : pathname === jwksPath ? 'jwks' : undefined;
    if (kind) counts[kind]++;
    if (failing) return send(503, { error: 'temporarily_unavailable' });
    if (kind === 'discovery') {
      return send(200, {
        issuer: origin + issuerPath,
        jwks_uri: origin + jwksPath,
        authorization_endpoint: `${origin}${base}/authorize/`,
        token_endpoint: `${origin}${base}/token/`,
        id_token_signing_alg_values_supported: ['RS256', 'PS256', 'ES256'],
      });
    }
    if (kind === 'jwks') {
      const jwk = (key: KeyObject, kid: string, alg?: string) => ({
        ...key.export({ format: 'jwk' }),
        kid,
        use: 'sig',
        ...(alg ? { alg } : {}),
      });
      // The RSA key names no alg: it serves RS* and PS* tokens alike.
      return send(200, { keys: [jwk(keys.rsa.publicKey, keys.rsa.kid), jwk(keys.ec.publicKey, keys.ec.kid, 'ES256')] });
    }
    send(404, { error: 'not_found' });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const issuer = origin + issuerPath;
  const audience = options.audience ?? 'alien-platform-api';

  const sign = (payload: Record<string, unknown>, o: JwtSignOptions = {}) => {
    const alg = o.alg ?? 'RS256';
    const set = o.previousKey ? previous : keys;
    if (!set) throw new Error('jwks server: no previous key before rotate()');
    const defaultKid = alg.startsWith('ES') ? set.ec.kid : set.rsa.kid;
    const kid = o.kid === undefined ? defaultKid : o.kid;
    const header = { alg, typ: 'JWT', ...(kid === null ? {} : { kid }), ...o.header };
    const input = `${b64(header)}.${b64(payload)}`;
    return `${input}.${signature(alg, input, set, o.secret)}`;
  };

  return {
    issuer,
    discoveryUrl: origin + discoveryPath,
    jwksUri: origin + jwksPath,
    audience,
    get kid() {
      return keys.rsa.kid;
    },
    get ecKid() {
      return keys.ec.kid;
    },
    get publicKeyPem() {
      return keys.rsa.publicKey.export({ format: 'pem', type: 'spki' }) as string;
    },
    sign,
    token: (claims = {}, o) => {
      const now = Math.floor(Date.now() / 1000);
      return sign(
        {
          iss: issuer,
          aud: audience,
          sub: 'user-1',
          iat: now,
          exp: now + 300,
          email: 'ada@example.com',
          email_verified: true,
          given_name: 'Ada',
          family_name: 'Lovelace',
          ...claims,
        },
        o,
      );
    },
    rotate: () => {
      previous = keys;
      keys = newKeys();
    },
    requests: (kind) => (kind ? counts[kind] : counts.discovery + counts.jwks),
    setFailing: (value) => {
      failing = value;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
