import type { FastifyInstance } from 'fastify';

/** Keys that would reach an object's prototype when a body is merged or assigned somewhere. */
const SUSPECT = /__proto__|constructor|\\u/;

class BodyError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

/**
 * Parses a JSON body like Fastify's own parser, but says what it refuses: well-formed JSON with a
 * `__proto__` (or `constructor.prototype`) key is "forbidden prototype property", not "malformed".
 */
export function parseJsonBody(text: string): unknown {
  if (text === '') throw new BodyError('Body cannot be empty when content-type is set to application/json', 400);
  let poisoned = false;
  let value: unknown;
  try {
    value = SUSPECT.test(text)
      ? JSON.parse(text, function (this: Record<string, unknown>, key, v: unknown) {
          if (key === '__proto__' || (key === 'constructor' && typeof v === 'object' && v !== null && 'prototype' in v)) poisoned = true;
          return v;
        })
      : JSON.parse(text);
  } catch {
    throw new BodyError('Body is not valid JSON', 400);
  }
  if (poisoned) throw new BodyError('Object contains forbidden prototype property', 400);
  return value;
}

/** Strict UTF-8 (a byte order mark is kept, so JSON.parse refuses it as before). */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The body's bytes as UTF-8 text. Read as a string, bytes that are not UTF-8 became U+FFFD and the
 * body was refused as one "whose size did not match Content-Length"; now it is refused for what it is.
 */
export function decodeJsonBody(body: Buffer): string {
  try {
    return UTF8.decode(body);
  } catch {
    throw new BodyError('Body is not valid UTF-8', 400);
  }
}

export function installJsonParser(fastify: FastifyInstance, bodyLimit: number): void {
  fastify.removeContentTypeParser(['application/json']);
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(decodeJsonBody(body as Buffer)));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}
