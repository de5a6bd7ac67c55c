import { redactUrl } from './request-context';

describe('redactUrl', () => {
  it('hides credential-like query values and keeps the rest', () => {
    expect(redactUrl('/tags?access_token=oat_secret&page=2')).toBe('/tags?access_token=[redacted]&page=2');
    expect(redactUrl('/x?Token=abc&q=token')).toBe('/x?Token=[redacted]&q=token');
    expect(redactUrl('/x?client%5Fsecret=s')).toBe('/x?client%5Fsecret=[redacted]');
    expect(redactUrl('/tags')).toBe('/tags');
    expect(redactUrl('/tags?flag')).toBe('/tags?flag');
  });
});
