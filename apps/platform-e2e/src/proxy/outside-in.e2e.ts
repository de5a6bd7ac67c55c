import { Actor, FakeDataCluster, ThirdPartyApi, client, createActor, rawHttp, startFakeDataCluster, startThirdPartyApi } from '@alien/testing';
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { expectErrorEnvelope } from '../foundation/envelope-assertions';
import { sharedPlatform } from '../support/env';

const { gatewayUrl, proxyUrl, env } = sharedPlatform();
const unique = () => randomBytes(3).toString('hex');

/**
 * Sends a request the way curl sends any body over 1 MB: `Expect: 100-continue`, then the body only
 * once the server said `100 Continue` (or after a second without an answer). Returns the final answer.
 */
function uploadExpectingContinue(baseUrl: string, path: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; text: string; sawContinue: boolean }> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    let raw = '';
    let sent = false;
    const send = () => {
      if (sent) return;
      sent = true;
      socket.write(body);
    };
    const fallback = setTimeout(send, 1_000);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer: ${JSON.stringify(raw.slice(0, 300))}`));
    }, 15_000);
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      raw += chunk.toString('latin1');
      if (/^HTTP\/1\.1 100 /.test(raw) && raw.includes('\r\n\r\n')) send();
    });
    socket.on('close', () => {
      clearTimeout(fallback);
      clearTimeout(timer);
      const sawContinue = /^HTTP\/1\.1 100 /.test(raw);
      const final = sawContinue ? raw.slice(raw.indexOf('\r\n\r\n') + 4) : raw;
      const status = Number(final.slice(9, 12));
      const split = final.indexOf('\r\n\r\n');
      let text = final.slice(split + 4);
      if (/^transfer-encoding: *chunked/im.test(final.slice(0, split))) {
        let out = '';
        for (let at = 0; ; ) {
          const eol = text.indexOf('\r\n', at);
          const size = parseInt(text.slice(at, eol), 16);
          if (!size) break;
          out += text.slice(eol + 2, eol + 2 + size);
          at = eol + 2 + size + 2;
        }
        text = out;
      }
      resolve({ status, text: Buffer.from(text, 'latin1').toString('utf8'), sawContinue });
    });
    const head = Object.entries({ host: 'x', connection: 'close', expect: '100-continue', 'content-length': String(body.length), ...headers })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    socket.write(`POST ${path} HTTP/1.1\r\n${head}\r\n`);
  });
}

/**
 * The data plane as outside clients found it (the outside-in pass): curl's `Expect: 100-continue` on
 * bodies over 1 MB got 503 "The proxy service could not be reached" through :3333, and a credential
 * header sent twice was used (the first one) by the proxy app instead of refused like at the gateway.
 */
describe('proxies: what real clients send', () => {
  let fake: FakeDataCluster;
  let third: ThirdPartyApi;
  let owner: Actor;
  let other: Actor;
  let clusterBase: string;
  let externalPath: string;

  beforeAll(async () => {
    [fake, third] = await Promise.all([startFakeDataCluster({ basePath: '/data' }), startThirdPartyApi()]);
    const admin = await createActor(env, 'oi-admin', { platformAdmin: true });
    [owner, other] = await Promise.all([createActor(env, 'oi-owner'), createActor(env, 'oi-other')]);
    await client(gatewayUrl, owner.token).post('/organizations', { name: `Outside in ${unique()}` });
    await client(gatewayUrl, other.token).post('/organizations', { name: `Outside in other ${unique()}` });
    const cluster = await client(gatewayUrl, owner.token).post('/clusters', { name: `Outside in ${unique()}`, baseUrl: fake.baseUrl });
    clusterBase = `/clusters/${cluster.body.data.id}/proxy`;
    const connector = await client(gatewayUrl, admin.token).post('/external-apis', { name: `Outside in ${unique()}`, baseUrl: third.url, auth: { type: 'bearer' }, secret: 's' });
    const endpoint = await client(gatewayUrl, admin.token).post(`/external-apis/${connector.body.data.id}/endpoints`, {
      operationId: 'translate',
      method: 'POST',
      path: '/v1/translate',
      unitPriceCents: 1,
      billing: { mode: 'fixed', units: 1 },
    });
    externalPath = `/external-apis/${connector.body.data.id}/endpoints/${endpoint.body.data.id}/proxy`;
  });

  afterAll(async () => {
    await Promise.all([fake?.stop(), third?.stop()]);
  });

  it.each([
    ['through :3333', () => gatewayUrl],
    ['straight at the proxy app', () => proxyUrl],
  ])('Expect: 100-continue (curl, bodies over 1 MB) reaches the cluster and the third party %s', async (_where, url) => {
    const body = Buffer.from(randomBytes(1024 * 1024).toString('hex'));
    const auth = { authorization: `Bearer ${owner.token}`, 'content-type': 'application/octet-stream' };
    const cluster = await uploadExpectingContinue(url(), `${clusterBase}/api/v1/upload`, auth, body);
    expect({ status: cluster.status, text: cluster.text.slice(0, 200) }).toEqual({ status: 200, text: expect.any(String) });
    expect(JSON.parse(cluster.text)).toEqual({ bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') });
    const tag = unique();
    const external = await uploadExpectingContinue(url(), `${externalPath}?tag=${tag}`, auth, body);
    expect({ status: external.status, text: external.text.slice(0, 100) }).toEqual({ status: 200, text: expect.any(String) });
    const received = await third.waitForRequest((r) => r.query.get('tag') === tag);
    await third.waitForEnd(received);
    expect(received.bodyBytes).toBe(body.length);
  });

  it.each([
    ['through :3333', () => gatewayUrl],
    ['straight at the proxy app', () => proxyUrl],
  ])('an Expect other than 100-continue is a 417 envelope %s (Node answered a bare 417)', async (_where, url) => {
    const res = await rawHttp(
      url(),
      `POST ${externalPath} HTTP/1.1\r\nhost: x\r\nconnection: close\r\nexpect: other\r\nauthorization: Bearer ${owner.token}\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}`,
    );
    expectErrorEnvelope(res, 417, 'expectation_failed');
  });

  it.each([
    ['through :3333', () => gatewayUrl],
    ['straight at the proxy app', () => proxyUrl],
  ])('TRACE is not forwarded to a cluster (it would echo the cluster credential back): 405 envelope %s', async (_where, url) => {
    const before = fake.requests.length;
    const res = await rawHttp(url(), `TRACE ${clusterBase}/echo/trace HTTP/1.1\r\nhost: x\r\nconnection: close\r\nauthorization: Bearer ${owner.token}\r\n\r\n`);
    expectErrorEnvelope(res, 405, 'method_not_allowed');
    expect(fake.requests.length).toBe(before);
  });

  it('CONNECT straight at the proxy app is a 405 envelope (the connection was dropped without an answer)', async () => {
    const res = await rawHttp(proxyUrl, `CONNECT 127.0.0.1:22 HTTP/1.1\r\nhost: 127.0.0.1:22\r\n\r\n`);
    expectErrorEnvelope(res, 405, 'method_not_allowed');
  });

  it.each([
    ['through :3333', () => gatewayUrl],
    ['straight at the proxy app', () => proxyUrl],
  ])('a credential header sent twice is 400 on both proxies %s, as at the gateway; nothing reaches the upstreams', async (_where, url) => {
    const before = fake.requests.length + third.requests.length;
    for (const second of [owner.token, other.token]) {
      const head = `host: x\r\nconnection: close\r\nauthorization: Bearer ${owner.token}\r\nauthorization: Bearer ${second}\r\n`;
      expectErrorEnvelope(await rawHttp(url(), `GET ${clusterBase}/echo/twice HTTP/1.1\r\n${head}\r\n`), 400, 'duplicate_credentials');
      expectErrorEnvelope(
        await rawHttp(url(), `POST ${externalPath} HTTP/1.1\r\n${head}content-type: application/json\r\ncontent-length: 2\r\n\r\n{}`),
        400,
        'duplicate_credentials',
      );
    }
    expect(fake.requests.length + third.requests.length).toBe(before);
    // The gateway's own routes answer the same.
    expectErrorEnvelope(
      await rawHttp(gatewayUrl, `GET /users/me HTTP/1.1\r\nhost: x\r\nconnection: close\r\nauthorization: Bearer ${owner.token}\r\nauthorization: Bearer ${owner.token}\r\n\r\n`),
      400,
      'duplicate_credentials',
    );
  });
});
