import {
  Controller,
  Get,
  INestApplication,
  InternalServerErrorException,
  Module,
  NotFoundException,
  Post,
} from '@nestjs/common';
import { APP_FILTER, DiscoveryModule, HttpAdapterHost, NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { LoggerModule, PinoLogger } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';
import pino from 'pino';
import { EnvelopeExceptionFilter } from './envelope-exception.filter';
import { requestIdOf } from '@alien/nest-http';
import { RouteTable } from './route-table';

const INTERNAL_DETAIL = 'postgres://admin:hunter2@db.internal:5432/alien';

@Controller('boom')
class BoomController {
  @Get()
  explode(): never {
    const config = undefined as unknown as { secretInternalField: string };
    // A real programming error: a TypeError whose message and stack name our internals.
    return config.secretInternalField as never;
  }

  @Get('async')
  async rejects(): Promise<never> {
    await Promise.resolve();
    throw new Error(`could not connect to ${INTERNAL_DETAIL}`);
  }

  @Get('string')
  throwsString(): never {
    throw `bare string with ${INTERNAL_DETAIL}`;
  }

  @Get('http-500')
  internal(): never {
    throw new InternalServerErrorException(`pool exhausted at ${INTERNAL_DETAIL}`);
  }

  @Get('missing')
  missing(): never {
    throw new NotFoundException('Widget 7 is gone');
  }

  @Post()
  create() {
    return { ok: true };
  }
}

@Module({ controllers: [BoomController] })
class BoomModule {}

describe(EnvelopeExceptionFilter.name, () => {
  let app: INestApplication;
  let baseUrl: string;
  const logs: Record<string, any>[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
        done();
      },
    });
    const logger = pino({ level: 'info' }, sink);

    @Module({
      imports: [DiscoveryModule, LoggerModule.forRoot({ pinoHttp: { logger, autoLogging: false } }), BoomModule],
      providers: [
        RouteTable,
        {
          provide: APP_FILTER,
          inject: [HttpAdapterHost, RouteTable, PinoLogger],
          useFactory: (host: HttpAdapterHost, routes: RouteTable, pinoLogger: PinoLogger) =>
            new EnvelopeExceptionFilter(host, routes, pinoLogger, 1_024),
        },
      ],
    })
    class TestAppModule {}

    app = await NestFactory.create(TestAppModule, new FastifyAdapter({ bodyLimit: 1_024, genReqId: (req: object) => requestIdOf(req as IncomingMessage) }), { logger: false, abortOnError: false });
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address();
    baseUrl = `http://127.0.0.1:${address.port}`;
  });

  afterAll(async () => {
    await app?.close();
  });

  async function get(path: string, init: RequestInit = {}) {
    const res = await fetch(`${baseUrl}${path}`, init);
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, body: JSON.parse(text) };
  }

  it.each(['/boom', '/boom/async', '/boom/string', '/boom/http-500'])(
    'an unexpected exception in %s → a bare 500 envelope with no stack or internals',
    async (path) => {
      const res = await get(path);
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.body).toEqual({ success: false, message: 'Internal server error', error: { status: 500, code: 'internal' } });
      expect(res.text).not.toMatch(/secretInternalField|hunter2|db\.internal|stack|\.ts:\d+|\.js:\d+|BoomController/);
    },
  );

  it('logs the unexpected error with its stack and the request id, for whoever debugs it', async () => {
    const res = await get('/boom', { headers: { 'x-request-id': 'unit-500-trace' } });
    expect(res.headers.get('x-request-id')).toBe('unit-500-trace');
    const line = logs.find((l) => l['msg'] === 'unhandled error' && l['req']?.id === 'unit-500-trace');
    expect(line).toBeDefined();
    expect(line?.['level']).toBe(50);
    expect(line?.['error']).toMatchObject({ type: 'TypeError', message: expect.stringContaining('secretInternalField') });
    expect(line?.['error'].stack).toMatch(/at BoomController\./);
  });

  it('a handler that says "not found" on a known route → 404 not_found (not 405)', async () => {
    const res = await get('/boom/missing');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ success: false, message: 'Resource not found', error: { status: 404, code: 'not_found' } });
  });

  it('an unknown route → 404 route_not_found; a known path with another method → 405 with Allow', async () => {
    expect((await get('/nowhere')).body).toEqual({ success: false, message: 'Route not found', error: { status: 404, code: 'route_not_found' } });
    const res = await get('/boom', { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(res.body.error).toEqual({ status: 405, code: 'method_not_allowed' });
  });

  it("Fastify's own body errors get the gateway's wording: 400 malformed_json, 400 empty_body, 413", async () => {
    const post = (body: string) =>
      get('/boom', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect((await post('{bad')).body).toEqual({ success: false, message: 'Malformed JSON body', error: { status: 400, code: 'malformed_json' } });
    expect((await post('')).body.error).toEqual({ status: 400, code: 'empty_body' });
    const tooLarge = await post(JSON.stringify({ pad: 'x'.repeat(2_000) }));
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body).toEqual({ success: false, message: 'Request body is larger than 1024 bytes', error: { status: 413, code: 'payload_too_large' } });
  });
});
