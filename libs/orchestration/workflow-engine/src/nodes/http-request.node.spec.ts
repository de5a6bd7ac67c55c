import { startCountingServer, type CountingServer } from '@alien/testing';
import { runWorkflow } from '../run';
import { chain, node, param, runOne } from '../spec-helpers';

describe('http_request node (outbound, SSRF-guarded)', () => {
  let sut: CountingServer;
  let v6: CountingServer;

  beforeAll(async () => {
    sut = await startCountingServer();
    v6 = await startCountingServer({ host: '::1' });
  });
  afterAll(async () => {
    await sut.stop();
    await v6.stop();
  });
  beforeEach(() => {
    sut.reset();
    v6.reset();
  });

  const local = (path: string) => `http://127.0.0.1:${sut.port}${path}`;
  const byName = (path: string) => `http://localhost:${sut.port}${path}`;

  describe('refuses private targets unless allow-listed', () => {
    it.each([
      ['127.0.0.1', () => local('/'), /loopback/],
      ['localhost (resolves to loopback)', () => byName('/'), /localhost \(127\.0\.0\.1\).*loopback/],
      ['[::1]', () => `http://[::1]:${v6.port}/`, /::1: a loopback/],
      ['169.254.169.254 (cloud metadata)', () => 'http://169.254.169.254/latest/meta-data/', /link-local/],
      ['[::ffff:127.0.0.1] (IPv4-mapped)', () => `http://[::ffff:127.0.0.1]:${sut.port}/`, /IPv4-mapped/],
      ['0.0.0.0', () => `http://0.0.0.0:${sut.port}/`, /unspecified/],
      ['2130706433 (127.0.0.1 as a number)', () => `http://2130706433:${sut.port}/`, /loopback/],
      ['10.1.2.3 (private)', () => 'http://10.1.2.3/', /private/],
      ['100.64.0.1 (CGNAT)', () => 'http://100.64.0.1/', /CGNAT/],
      ['[fd00::1] (unique-local)', () => 'http://[fd00::1]/', /unique-local/],
      ['224.0.0.1 (multicast)', () => 'http://224.0.0.1/', /multicast/],
    ])('%s', async (_name, url, reason) => {
      const started = Date.now();
      const { outcome, error } = await runOne('http_request', { url: url() });
      expect(outcome.status).toBe('failed');
      expect(error).toEqual({ nodeId: 'n', code: 'ssrf_refused', message: expect.stringMatching(reason) });
      expect(sut.hits() + v6.hits()).toBe(0);
      expect(Date.now() - started).toBeLessThan(1000);
    });

    it('refuses a name with any private address among its records (DNS answers are all checked)', async () => {
      const lookup = async () => [
        { address: '93.184.216.34', family: 4 },
        { address: '10.0.0.7', family: 4 },
      ];
      const { error } = await runOne('http_request', { url: 'http://mixed.example/' }, { http: { lookup } });
      expect(error).toMatchObject({ code: 'ssrf_refused', message: expect.stringContaining('mixed.example (10.0.0.7): a private address') });
    });

    it('reaches allow-listed addresses: 127.0.0.1 and [::1]', async () => {
      const a = await runOne('http_request', { url: local('/hello') }, { http: { allow: ['127.0.0.1'] } });
      expect(a.outcome.status).toBe('completed');
      expect(a.output).toMatchObject({ status: 200, body: { path: '/hello' }, url: local('/hello') });
      const b = await runOne('http_request', { url: `http://[::1]:${v6.port}/six` }, { http: { allow: ['::1'] } });
      expect(b.output).toMatchObject({ status: 200, body: { path: '/six' } });
      expect([sut.hits('/hello'), v6.hits('/six')]).toEqual([1, 1]);
    });

    it('dials the address it checked, keeping the host name for the Host header', async () => {
      const lookups: string[] = [];
      const lookup = async (host: string) => {
        lookups.push(host);
        return [{ address: '127.0.0.1', family: 4 }];
      };
      const { output } = await runOne('http_request', { url: `http://api.upstream.test:${sut.port}/pinned` }, { http: { allow: ['127.0.0.0/8'], lookup } });
      expect(output).toMatchObject({ status: 200, body: { headers: { host: `api.upstream.test:${sut.port}` } } });
      expect(lookups).toEqual(['api.upstream.test']);
    });
  });

  describe('re-checks every redirect hop', () => {
    it.each([
      ['127.0.0.1', () => local('/target'), /127\.0\.0\.1: a loopback/],
      ['169.254.169.254', () => 'http://169.254.169.254/latest/meta-data/', /link-local/],
      ['[::1]', () => `http://[::1]:${v6.port}/target`, /::1: a loopback/],
    ])('refuses a redirect to %s', async (_name, target, reason) => {
      const url = byName(`/redirect?to=${encodeURIComponent(target())}`);
      const { error } = await runOne('http_request', { url }, { http: { allow: ['localhost'] } });
      expect(error).toMatchObject({ code: 'ssrf_refused', message: expect.stringMatching(reason) });
      expect(sut.hits('/redirect')).toBe(1);
      expect(sut.hits('/target') + v6.hits()).toBe(0);
    });

    it('follows the redirect when the target is allow-listed too, dropping credentials across origins', async () => {
      const url = byName(`/redirect?to=${encodeURIComponent(local('/target'))}`);
      const { output } = await runOne(
        'http_request',
        { url, headers: { authorization: 'Bearer secret', 'x-trace': 't-1' } },
        { http: { allow: ['localhost', '127.0.0.1'] } },
      );
      expect(output).toMatchObject({ status: 200, url: local('/target') });
      const [first, second] = sut.requests;
      expect(first.headers).toMatchObject({ authorization: 'Bearer secret', 'x-trace': 't-1' });
      expect(second.path).toBe('/target');
      expect(second.headers.authorization).toBeUndefined();
      expect(second.headers['x-trace']).toBe('t-1');
    });

    it('refuses a redirect to another scheme', async () => {
      const url = local(`/redirect?to=${encodeURIComponent('file:///etc/passwd')}`);
      const { error } = await runOne('http_request', { url }, { http: { allow: ['127.0.0.1'] } });
      expect(error).toMatchObject({ code: 'ssrf_refused', message: 'refused file: URL: only http and https are allowed' });
    });

    it('turns a 303 after POST into a GET without body', async () => {
      const url = local(`/redirect?status=303&to=${encodeURIComponent('/after')}`);
      const { output } = await runOne('http_request', { url, method: 'POST', body: { a: 1 } }, { http: { allow: ['127.0.0.1'] } });
      expect(output).toMatchObject({ status: 200, body: { method: 'GET', path: '/after', body: null } });
    });

    it('stops after maxRedirects', async () => {
      sut.redirectTo(local('/again'));
      const { error } = await runOne('http_request', { url: local('/start') }, { http: { allow: ['127.0.0.1'], maxRedirects: 2 } });
      expect(error).toMatchObject({ code: 'too_many_redirects' });
      expect(sut.hits()).toBe(3);
    });
  });

  describe('request and response', () => {
    const allow = { allow: ['127.0.0.1'] };

    it('sends method, JSON body, query, headers and Idempotency-Key <jobId>:<nodeId>', async () => {
      const { output } = await runOne(
        'http_request',
        { url: local('/echo?a=1'), method: 'POST', query: { b: 2 }, headers: { 'x-one': 'yes', 'Idempotency-Key': 'forged' }, body: param({ hello: '@in.name' }, true) },
        { http: allow, input: { name: 'Ada' }, jobId: 'job-42' },
      );
      expect(output).toMatchObject({
        status: 200,
        headers: expect.objectContaining({ 'content-type': 'application/json' }),
        body: { method: 'POST', path: '/echo', query: { a: '1', b: '2' }, body: { hello: 'Ada' } },
      });
      expect(sut.requests[0].headers).toMatchObject({ 'x-one': 'yes', 'content-type': 'application/json', 'idempotency-key': 'job-42:n' });
      expect(sut.idempotencyKeys()).toEqual(['job-42:n']);
    });

    it('reads text bodies as text', async () => {
      const { output } = await runOne('http_request', { url: local('/text') }, { http: allow });
      expect(output).toMatchObject({ status: 200, body: 'hello #1' });
    });

    it('fails on status ≥ 400 with the status, unless failOnStatus is false', async () => {
      const failed = await runOne('http_request', { url: local('/status/503') }, { http: allow });
      expect(failed.error).toMatchObject({ code: 'http_status', status: 503, message: expect.stringContaining('answered 503') });
      const kept = await runOne('http_request', { url: local('/status/404'), failOnStatus: false }, { http: allow });
      expect(kept.output).toMatchObject({ status: 404, body: { status: 404 } });
    });

    it('caps the response size, declared or streamed', async () => {
      const declared = await runOne('http_request', { url: local('/big?bytes=2000000') }, { http: { ...allow, maxResponseBytes: 1_000_000 } });
      expect(declared.error).toMatchObject({ code: 'response_too_large' });
      const streamed = await runOne('http_request', { url: local('/big?bytes=2000000&chunked=1') }, { http: { ...allow, maxResponseBytes: 1_000_000 } });
      expect(streamed.error).toMatchObject({ code: 'response_too_large' });
      const fits = await runOne('http_request', { url: local('/big?bytes=1000') }, { http: { ...allow, maxResponseBytes: 1_000_000 } });
      expect((fits.output as { body: string }).body).toHaveLength(1000);
    });

    it('caps the time', async () => {
      const started = Date.now();
      const { error } = await runOne('http_request', { url: local('/slow?ms=3000') }, { http: { ...allow, timeoutMs: 200 } });
      expect(error).toMatchObject({ code: 'http_error', message: expect.stringContaining('timed out after 200 ms') });
      expect(Date.now() - started).toBeLessThan(1000);
    });

    it('refuses non-http URLs, also when they come from an expression', async () => {
      const { error } = await runOne('http_request', { url: '@in.target' }, { http: allow, input: { target: 'file:///etc/passwd' } });
      expect(error).toMatchObject({ code: 'invalid_params', message: expect.stringContaining('params.url must match pattern') });
    });
  });

  it('is the trigger, not a call, when it is the input node', async () => {
    const graph = chain(
      node('httpRequest-0', 'http_request', { user_prompt: param(''), session_id: param('') }, { isInput: true }),
      node('out', 'output'),
    );
    const outcome = await runWorkflow({ graph, input: { user_prompt: 'hi' }, jobId: 'job-t' });
    expect(outcome.result.results.out).toEqual([{ user_prompt: 'hi', session_id: '' }]);
    expect(sut.hits()).toBe(0);
  });
});
