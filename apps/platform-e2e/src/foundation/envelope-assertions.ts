import type { ApiResponse, LogLine, Platform, RawResponse } from '@alien/testing';

type AnyResponse = ApiResponse | RawResponse;

function header(res: AnyResponse, name: string): string | null {
  return res.headers instanceof Headers ? res.headers.get(name) : (res.headers[name] ?? null);
}

/** Words that only show up when internals leak into a response. */
const INTERNALS = /\bat [\w.<>]+ \(|node_modules|\/dist\/|\.js:\d+|QueryFailedError|TypeORM|ECONNREFUSED|FST_ERR|stack/i;

/**
 * Asserts the gateway's error contract: the status, a JSON envelope `{success:false, message,
 * error:{status}}` served as application/json, an `x-request-id`, and nothing internal in the text.
 */
export function expectErrorEnvelope(res: AnyResponse, status: number, code?: string): void {
  // Compared together so a failure shows what the gateway answered instead.
  expect({ status: res.status, text: res.text.slice(0, 300) }).toEqual({ status, text: expect.any(String) });
  expect(header(res, 'content-type')).toMatch(/^application\/json/);
  expect(header(res, 'x-request-id')).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
  expect(res.body).toEqual(
    expect.objectContaining({
      success: false,
      message: expect.any(String),
      error: expect.objectContaining({ status }),
    }),
  );
  if (code !== undefined) expect(res.body.error.code).toBe(code);
  expect(res.text).not.toMatch(INTERNALS);
}

/** A 422 envelope listing exactly one message for `field` with `rule`. */
export function expectValidation(res: AnyResponse, field: string, rule: string): void {
  expectErrorEnvelope(res, 422);
  expect(res.body.error.messages).toEqual([{ field, rule, message: expect.any(String) }]);
}

/** Any envelope (success or error) that is not a 5xx: for routes whose exact status belongs to other work. */
export function expectNon5xxEnvelope(res: AnyResponse): void {
  expect(res.status < 500 ? 'not 5xx' : `${res.status} ${res.text.slice(0, 300)}`).toBe('not 5xx');
  expect(header(res, 'content-type')).toMatch(/^application\/json/);
  expect(header(res, 'x-request-id')).toBeTruthy();
  expect(typeof res.body?.success).toBe('boolean');
  if (res.body.success === false) expect(res.body.error.status).toBe(res.status);
}

/** Polls `probe` until it returns true (or throws after `timeoutMs`); for recovery, never a fixed sleep. */
export async function eventually(probe: () => Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await probe().catch(() => false)) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Every JSON log line every process of a platform wrote so far, with the process name. */
export function allLogLines(platform: Platform): { process: string; line: LogLine; text: string }[] {
  return [...platform.processes.entries()].flatMap(([name, proc]) =>
    proc.lines.map((line) => ({ process: name, line, text: JSON.stringify(line) })),
  );
}

/** The service's health port, from its 'service ready' log line. */
export function healthPort(platform: Platform, service: string): number {
  const port = platform.processes.get(service)?.readyLine['healthPort'];
  if (typeof port !== 'number') throw new Error(`${service} has no healthPort in its ready line`);
  return port;
}
