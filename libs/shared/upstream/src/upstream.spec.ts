import { baseUrlError, normalizeBaseUrl } from './base-url';
import { endToEndHeaders, headerValueError } from './headers';
import { fixedPathError, splitUrl, subpathError } from './subpath';

describe(baseUrlError.name, () => {
  it.each([
    'http://data.example',
    'https://data.example:8443/api/',
    'http://127.0.0.1:9200',
    'http://[::1]:8080/base',
  ])('accepts %s', (url) => {
    expect(baseUrlError(url)).toBeNull();
  });

  it.each([
    ['file:///etc/passwd', /http or https/],
    ['gopher://data.example:70/', /http or https/],
    ['ftp://data.example', /http or https/],
    ['javascript:alert(1)', /http or https/],
    ['http://user:pw@data.example', /credentials/],
    ['http://user@data.example', /credentials/],
    ['http://@data.example', /credentials/],
    ['http://', /host/],
    ['http:///path', /host/],
    ['http:data.example', /host/],
    ['https://data.example/?q=1', /query/],
    ['https://data.example/#x', /fragment/],
    ['http://data.example\\@evil.example', /backslashes/],
    [' http://data.example', /spaces/],
    ['http://data.example/a b', /spaces/],
    ['', /required/],
    [`http://data.example/${'a'.repeat(2048)}`, /at most/],
  ])('refuses %s', (url, reason) => {
    expect(baseUrlError(url)).toMatch(reason);
  });

  it('refuses what is not a string', () => {
    expect(baseUrlError(42)).toMatch(/required/);
  });

  it('normalizes host case and trailing slashes', () => {
    expect(normalizeBaseUrl('https://Data.Example:8443/api/')).toBe('https://data.example:8443/api');
    expect(normalizeBaseUrl('http://data.example:80/')).toBe('http://data.example');
  });
});

describe(subpathError.name, () => {
  it.each(['', '/', '/api/v1/search', '/api/v1/', '/files/a%20b.txt', '/a/.hidden/b', '/a/..b/c', '/a...'])('accepts %j', (path) => {
    expect(subpathError(path)).toBeNull();
  });

  it.each([
    '/..',
    '/../admin',
    '/api/../../admin',
    '/%2e%2e/admin',
    '/%2E%2e/admin',
    '/.%2e/admin',
    '/api/./x',
    '/api/%2e/x',
    '/api%2f..%2fadmin',
    '/api%2F..',
    '/api%5c..%5cadmin',
    '/api\\..\\admin',
    '//evil.example/x',
    '/a//b',
    'relative',
    '/a%00b',
    '/a\u0000b',
    '/a%0d%0aX-Injected:1',
    '/bad%zzencoding',
    '/%',
  ])('refuses %j', (path) => {
    expect(subpathError(path)).not.toBeNull();
  });

  it('splits path and query', () => {
    expect(splitUrl('/a/b?x=1&y=2')).toEqual({ path: '/a/b', query: '?x=1&y=2' });
    expect(splitUrl('/a')).toEqual({ path: '/a', query: '' });
  });
});

describe(endToEndHeaders.name, () => {
  it('drops hop-by-hop headers, the ones Connection names, and the ones asked for', () => {
    const out = endToEndHeaders(
      {
        connection: 'keep-alive, X-Secret-Hop',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        te: 'trailers',
        upgrade: 'h2c',
        'proxy-authorization': 'Basic x',
        'x-secret-hop': '1',
        authorization: 'Bearer oat_x',
        'content-type': 'application/json',
        'set-cookie': ['a=1', 'b=2'],
      },
      new Set(['authorization']),
    );
    expect(out).toEqual({ 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
  });
});

describe(fixedPathError.name, () => {
  it('accepts plain paths, and a query where allowed', () => {
    expect(fixedPathError('/health', 'healthPath')).toBeNull();
    expect(fixedPathError('/health?deep=1', 'healthPath', { query: true })).toBeNull();
  });

  it.each(['', 'health', '/../x', '//evil.example', '/a#b', '/a b', `/${'a'.repeat(500)}`])('refuses %j', (value) => {
    expect(fixedPathError(value, 'healthPath')).toMatch(/^healthPath/);
  });

  it('refuses a query where none is allowed', () => {
    expect(fixedPathError('/v1/x?key=1', 'path')).toMatch(/query/);
  });
});

describe(headerValueError.name, () => {
  it('accepts printable ASCII (and absent values), refuses what a header cannot carry', () => {
    for (const ok of ['sk-abc_123.XYZ', 'with space', '~!@#$%^&*()', undefined, null]) expect(headerValueError(ok, 'secret')).toBeNull();
    for (const bad of ['a\r\nx-evil: 1', 'a\nb', 'nul\u0000', 'tab\there', 'del\u007f', 'ключ', 'é']) expect(headerValueError(bad, 'secret')).toMatch(/^secret must be printable ASCII/);
  });
});
