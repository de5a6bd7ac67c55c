/**
 * `npm run demo-cluster`: a tiny data cluster (a Data API) on http://127.0.0.1:4500 to register with
 * the platform and reach through the cluster proxy. It checks what a real cluster should check: the
 * cluster credential in `Authorization`, and the platform's signed identity assertion `x-alien-identity`
 * against the platform's JWKS (it trusts no other header). Ctrl-C stops it.
 *
 *   DEMO_CLUSTER_PORT (4500) · DEMO_CLUSTER_CREDENTIAL (demo-cluster-secret) · PLATFORM_URL (http://localhost:3333)
 */
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { IncomingMessage, ServerResponse, createServer } from 'node:http';

const port = Number(process.env['DEMO_CLUSTER_PORT'] ?? 4500);
const credential = process.env['DEMO_CLUSTER_CREDENTIAL'] ?? 'demo-cluster-secret';
const platform = (process.env['PLATFORM_URL'] ?? 'http://localhost:3333').replace(/\/+$/, '');
const jwks = createRemoteJWKSet(new URL(`${platform}/.well-known/jwks.json`));
const say = (line = '') => process.stdout.write(`${line}\n`);

const DOCUMENTS = [
  { id: 'sst-1981-2020', title: 'Sea surface temperature 1981-2020' },
  { id: 'arctic-ice', title: 'Arctic sea ice extent' },
  { id: 'ocean-ph', title: 'Ocean acidity (pH) since 1985' },
];

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(`${text}`);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** Who calls, as the platform vouches for it — or why the call is refused. */
async function caller(req: IncomingMessage): Promise<{ claims: Record<string, unknown> } | { status: number; error: string }> {
  if (req.headers['authorization'] !== `Bearer ${credential}`) return { status: 401, error: 'the cluster credential is missing or wrong' };
  const assertion = req.headers['x-alien-identity'];
  if (typeof assertion !== 'string') return { status: 401, error: 'no x-alien-identity' };
  try {
    // The audience is this cluster's id in the platform; a real cluster knows it, the demo accepts any.
    const { payload } = await jwtVerify(assertion, jwks, { issuer: 'alien-platform' });
    return { claims: payload as Record<string, unknown> };
  } catch (e) {
    return { status: 401, error: `x-alien-identity does not verify: ${(e as Error).message}` };
  }
}

const server = createServer((req, res) => {
  void (async () => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health') return json(res, 200, { status: 'ok' });
    const who = await caller(req);
    if ('error' in who) return json(res, who.status, { error: who.error });
    const { claims } = who;
    if (path === '/api/v1/whoami') {
      return json(res, 200, {
        verified: { user: claims['sub'], organization: claims['org'], role: claims['role'], abilities: claims['abl'], cluster: claims['aud'], expires: claims['exp'] },
        headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => k.startsWith('x-'))),
      });
    }
    if (path === '/api/v1/search' && req.method === 'POST') {
      // A read-only token may search (a cluster decides what `read` allows).
      const body = await readJson(req).catch(() => null);
      if (!body) return json(res, 400, { error: 'send JSON' });
      const q = String(body['query'] ?? '').toLowerCase();
      const results = DOCUMENTS.filter((d) => d.title.toLowerCase().includes(q));
      return json(res, 200, { query: body['query'] ?? null, total: results.length, results, searchedFor: claims['sub'] });
    }
    if (path === '/api/v1/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (let i = 1; i <= 5 && !res.destroyed; i++) {
        res.write(`id: ${i}\nevent: progress\ndata: {"step":${i},"of":5}\n\n`);
        await new Promise((r) => setTimeout(r, 500));
      }
      return void res.end();
    }
    json(res, 404, { error: 'no such Data API route', routes: ['GET /health', 'GET /api/v1/whoami', 'POST /api/v1/search', 'GET /api/v1/events'] });
  })().catch((e: unknown) => {
    if (!res.headersSent) json(res, 500, { error: (e as Error).message });
    else res.destroy();
  });
});

server.listen(port, '127.0.0.1', () => {
  say(`Demo data cluster on http://127.0.0.1:${port}  (credential: ${credential})`);
  say(`It verifies x-alien-identity against ${platform}/.well-known/jwks.json.`);
  say('');
  say('Register it (with npm start running, TOKEN=$(cat .data/demo-token)):');
  say(`  curl -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \\`);
  say(`       -d '{"name":"Demo cluster","baseUrl":"http://127.0.0.1:${port}","credential":"${credential}"}' localhost:3333/clusters`);
  say('Then, with the id it returns:');
  say(`  curl -H "Authorization: Bearer $TOKEN" localhost:3333/clusters/<id>/proxy/api/v1/whoami`);
  say('Ctrl-C stops it.');
});
process.on('SIGINT', () => server.close(() => process.exit(0)));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
