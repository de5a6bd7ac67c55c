import { contentTypeError, entryKeyError, fileNameOf } from './entry-rules';

describe(entryKeyError.name, () => {
  it.each(['report.pdf', 'a/b/c.txt', '..hidden', 'a..b', 'résumé 2024.pdf', 'x'.repeat(1024)])('accepts %j', (key) => {
    expect(entryKeyError(key)).toBeNull();
  });

  it.each([
    ['', 'required'],
    ['x'.repeat(1025), 'maxLength'],
    ['../../etc/passwd', 'key'],
    ['a/../../b', 'key'],
    ['./a', 'key'],
    ['/abs', 'key'],
    ['dir/', 'key'],
    ['a//b', 'key'],
    ['a\\b', 'key'],
    ['a\u0000b', 'key'],
    ['line\nbreak', 'key'],
  ])('refuses %j (rule %s)', (key, rule) => {
    expect(entryKeyError(key)).toMatchObject({ field: 'key', rule });
  });
});

describe(contentTypeError.name, () => {
  it('accepts media types with parameters and refuses anything that could break a header', () => {
    expect(contentTypeError('text/plain; charset=utf-8')).toBeNull();
    expect(contentTypeError('application/vnd.api+json')).toBeNull();
    expect(contentTypeError(null)).toBeNull();
    for (const bad of ['text', 'text/plain\r\nx: y', 'a b/c', 'x'.repeat(300)]) expect(contentTypeError(bad)).toMatchObject({ rule: 'contentType' });
  });

  it('names downloads after the last segment of the key', () => {
    expect(fileNameOf('a/b/c.txt')).toBe('c.txt');
    expect(fileNameOf('c.txt')).toBe('c.txt');
  });
});
