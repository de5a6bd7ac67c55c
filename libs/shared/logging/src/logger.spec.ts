import { Writable } from 'node:stream';
import { createRootLogger, redactKeys } from './logger';

describe(redactKeys.name, () => {
  it('blanks sensitive keys at the top and one level down, without touching the caller’s objects', () => {
    const data = { token: 'oat_secret', name: 'kept' };
    const input = { data, password: 'p', apiKey: 'k', credential: 'c', count: 3, list: [{ token: 'in an array' }] };
    const out = redactKeys(input);
    expect(out).toEqual({ data: { token: '[redacted]', name: 'kept' }, password: '[redacted]', apiKey: '[redacted]', credential: '[redacted]', count: 3, list: [{ token: 'in an array' }] });
    expect(data.token).toBe('oat_secret');
    expect(input.password).toBe('p');
    const clean = { a: 1, b: { c: 2 } };
    expect(redactKeys(clean)).toBe(clean);
  });

  it('is what the root logger writes', () => {
    const lines: string[] = [];
    const logger = createRootLogger('spec', 'info', {}, new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }));
    logger.info({ data: { secret: 'shh' }, req: { headers: { authorization: 'Bearer oat_x' } } }, 'hello');
    expect(lines.join('')).not.toMatch(/shh|oat_x/);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ service: 'spec', msg: 'hello', data: { secret: '[redacted]' } });
  });
});
