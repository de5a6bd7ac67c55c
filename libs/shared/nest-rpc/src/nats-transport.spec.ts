import { RpcRequest, rpc } from '@alien/contracts';
import { ApiError } from '@alien/envelope';
import { ANONYMOUS, RequestContext } from '@alien/identity';
import { Controller, INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { PrefixedClientNats, PrefixedServerNats, natsOptions, rpcLogContext } from './nats-transport';
import { RpcClient } from './rpc-client';

const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
const ECHO = rpc<{ text: string }, { text: string }>('spec.echo.v1');
const FAIL = rpc<Record<string, never>, never>('spec.fail.v1');

const lines: Record<string, unknown>[] = [];
const logger = pino(
  { base: {}, mixin: () => rpcLogContext.getStore() ?? {} },
  new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  }),
);

const SLOW = rpc<{ ms: number }, { slept: number }>('spec.slow.v1');
const BIG = rpc<{ bytes: number }, { text: string }>('spec.big.v1');
let handled = 0;

@Controller()
class EchoHandler {
  @MessagePattern(SLOW.subject)
  async slow(@Payload() req: RpcRequest<{ ms: number }>) {
    handled++;
    await new Promise((r) => setTimeout(r, req.data.ms));
    return { slept: req.data.ms };
  }

  @MessagePattern(BIG.subject)
  big(@Payload() req: RpcRequest<{ bytes: number }>) {
    return { text: 'x'.repeat(req.data.bytes) };
  }

  @MessagePattern(ECHO.subject)
  async echo(@Payload() req: RpcRequest<{ text: string }>) {
    handled++;
    await new Promise((r) => setTimeout(r, 1));
    logger.info('handler says hello');
    return req.data;
  }

  @MessagePattern(FAIL.subject)
  fail(): never {
    // What RpcErrorFilter does in every service: the ApiError travels as its payload.
    throw new RpcException(ApiError.conflict('nope').toPayload());
  }
}

@Module({ controllers: [EchoHandler] })
class EchoModule {}

describe(PrefixedServerNats.name, () => {
  const prefix = `s${randomBytes(4).toString('hex')}.`;
  let app: INestMicroservice;
  let server: PrefixedServerNats;
  let client: RpcClient;
  let raw: PrefixedClientNats;

  beforeAll(async () => {
    server = new PrefixedServerNats(
      { ...natsOptions({ url: NATS_URL, subjectPrefix: prefix, name: 'spec' }, 'server'), queue: 'spec' },
      prefix,
      logger,
    );
    app = await NestFactory.createMicroservice(EchoModule, { strategy: server, logger: false });
    await app.listen();
    raw = new PrefixedClientNats(natsOptions({ url: NATS_URL, subjectPrefix: prefix, name: 'spec-client' }, 'client'), prefix);
    client = new RpcClient(raw, 'spec', 2_000);
  });

  afterAll(async () => {
    await client?.close();
    await app?.close();
  });

  const ctx = (requestId: string): RequestContext => ({
    requestId,
    identity: { ...ANONYMOUS, userId: 7, organizationId: 3, authMethod: 'token', tokenId: 1 },
  });

  it('answers over the prefixed subject and logs every line of the handling with the request context', async () => {
    expect(await client.call(ECHO, { text: 'hi' }, ctx('req-abc'))).toEqual({ text: 'hi' });
    const mine = lines.filter((l) => l['requestId'] === 'req-abc');
    expect(mine.map((l) => l['msg'])).toEqual(['handler says hello', 'rpc handled']);
    for (const line of mine) expect(line).toMatchObject({ userId: 7, organizationId: 3, subject: ECHO.subject });
  });

  it('keeps concurrent requests apart in the logs', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => client.call(ECHO, { text: String(i) }, ctx(`req-${i}`))));
    for (let i = 0; i < 20; i++) {
      expect(lines.filter((l) => l['requestId'] === `req-${i}`).map((l) => l['msg'])).toEqual(['handler says hello', 'rpc handled']);
    }
  });

  it('brings a typed error back with its status', async () => {
    await expect(client.call(FAIL, {}, ctx('req-fail'))).rejects.toMatchObject({ status: 409, code: 'conflict' });
    expect(lines.find((l) => l['requestId'] === 'req-fail')).toMatchObject({ msg: 'rpc failed', status: 409 });
  });

  it('answers 502 reply_too_large for an answer over the server\'s max_payload, and keeps serving', async () => {
    await expect(client.call(BIG, { bytes: 2_000_000 }, ctx('req-big'))).rejects.toMatchObject({ status: 502, code: 'reply_too_large' });
    expect(await client.call(ECHO, { text: 'still here' }, ctx('req-after-big'))).toEqual({ text: 'still here' });
  });

  it('answers 503 when nobody listens and 504 when the answer is late', async () => {
    await expect(client.call(rpc('spec.nobody.v1'), {}, ctx('x'))).rejects.toMatchObject({ status: 503 });
    await expect(client.call(ECHO, { text: 'slow' }, ctx('y'), { timeoutMs: 1 })).rejects.toMatchObject({ status: 504 });
  });

  it('drops a request whose deadline passed before it was handled (the caller stopped waiting)', async () => {
    const before = handled;
    const late = { ...ctx('req-late'), deadline: Date.now() - 1 };
    await expect(raw.request(ECHO.subject, { ctx: late, data: { text: 'too late' } }, 300)).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(handled).toBe(before);
    expect(lines.find((l) => l['requestId'] === 'req-late')).toMatchObject({ msg: 'rpc dropped: its deadline passed before it was handled' });
    // The client sets the deadline from its timeout: a normal call is answered.
    expect(await client.call(ECHO, { text: 'in time' }, ctx('req-in-time'))).toEqual({ text: 'in time' });
  });

  it('drains on shutdown: requests in flight are answered, later ones find nobody (503), nothing hangs', async () => {
    const inFlight = [client.call(SLOW, { ms: 300 }, ctx('slow-1')), client.call(SLOW, { ms: 200 }, ctx('slow-2'))];
    await new Promise((r) => setTimeout(r, 50));
    const unanswered = await server.drain(5_000);
    expect(unanswered).toBe(0);
    await expect(Promise.all(inFlight)).resolves.toEqual([{ slept: 300 }, { slept: 200 }]);
    await expect(client.call(ECHO, { text: 'after' }, ctx('after-drain'))).rejects.toMatchObject({ status: 503 });
  });
});
