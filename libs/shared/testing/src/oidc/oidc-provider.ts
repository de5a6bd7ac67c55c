import type { OidcClaims } from '@alien/identity';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { startProcess } from '../process';

/** A user as the provider knows them: a subject and the profile claims auth provisions from. */
export interface OidcUser extends OidcClaims {
  sub: string;
}

export interface OidcProviderOptions {
  /** The resource server (the API) the access tokens are for; it becomes their `aud`. A URI. */
  audience?: string;
  /** Access token lifetime in seconds (default 300). */
  accessTokenTtlSec?: number;
  clientId?: string;
  clientSecret?: string;
}

export interface OidcProviderHandle {
  /** The issuer URL, as in the tokens' `iss` (http://127.0.0.1:<port>, no trailing slash). */
  issuer: string;
  audience: string;
  /** The `kid` the provider signs with. */
  kid: string;
  /** Logs the user in through the authorization-code flow (PKCE) and returns the JWT access token. */
  token(user: OidcUser): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts a real OpenID Connect provider (`oidc-provider`) on loopback as a child process: it is
 * ESM-only, and Jest here loads CommonJS. Tokens come from a real authorization-code flow — the same
 * way Authentik issues a user's access token — with the login page scripted (see oidc-provider.mjs).
 */
export async function startOidcProvider(options: OidcProviderOptions = {}): Promise<OidcProviderHandle> {
  const audience = options.audience ?? 'https://api.alien.test';
  const clientId = options.clientId ?? 'alien-web';
  const clientSecret = options.clientSecret ?? randomBytes(16).toString('hex');
  // Never followed: the code is read from the redirect's Location header.
  const redirectUri = 'http://127.0.0.1/callback';
  const proc = await startProcess({
    name: 'oidc-provider',
    script: path.join(__dirname, 'oidc-provider.mjs'),
    env: {
      PATH: process.env['PATH'],
      NODE_ENV: 'test',
      OIDC_AUDIENCE: audience,
      OIDC_CLIENT_ID: clientId,
      OIDC_CLIENT_SECRET: clientSecret,
      OIDC_REDIRECT_URI: redirectUri,
      OIDC_ACCESS_TOKEN_TTL: String(options.accessTokenTtlSec ?? 300),
    },
    ready: (line) => line.msg === 'oidc provider ready',
    timeoutMs: 20_000,
  });
  const issuer = String(proc.readyLine['issuer']);
  const kid = String(proc.readyLine['kid']);
  let endpoints: { authorization_endpoint: string; token_endpoint: string } | undefined;

  const token = async (user: OidcUser): Promise<string> => {
    endpoints ??= (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as {
      authorization_endpoint: string;
      token_endpoint: string;
    };
    const browser = cookieBrowser();
    const verifier = randomBytes(32).toString('base64url');
    const authorize = new URL(endpoints.authorization_endpoint);
    authorize.search = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: 'openid email profile api',
      resource: audience,
      state: randomBytes(8).toString('hex'),
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();

    // 1. The authorization request sends the browser to the login interaction.
    const toLogin = await browser.redirectOf(authorize.toString());
    // 2. The "login page" submits the user; the provider resumes the authorization.
    const toResume = await browser.redirectOf(`${toLogin}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        sub: user.sub,
        email: user.email,
        email_verified: user.emailVerified ?? (user.email ? true : undefined),
        given_name: user.givenName,
        family_name: user.familyName,
        name: user.name ?? ([user.givenName, user.familyName].filter(Boolean).join(' ') || undefined),
        preferred_username: user.preferredUsername,
      }),
    });
    // 3. Resuming ends at the client's redirect URI with a code.
    const toClient = new URL(await browser.redirectOf(toResume));
    const code = toClient.searchParams.get('code');
    if (!code) throw new Error(`oidc-provider returned no code: ${toClient.search}`);

    // 4. The client exchanges the code for tokens.
    const res = await fetch(endpoints.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        code_verifier: verifier,
        client_id: clientId,
        client_secret: clientSecret,
        resource: audience,
      }).toString(),
    });
    const body = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
    if (!res.ok || !body.access_token) {
      throw new Error(`oidc-provider token endpoint answered ${res.status}: ${JSON.stringify(body)}`);
    }
    return body.access_token;
  };

  return {
    issuer,
    audience,
    kid,
    token,
    stop: async () => {
      await proc.stop();
    },
  };
}

/** Just enough of a browser for the flow: a cookie jar and manual redirects, resolved against the last URL. */
function cookieBrowser() {
  const jar = new Map<string, string>();
  const redirectOf = async (url: string, init: RequestInit = {}): Promise<string> => {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) },
    });
    for (const header of res.headers.getSetCookie()) {
      const pair = header.split(';', 1)[0] ?? '';
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (!value || /expires=Thu, 01 Jan 1970/i.test(header)) jar.delete(name);
      else jar.set(name, value);
    }
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) {
      throw new Error(`expected a redirect from ${url}, got ${res.status}: ${(await res.text()).slice(0, 500)}`);
    }
    return new URL(location, url).toString();
  };
  return { redirectOf };
}
