// A real OpenID Connect provider (the `oidc-provider` package, ESM-only) on loopback, for tests.
// Started as a child process by oidc-provider.ts; prints one JSON line {"msg":"oidc provider ready",…}.
//
// Environment: OIDC_AUDIENCE (the resource server whose JWT access tokens it issues), OIDC_CLIENT_ID,
// OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI, OIDC_ACCESS_TOKEN_TTL (seconds), OIDC_PORT (0 = any).
//
// Users log in through a scripted interaction instead of an HTML form: the test POSTs the user's
// claims as JSON to /interaction/<uid>/login, as a login page would post a form; the account is
// remembered and consent for everything requested is granted.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const env = process.env;
const audience = env.OIDC_AUDIENCE || 'https://api.alien.test';
const clientId = env.OIDC_CLIENT_ID || 'alien-web';
const clientSecret = env.OIDC_CLIENT_SECRET || 'alien-web-secret';
const redirectUri = env.OIDC_REDIRECT_URI || 'http://127.0.0.1/callback';
const accessTokenTTL = Number(env.OIDC_ACCESS_TOKEN_TTL || 300);
const RESOURCE_SCOPE = 'api';

/** accountId → claims in OIDC names, filled by the scripted login. */
const accounts = new Map();

const log = (msg, extra = {}) => process.stdout.write(`${JSON.stringify({ level: 'info', msg, ...extra })}\n`);

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: `rsa-${randomBytes(4).toString('hex')}`, alg: 'RS256', use: 'sig' };

const server = createServer();
await new Promise((resolve) => server.listen(Number(env.OIDC_PORT || 0), '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
  },
  features: {
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => audience,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resourceIndicator) => {
        if (resourceIndicator !== audience) throw new Provider.errors.InvalidTarget();
        return { scope: RESOURCE_SCOPE, audience, accessTokenFormat: 'jwt', accessTokenTTL, jwt: { sign: { alg: 'RS256' } } };
      },
    },
  },
  pkce: { required: () => true },
  findAccount: (_ctx, sub) => {
    const claims = accounts.get(sub);
    if (!claims) return undefined;
    return { accountId: sub, claims: () => ({ sub, ...claims }) };
  },
  // Authentik puts the user's profile into its access tokens; so does this provider.
  extraTokenClaims: (_ctx, token) => (token.kind === 'AccessToken' && token.accountId ? accounts.get(token.accountId) : undefined),
  renderError: (ctx, out) => {
    ctx.type = 'json';
    ctx.body = out;
  },
});

const readJson = (req) =>
  new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      try {
        resolve(JSON.parse(body || '{}'));
      } catch (e) {
        reject(e);
      }
    });
    req.on('error', reject);
  });

const sendJson = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

/** The login "page": the test posts the user, we remember it and grant what was asked. */
async function login(req, res) {
  const details = await provider.interactionDetails(req, res);
  const user = await readJson(req);
  if (typeof user.sub !== 'string' || !user.sub) return sendJson(res, 400, { error: 'sub is required' });
  const claims = {};
  for (const key of ['email', 'email_verified', 'given_name', 'family_name', 'name', 'preferred_username']) {
    if (user[key] !== undefined) claims[key] = user[key];
  }
  accounts.set(user.sub, claims);

  const grant = new provider.Grant({ accountId: user.sub, clientId: details.params.client_id });
  grant.addOIDCScope(String(details.params.scope ?? 'openid'));
  grant.addResourceScope(audience, RESOURCE_SCOPE);
  const grantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: user.sub }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}

const callback = provider.callback();
server.on('request', (req, res) => {
  if (req.method === 'POST' && /^\/interaction\/[^/]+\/login$/.test(req.url ?? '')) {
    login(req, res).catch((e) => sendJson(res, 500, { error: String(e?.message ?? e) }));
    return;
  }
  callback(req, res);
});

const shutdown = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 1_000).unref();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

log('oidc provider ready', { issuer, audience, clientId, redirectUri, kid: signingKey.kid });
