import { CatalogContracts } from '@alien/catalog/contracts';
import { Platform, client, createActor, generateAccessTokenForTests, logDir, rawHttp, startPlatform } from '@alien/testing';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { allLogLines, expectErrorEnvelope, expectNon5xxEnvelope, healthPort } from './envelope-assertions';

// Jest's testTimeout does not apply inside `projects`; recovery polls need more than the 5 s default.
jest.setTimeout(30_000);

const BODY_LIMIT = 2_048;
const REQUEST_TIMEOUT = 1_500;
const LABEL = `foundation-logs-${process.pid}`;
const SERVICES = ['auth', 'catalog', 'orchestration', 'proxy'] as const;

/**
 * An own platform (all services) with a small body limit, for what needs the processes' logs or
 * stops services: request-id propagation, credentials kept out of logs, health with a service down.
 */
describe('foundation: logs, body limit and health on an own platform', () => {
  let platform: Platform;
  let api: ReturnType<typeof client>;
  let host: string;

  beforeAll(async () => {
    platform = await startPlatform({ label: LABEL, gatewayEnv: { BODY_LIMIT_BYTES: String(BODY_LIMIT), REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT) } });
    api = client(platform.gatewayUrl);
    host = new URL(platform.gatewayUrl).host;
  }, 60_000);

  function processOf(name: string) {
    const proc = platform.processes.get(name);
    if (!proc) throw new Error(`${name} is not running`);
    return proc;
  }

  afterAll(async () => {
    await platform?.stop();
  }, 60_000);

  describe(`BODY_LIMIT_BYTES=${BODY_LIMIT}`, () => {
    it('a larger body → 413 naming the limit, with or without content-length', async () => {
      const body = JSON.stringify({ name: 'x'.repeat(BODY_LIMIT) });
      const res = await api.post('/tags', body, { headers: { 'content-type': 'application/json' } });
      expectErrorEnvelope(res, 413, 'payload_too_large');
      expect(res.body.message).toContain(String(BODY_LIMIT));

      const chunk = (s: string) => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`;
      const half = body.slice(0, body.length / 2);
      const chunked = await rawHttp(
        platform.gatewayUrl,
        `POST /tags HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n` +
          `${chunk(half)}${chunk(body.slice(half.length))}0\r\n\r\n`,
      );
      expectErrorEnvelope(chunked, 413, 'payload_too_large');
    });

    it(`a body that never finishes → 408 envelope and close within REQUEST_TIMEOUT_MS=${REQUEST_TIMEOUT} (it hung for minutes)`, async () => {
      const started = Date.now();
      const res = await rawHttp(
        platform.gatewayUrl,
        `POST /tags HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"name":"abc"`,
        10_000,
      );
      expectErrorEnvelope(res, 408, 'timeout');
      expect(Date.now() - started).toBeLessThan(REQUEST_TIMEOUT + 2_500);
    });

    it('headers that never finish → 408 envelope and close as well', async () => {
      const started = Date.now();
      const res = await rawHttp(platform.gatewayUrl, `GET /tags HTTP/1.1\r\nhost: ${host}\r\nx-slow: 1\r\n`, 10_000);
      expectErrorEnvelope(res, 408, 'timeout');
      expect(Date.now() - started).toBeLessThan(REQUEST_TIMEOUT + 2_500);
    });

    it('a body under the limit is read (an envelope, not 413)', async () => {
      const res = await api.post('/tags', { name: 'x'.repeat(BODY_LIMIT / 2) });
      expectNon5xxEnvelope(res);
      expect(res.status).not.toBe(413);
    });

    it('a content-length that promises more than arrives does not hang the gateway', async () => {
      const res = await rawHttp(
        platform.gatewayUrl,
        `POST /tags HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\ncontent-length: 100000\r\nconnection: close\r\n\r\n{"name":"x"}`,
      );
      expectErrorEnvelope(res, 413, 'payload_too_large');
    });
  });

  it('the request id travels over NATS: the gateway and the catalog both log it', async () => {
    const res = await api.get('/tags/1', { headers: { 'x-request-id': 'e2e-trace-123' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('e2e-trace-123');
    const gatewayLine = await processOf('gateway').waitForLine((l) => (l['req'] as { id?: string })?.id === 'e2e-trace-123');
    expect(gatewayLine).toMatchObject({ service: 'gateway', req: { method: 'GET', url: '/tags/1' }, res: { statusCode: 200 } });
    const catalogLine = await processOf('catalog').waitForLine((l) => l['requestId'] === 'e2e-trace-123');
    expect(catalogLine).toMatchObject({ service: 'catalog', subject: CatalogContracts.reference.tags.get.subject, status: 200 });
  });

  it('credentials sent by clients appear in no log line of any process', async () => {
    const apiToken = 'oat_secretvalue0123456789abcdefSECRETa';
    const jwt =
      'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZWNyZXQtdXNlciIsInNlY3JldCI6InRvcC1zZWNyZXQtY2xhaW0ifQ.c2lnbmF0dXJlLXNlY3JldC1wYXJ0';
    // A real token (issued by the auth CLI, verified by the auth service) and a well-formed unknown one.
    const admin = await createActor(platform.env, 'secrets', { platformAdmin: true });
    const unknownToken = generateAccessTokenForTests();
    const secrets = [
      apiToken,
      'secretvalue0123456789abcdefSECRETa',
      jwt,
      jwt.split('.')[1] as string,
      jwt.split('.')[2] as string,
      admin.token,
      admin.token.slice(4),
      unknownToken,
    ];
    const withCredentials: Record<string, string>[] = [
      { authorization: `Bearer ${admin.token}` },
      { authorization: `Bearer ${unknownToken}` },
      { authorization: `Bearer ${apiToken}` },
      { 'x-oauth-access-token': jwt },
      { authorization: `Bearer ${jwt}` },
      { authorization: `Bearer ${apiToken}`, 'x-oauth-access-token': jwt, 'x-organization-id': '1' },
    ];
    for (const headers of withCredentials) {
      // Statuses are the identity work's business; here only "an envelope, no 5xx, nothing logged".
      for (const res of [
        await api.get('/tags/1', { headers }),
        await api.get('/tags?q=x', { headers }),
        await api.get('/nope', { headers }),
        await api.get('/tags/abc', { headers }),
        await api.post('/tags', { name: `secret-test-${Object.keys(headers).length}-${Math.random()}` }, { headers }),
        await api.post('/tags', '{bad', { headers: { ...headers, 'content-type': 'application/json' } }),
        await api.get('/health', { headers }),
      ]) {
        expect(res.status).toBeLessThan(500);
        expect(typeof res.body?.success).toBe('boolean');
      }
    }
    // Tokens put in the query string by careless clients are redacted from logged URLs too.
    expect((await api.get(`/tags?access_token=${encodeURIComponent(admin.token)}&page=1`)).status).toBeLessThan(500);
    expect((await api.get(`/nope?token=${encodeURIComponent(apiToken)}`)).status).toBe(404);
    // A marker request after the others: once both processes logged it, everything before is in.
    await api.get('/tags/2', { headers: { 'x-request-id': 'e2e-secrets-marker' } });
    await processOf('gateway').waitForLine((l) => (l['req'] as { id?: string })?.id === 'e2e-secrets-marker');
    await processOf('catalog').waitForLine((l) => l['requestId'] === 'e2e-secrets-marker');

    const lines = allLogLines(platform);
    expect(lines.length).toBeGreaterThan(10);
    for (const secret of secrets) {
      const leaks = lines.filter((l) => l.text.includes(secret)).map((l) => `${l.process}: ${l.text.slice(0, 300)}`);
      expect(leaks).toEqual([]);
    }
    // The log files also hold what was not JSON (stack traces printed by a library, say).
    const dir = logDir(LABEL);
    const files = existsSync(dir) ? readdirSync(dir) : [];
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const file of files) {
      const text = readFileSync(path.join(dir, file), 'utf8');
      for (const secret of secrets) expect({ file, leaked: text.includes(secret) }).toEqual({ file, leaked: false });
    }
  });

  it("each service's /health/ready and /health/live on its health port answer 200", async () => {
    for (const service of SERVICES) {
      const base = `http://127.0.0.1:${healthPort(platform, service)}`;
      const ready = await client(base).get('/health/ready');
      expect({ service, status: ready.status }).toEqual({ service, status: 200 });
      expect(ready.body).toMatchObject({ success: true, data: { status: 'ok', details: { database: { status: 'up' }, nats: { status: 'up' } } } });
      expect((await client(base).get('/health/live')).body).toEqual({ success: true, data: { status: 'ok' } });
    }
  });

  it('GET /health with a service stopped → 503 envelope naming it', async () => {
    await platform.stopProcess('orchestration');
    const started = Date.now();
    const res = await api.get('/health');
    expectErrorEnvelope(res, 503, 'unhealthy');
    expect(res.body.message).toContain('orchestration');
    expect(res.body.message).not.toMatch(/auth|catalog|proxy/);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('a request to a service that is not running → 503 at once (no responders), not a timeout', async () => {
    await platform.stopProcess('catalog');
    const started = Date.now();
    const res = await api.get('/tags/1');
    const elapsed = Date.now() - started;
    expectErrorEnvelope(res, 503, 'service_unavailable');
    expect(res.body.message).toContain('catalog');
    // RPC_TIMEOUT_MS is 5 s here: a 503 well before it means NATS said "nobody listens".
    expect(elapsed).toBeLessThan(2_000);
    expectErrorEnvelope(await api.get('/tags?perPage=1'), 503, 'service_unavailable');
  });
});
