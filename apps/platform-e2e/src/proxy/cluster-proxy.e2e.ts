import { Actor, FakeDataCluster, client, createActor, rawHttp, request, startFakeDataCluster, tmpPath } from '@alien/testing';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { eventually, expectErrorEnvelope } from '../foundation/envelope-assertions';
import { sharedPlatform } from '../support/env';

const { gatewayUrl, proxyUrl, env } = sharedPlatform();
const unique = () => randomBytes(3).toString('hex');

/** Every response of the platform's own seen here (searched for the credential at the end; the echo
 * routes of the fake cluster show what the cluster received, credential included, so they are not kept). */
const seen: string[] = [];
const keep = <T extends { text: string }>(res: T): T => {
  seen.push(res.text);
  return res;
};

/** Budgets the shared platform gives the proxy (global-setup.ts). */
const GET_BUDGET_MS = 1_500;
const MAX_REQUEST_BYTES = 8 * 1024 * 1024;

/**
 * The cluster proxy through the gateway on :3333 (the passthrough) and, where it matters, straight at
 * the proxy app (what an ingress routing the data-plane paths to it does): real processes, a real
 * data cluster on loopback, what the cluster received checked byte for byte.
 */
describe('cluster proxy', () => {
  const credential = `proxy-cred-${randomBytes(12).toString('hex')}`;
  let fake: FakeDataCluster;
  let owner: Actor;
  let partner: Actor;
  let outsider: Actor;
  let ownerOrg: number;
  let partnerOrg: number;
  let clusterId: number;
  let base: string;

  beforeAll(async () => {
    fake = await startFakeDataCluster({ basePath: '/data', credential });
    [owner, partner, outsider] = await Promise.all(['px-owner', 'px-partner', 'px-outsider'].map((l) => createActor(env, l)));
    ownerOrg = (await client(gatewayUrl, owner.token).post('/organizations', { name: `Proxy owners ${unique()}` })).body.data.id;
    partnerOrg = (await client(gatewayUrl, partner.token).post('/organizations', { name: `Proxy partners ${unique()}` })).body.data.id;
    await client(gatewayUrl, outsider.token).post('/organizations', { name: `Proxy outsiders ${unique()}` });
    const created = await client(gatewayUrl, owner.token).post('/clusters', {
      name: 'Proxied',
      baseUrl: fake.baseUrl,
      credential,
      sharedWithOrganizationIds: [partnerOrg],
    });
    clusterId = created.body.data.id;
    base = `/clusters/${clusterId}/proxy`;
  });

  afterAll(async () => {
    await fake?.stop();
  });

  const as = (actor: Actor, url = gatewayUrl) => client(url, actor.token);

  it('forwards to baseUrl + the rest of the path with the query string, and streams the answer back', async () => {
    const res = keep(await as(owner).post(`${base}/api/v1/search?limit=5&sort=score`, { query: 'sea ice' }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ results: expect.any(Array), total: 2, query: 'sea ice' });
    const got = await fake.waitForRequest((r) => r.path === '/data/api/v1/search');
    expect(got.method).toBe('POST');
    expect(got.url).toBe('/data/api/v1/search?limit=5&sort=score');
    expect(got.body).toBe(JSON.stringify({ query: 'sea ice' }));
    expect(res.headers.get('x-request-id')).toBe(got.headers['x-request-id']);
  });

  it('injects the caller’s identity, the request id, the cluster credential and a signed assertion', async () => {
    const res = await as(owner).get(`${base}/echo/who`);
    const headers = res.body.headers;
    expect(headers).toMatchObject({
      'x-user-id': String(owner.userId),
      'x-organization-id': String(ownerOrg),
      'x-user-role': 'owner',
      'x-token-id': String(owner.tokenId),
      'x-auth-method': 'token',
      'x-token-abilities': 'read,write',
      'x-request-id': res.headers.get('x-request-id'),
      authorization: `Bearer ${credential}`,
      'x-alien-identity': expect.stringMatching(/^ey[\w-]+\.[\w-]+\.[\w-]+$/),
    });
  });

  it('an external verifier checks x-alien-identity against GET /.well-known/jwks.json (a plain JWKS)', async () => {
    const jwks = await client(gatewayUrl).get('/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    expect(jwks.body).toEqual({ keys: [expect.objectContaining({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: expect.any(String) })] });
    expect(jwks.body.success).toBeUndefined();
    expect(jwks.headers.get('cache-control')).toMatch(/max-age/);

    const assertion = (await as(owner).get(`${base}/echo/verify`)).body.headers['x-alien-identity'];
    const keySet = createRemoteJWKSet(new URL(`${gatewayUrl}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(assertion, keySet, { issuer: 'alien-platform', audience: String(clusterId) });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'alien-identity+jwt' });
    expect(payload).toMatchObject({ sub: String(owner.userId), org: ownerOrg, role: 'owner', tid: owner.tokenId, amr: 'token', abl: ['read', 'write'] });
    expect((payload.exp as number) - (payload.iat as number)).toBe(60);
    // Made for this cluster only.
    await expect(jwtVerify(assertion, keySet, { issuer: 'alien-platform', audience: String(clusterId + 1) })).rejects.toThrow();
  });

  it('a second, invalid credential (x-oauth-access-token) is 401 like everywhere: the cluster is not reached', async () => {
    const before = fake.requests.length;
    const res = await as(owner).get(`${base}/echo/second-credential`, { headers: { 'x-oauth-access-token': 'forged' } });
    expectErrorEnvelope(res, 401);
    expect(fake.requests.length).toBe(before);
  });

  it('removes spoofed identity headers, credentials and cookies: the cluster sees only ours', async () => {
    const res = (
      await as(owner).get(`${base}/echo/spoof`, {
        headers: {
          'x-user-id': '999999',
          'x-user-role': 'owner',
          'x-token-id': '1',
          'x-auth-method': 'jwt',
          'x-token-abilities': 'admin',
          'x-alien-identity': 'forged.jwt.value',
          cookie: 'session=platform-cookie',
          'x-request-id': 'client-chosen-id',
          'x-organization-id': String(ownerOrg),
        },
      })
    );
    const headers = res.body.headers;
    expect(headers['x-user-id']).toBe(String(owner.userId));
    expect(headers['x-user-role']).toBe('owner');
    expect(headers['x-token-id']).toBe(String(owner.tokenId));
    expect(headers['x-auth-method']).toBe('token');
    expect(headers['x-token-abilities']).toBe('read,write');
    expect(headers['x-alien-identity']).not.toBe('forged.jwt.value');
    expect(headers['x-oauth-access-token']).toBeUndefined();
    expect(headers['cookie']).toBeUndefined();
    expect(headers['authorization']).toBe(`Bearer ${credential}`);
    // A sane client request id is kept end to end (it is the platform's id for the request).
    expect(headers['x-request-id']).toBe('client-chosen-id');
    expect(res.headers.get('x-request-id')).toBe('client-chosen-id');
  });

  it('handles hop-by-hop headers both ways (RFC 9110 §7.6.1)', async () => {
    const raw = await rawHttp(
      gatewayUrl,
      `GET ${base}/echo/hop?hop=1 HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${owner.token}\r\n` +
        `connection: close, x-client-hop\r\nx-client-hop: 1\r\nkeep-alive: timeout=99\r\nte: trailers\r\nproxy-authorization: Basic Zm9vOmJhcg==\r\nupgrade: h2c\r\n\r\n`,
    );
    expect(raw.status).toBe(200);
    const headers = JSON.parse(raw.text.slice(raw.text.indexOf('{'))).headers;
    for (const name of ['x-client-hop', 'te', 'proxy-authorization', 'upgrade']) expect({ name, value: headers[name] }).toEqual({ name, value: undefined });
    expect(headers['keep-alive']).toBeUndefined();
    expect(raw.headers['x-upstream-hop']).toBeUndefined();
    expect(raw.headers['x-cluster-echo']).toBe('1');
  });

  it.each([
    ['..', '/..'],
    ['../ at the start', '/../admin'],
    ['.. deeper', '/echo/../../admin'],
    ['%2e%2e', '/%2e%2e/admin'],
    ['%2E%2e mixed case', '/echo/%2E%2e/%2e%2E/admin'],
    ['.%2e', '/echo/.%2e/admin'],
    ['encoded slash', '/echo%2f..%2f..%2fadmin'],
    ['encoded backslash', '/echo%5c..%5cadmin'],
    ['backslash', '/echo\\..\\admin'],
    ['//evil.example', '//evil.example/steal'],
    ['empty segment', '/echo//x'],
    ['%00', '/echo/%00'],
    ['. segment', '/echo/./x'],
  ])('refuses a path that would escape the base path (%s): 400, nothing reaches the cluster', async (_what, rest) => {
    const before = fake.requests.length;
    const res = await rawHttp(gatewayUrl, `GET ${base}${rest} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${owner.token}\r\nconnection: close\r\n\r\n`);
    expectErrorEnvelope(res, 400, 'invalid_path');
    expect(fake.requests.length).toBe(before);
    expect(fake.escaped).toEqual([]);
  });

  it('answers 404 with the same body for an unknown cluster and another organization’s, 401 anonymous, 422 bad id', async () => {
    const foreign = await as(outsider).get(`${base}/echo/x`);
    const unknown = await as(outsider).get('/clusters/2147483647/proxy/echo/x');
    expectErrorEnvelope(foreign, 404);
    expect(foreign.body).toEqual(unknown.body);
    expectErrorEnvelope(await client(gatewayUrl).get(`${base}/echo/x`), 401);
    expect((await client(gatewayUrl).get(`${base}/echo/x`)).headers.get('www-authenticate')).toBe('Bearer');
    expectErrorEnvelope(await client(gatewayUrl, 'oat_not-a-real-token').get(`${base}/echo/x`), 401);
    expectErrorEnvelope(await as(owner).get('/clusters/abc/proxy/echo'), 422);
    expectErrorEnvelope(await as(owner).get('/clusters/0/proxy/echo'), 422);
    // Shared with the partner: reachable, as the partner's organization.
    const shared = await as(partner).get(`${base}/echo/shared`);
    expect(shared.status).toBe(200);
    expect(shared.body.headers['x-organization-id']).toBe(String(partnerOrg));
  });

  it('a read token reaches the cluster with POST too (the cluster decides), and says so in x-token-abilities', async () => {
    const token = (await as(owner).post('/access-tokens', { name: 'ro proxy', abilities: ['read'], organizationId: ownerOrg })).body.data.token;
    const res = await client(gatewayUrl, token).post(`${base}/echo/read-post`, { q: 1 });
    expect(res.status).toBe(200);
    expect(res.body.headers['x-token-abilities']).toBe('read');
    expect(res.body.method).toBe('POST');
  });

  it('a revoked token is refused on the proxy within a second', async () => {
    const created = (await as(owner).post('/access-tokens', { name: 'revoked proxy', organizationId: ownerOrg })).body.data;
    expect((await client(gatewayUrl, created.token).get(`${base}/echo/before-revoke`)).status).toBe(200);
    expect((await as(owner).delete(`/access-tokens/${created.id}`)).status).toBe(200);
    await eventually(async () => (await client(gatewayUrl, created.token).get(`${base}/echo/after-revoke`)).status === 401, 1_000, 20);
  });

  it('suspended and offline clusters answer 503 without reaching the cluster', async () => {
    const api = as(owner);
    const other = (await api.post('/clusters', { name: `Sometimes ${unique()}`, baseUrl: fake.baseUrl, credential })).body.data.id;
    expect((await api.get(`/clusters/${other}/proxy/echo/up`)).status).toBe(200);
    await api.patch(`/clusters/${other}`, { suspended: true });
    await eventually(async () => (await api.get(`/clusters/${other}/proxy/echo/x`)).status === 503, 2_000, 20);
    const suspended = await api.get(`/clusters/${other}/proxy/echo/x`);
    expectErrorEnvelope(suspended, 503, 'cluster_suspended');
    await api.patch(`/clusters/${other}`, { suspended: false });
    fake.setHealthy(false);
    try {
      expect((await api.post(`/clusters/${other}/check`)).body.data.status).toBe('offline');
      await eventually(async () => (await api.get(`/clusters/${other}/proxy/echo/x`)).body?.error?.code === 'cluster_offline', 2_000, 20);
    } finally {
      fake.setHealthy(true);
    }
    expect((await api.post(`/clusters/${other}/check`)).body.data.status).toBe('online');
    await eventually(async () => (await api.get(`/clusters/${other}/proxy/echo/back`)).status === 200, 2_000, 20);
  });

  it('an upstream that hangs: 504 envelope within the budget, the upstream request aborted', async () => {
    const started = Date.now();
    const res = await as(owner).get(`${base}/api/v1/hang`);
    const took = Date.now() - started;
    expectErrorEnvelope(res, 504, 'upstream_timeout');
    expect(took).toBeGreaterThanOrEqual(GET_BUDGET_MS - 50);
    expect(took).toBeLessThan(GET_BUDGET_MS + 1_500);
    const hung = await fake.waitForRequest((r) => r.path === '/data/api/v1/hang');
    await fake.waitForEnd(hung);
    expect(hung.aborted).toBe(true);
  });

  it('an upstream that resets, answers garbage, or refuses connections: 502 envelope, never retried', async () => {
    const count = (p: string) => fake.requests.filter((r) => r.path === p).length;
    expectErrorEnvelope(await as(owner).get(`${base}/api/v1/reset`), 502, 'bad_gateway');
    expect(count('/data/api/v1/reset')).toBe(1);
    expectErrorEnvelope(await as(owner).get(`${base}/api/v1/garbage`), 502, 'bad_gateway');
    expect(count('/data/api/v1/garbage')).toBe(1);
    const dead = (await as(owner).post('/clusters', { name: `Dead ${unique()}`, baseUrl: 'http://127.0.0.1:9' })).body.data.id;
    expectErrorEnvelope(await as(owner).get(`/clusters/${dead}/proxy/anything`), 502, 'bad_gateway');
  });

  it('an upstream that dies mid-body: the client’s connection is cut (no complete-looking answer)', async () => {
    const res = await fetch(`${gatewayUrl}${base}/api/v1/reset-mid`, { headers: { authorization: `Bearer ${owner.token}` } });
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow();
  });

  it('streams server-sent events one by one', async () => {
    const res = await fetch(`${gatewayUrl}${base}/api/v1/sse?events=5&intervalMs=250`, { headers: { authorization: `Bearer ${owner.token}` } });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const arrivals: number[] = [];
    const started = Date.now();
    let text = '';
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      const piece = decoder.decode(chunk, { stream: true });
      text += piece;
      for (let i = 0; i < (piece.match(/\n\n/g) ?? []).length; i++) arrivals.push(Date.now() - started);
    }
    expect(arrivals).toHaveLength(5);
    expect(text.match(/^id: \d+$/gm)).toEqual(['id: 1', 'id: 2', 'id: 3', 'id: 4', 'id: 5']);
    // The first event arrived about a second before the last one: nothing waited for the end.
    expect((arrivals[4] as number) - (arrivals[0] as number)).toBeGreaterThan(800);
  });

  it('streams 200 MB without Content-Length through :3333, whole and in order', async () => {
    const bytes = 200 * 1024 * 1024;
    const res = await fetch(`${gatewayUrl}${base}/api/v1/huge?bytes=${bytes}&length=0`, { headers: { authorization: `Bearer ${owner.token}` } });
    expect(res.headers.get('content-length')).toBeNull();
    let total = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) total += chunk.byteLength;
    expect(total).toBe(bytes);
  });

  it('streams a request body up to the limit (counted, hashed by the cluster)', async () => {
    const body = randomBytes(5 * 1024 * 1024);
    const res = keep(
      await request(gatewayUrl, `${base}/api/v1/upload`, { method: 'PUT', token: owner.token, body, headers: { 'content-type': 'application/octet-stream' } }),
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') });
  });

  it('refuses a body over CLUSTER_PROXY_MAX_REQUEST_BYTES: 413 up front when Content-Length says so', async () => {
    const before = fake.requests.length;
    const answer = await upload(gatewayUrl, { 'content-length': String(MAX_REQUEST_BYTES + 1) }, MAX_REQUEST_BYTES + 1);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain('"code":"payload_too_large"');
    expect(fake.requests.length).toBe(before);
  });

  it('refuses a chunked body once it passes the limit: 413, the upstream request aborted', async () => {
    const answer = await upload(gatewayUrl, { 'transfer-encoding': 'chunked' }, MAX_REQUEST_BYTES + 1024 * 1024);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain('"code":"payload_too_large"');
    const got = await fake.waitForRequest((r) => r.path === '/data/api/v1/upload' && r.headers['transfer-encoding'] === 'chunked');
    await fake.waitForEnd(got);
    expect(got.aborted).toBe(true);
    expect(got.bodyBytes).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
  });

  /** Sends an upload over a raw socket, reading the answer while the body is still going (like a real client). */
  async function upload(url: string, framing: Record<string, string>, total: number): Promise<string> {
    // (Declared with `function` so the tests above can use it.)
    const { hostname, port } = new URL(url);
    const socket = connect({ host: hostname, port: Number(port) });
    let answer = '';
    socket.on('data', (d) => (answer += d.toString('latin1')));
    socket.on('error', () => undefined);
    const closed = new Promise((r) => socket.once('close', r));
    const head = Object.entries({ host: 'x', authorization: `Bearer ${owner.token}`, 'content-type': 'application/octet-stream', ...framing })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    socket.write(`POST ${base}/api/v1/upload HTTP/1.1\r\n${head}\r\n`);
    const chunked = framing['transfer-encoding'] === 'chunked';
    const chunk = Buffer.alloc(256 * 1024, 'z');
    for (let sent = 0; sent < total && !answer && !socket.destroyed; sent += chunk.length) {
      const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
      const ok = socket.write(chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece);
      if (!ok) await Promise.race([new Promise((r) => socket.once('drain', r)), closed, new Promise((r) => setTimeout(r, 2_000).unref())]);
      await new Promise((r) => setImmediate(r));
    }
    await Promise.race([closed, new Promise((r) => setTimeout(r, 5_000).unref())]);
    socket.destroy();
    return answer;
  }

  it('a client that disconnects mid-stream aborts the upstream request', async () => {
    const controller = new AbortController();
    const res = await fetch(`${gatewayUrl}${base}/api/v1/huge?bytes=${500 * 1024 * 1024}&length=1&tag=disconnect`, {
      headers: { authorization: `Bearer ${owner.token}` },
      signal: controller.signal,
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    controller.abort();
    const upstream = await fake.waitForRequest((r) => r.query.get('tag') === 'disconnect');
    await fake.waitForEnd(upstream, 10_000);
    expect(upstream.aborted).toBe(true);
  });

  it('works the same straight at the proxy app (an ingress routing the data-plane paths to it)', async () => {
    expect(proxyUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const direct = keep(await as(owner, proxyUrl).post(`${base}/api/v1/search`, { query: 'direct' }));
    expect(direct.status).toBe(200);
    expect(direct.body.query).toBe('direct');
    expectErrorEnvelope(await client(proxyUrl).get(`${base}/echo/x`), 401);
    expectErrorEnvelope(await as(outsider, proxyUrl).get(`${base}/echo/x`), 404);
    const refused = await upload(proxyUrl, { 'transfer-encoding': 'chunked' }, MAX_REQUEST_BYTES + 1024 * 1024);
    expect(refused).toMatch(/^HTTP\/1\.1 413 /);
    // The proxy app serves nothing else of the API.
    expect((await as(owner, proxyUrl).get('/clusters')).status).toBe(404);
  });

  it('HEAD works and carries the upstream’s headers without a body', async () => {
    const res = await fetch(`${gatewayUrl}${base}/api/v1/huge?bytes=1234`, { method: 'HEAD', headers: { authorization: `Bearer ${owner.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('1234');
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  describe('request log', () => {
    it('records every request once, path without the query string, for owners and admins only', async () => {
      const tag = unique();
      await as(owner).get(`${base}/echo/audit-${tag}?secret=s3cr3t`);
      await as(partner).get(`${base}/echo/audit-partner-${tag}`);
      let page: any;
      await eventually(async () => {
        page = (await as(owner).get(`/clusters/${clusterId}/proxy-logs?perPage=100`)).body;
        return page.data.some((r: any) => r.path === `/echo/audit-partner-${tag}`);
      }, 5_000);
      const mine = page.data.filter((r: any) => r.path === `/echo/audit-${tag}`);
      expect(mine).toEqual([
        {
          id: expect.any(Number),
          clusterId,
          userId: owner.userId,
          organizationId: ownerOrg,
          tokenId: owner.tokenId,
          method: 'GET',
          path: `/echo/audit-${tag}`,
          status: 200,
          bytesIn: 0,
          bytesOut: expect.any(Number),
          durationMs: expect.any(Number),
          requestId: expect.any(String),
          createdAt: expect.any(String),
        },
      ]);
      expect(mine[0].bytesOut).toBeGreaterThan(100);
      expect(JSON.stringify(page)).not.toContain('s3cr3t');
      const partnerRow = page.data.find((r: any) => r.path === `/echo/audit-partner-${tag}`);
      expect(partnerRow).toMatchObject({ userId: partner.userId, organizationId: partnerOrg });
      // Failures are audited with what the client got.
      expect(page.data.some((r: any) => r.path === '/api/v1/hang' && r.status === 504)).toBe(true);
      expect(page.data.some((r: any) => r.path === '/api/v1/reset' && r.status === 502)).toBe(true);
    });

    it('filters by status, user and time', async () => {
      const api = as(owner);
      const errors = (await api.get(`/clusters/${clusterId}/proxy-logs?status=5xx&perPage=100`)).body.data;
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.every((r: any) => r.status >= 500)).toBe(true);
      expect((await api.get(`/clusters/${clusterId}/proxy-logs?status=504`)).body.data.every((r: any) => r.status === 504)).toBe(true);
      const partnerOnly = (await api.get(`/clusters/${clusterId}/proxy-logs?userId=${partner.userId}&perPage=100`)).body.data;
      expect(partnerOnly.length).toBeGreaterThan(0);
      expect(partnerOnly.every((r: any) => r.userId === partner.userId)).toBe(true);
      const future = new Date(Date.now() + 3_600_000).toISOString();
      expect((await api.get(`/clusters/${clusterId}/proxy-logs?from=${future}`)).body.meta.total).toBe(0);
      expect((await api.get(`/clusters/${clusterId}/proxy-logs?to=2000-01-01T00:00:00Z`)).body.meta.total).toBe(0);
      const asc = (await api.get(`/clusters/${clusterId}/proxy-logs?orderBy=createdAt&direction=asc&perPage=2`)).body.data;
      expect(Date.parse(asc[0].createdAt)).toBeLessThanOrEqual(Date.parse(asc[1].createdAt));
    });

    it('refuses bad filters (422) and other callers (shared organization 403, others 404, anonymous 401)', async () => {
      const api = as(owner);
      const bad = await api.get(`/clusters/${clusterId}/proxy-logs?from=yesterday&status=6xx&userId=abc`);
      expectErrorEnvelope(bad, 422);
      expect(bad.body.error.messages.map((m: any) => m.field).sort()).toEqual(['from', 'status', 'userId']);
      expectErrorEnvelope(await api.get(`/clusters/${clusterId}/proxy-logs?perPage=1000`), 422);
      expectErrorEnvelope(await as(partner).get(`/clusters/${clusterId}/proxy-logs`), 403);
      expectErrorEnvelope(await as(outsider).get(`/clusters/${clusterId}/proxy-logs`), 404);
      expectErrorEnvelope(await client(gatewayUrl).get(`/clusters/${clusterId}/proxy-logs`), 401);
    });
  });

  it('never shows the cluster credential in a response or a log line', async () => {
    for (const text of seen) expect(text).not.toContain(credential);
    const logDir = tmpPath('logs', 'e2e-shared');
    const logs = existsSync(logDir) ? readdirSync(logDir).map((f) => readFileSync(path.join(logDir, f), 'utf8')) : [];
    expect(logs.join('\n')).toContain('request completed');
    for (const text of logs) expect(text).not.toContain(credential);
  });
});
