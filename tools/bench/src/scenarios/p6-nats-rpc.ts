import { RpcRequest, rpc } from '@alien/contracts';
import { ANONYMOUS, RequestContext } from '@alien/identity';
import { PrefixedClientNats, PrefixedServerNats, RpcClient, natsOptions } from '@alien/nest-rpc';
import { RpcErrorFilter } from '@alien/nest-service';
import { Controller, INestMicroservice, Module, Type } from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { JSONCodec, connect } from 'nats';
import { LoggerModule } from 'nestjs-pino';
import { randomBytes, randomUUID } from 'node:crypto';
import pino from 'pino';
import type { BenchContext } from '../context';
import type { Row, Scenario } from '../scenario';
import { summarize } from '../stats';

/** Goal from the issue: mean round trip through the Nest transport. */
export const P6_GOALS = { maxMeanMs: 0.3 } as const;

interface Echo {
  id: number;
}
const ECHO = rpc<Echo, Echo>('bench.echo.v1');

@Controller()
class EchoHandler {
  @MessagePattern(ECHO.subject)
  echo(@Payload() req: RpcRequest<Echo>): Promise<Echo> {
    // Async like every real handler (they await the database).
    return Promise.resolve(req.data);
  }
}

/** The transport alone: Nest's NATS server and an echo handler, nothing else. */
@Module({ controllers: [EchoHandler] })
class BareEchoModule {}

const serviceLogger = pino({ level: 'warn', base: { service: 'bench-echo' } }, pino.destination(2));

/** The echo handler inside the pipeline every service runs: RPC error filter, log context, per-RPC log line. */
@Module({
  imports: [LoggerModule.forRoot({ pinoHttp: { logger: serviceLogger, autoLogging: false, quietReqLogger: true } })],
  controllers: [EchoHandler],
  providers: [{ provide: APP_FILTER, useClass: RpcErrorFilter }],
})
class ServiceStyleEchoModule {}

/** One way of doing the round trip, set up before timing and torn down after. */
interface Case {
  name: string;
  role: Row['role'];
  note?: string;
  call(i: number): Promise<Echo>;
  close(): Promise<unknown>;
}

interface Timed {
  samples: number[];
  errors: number;
  firstError?: string;
  /** CPU seconds this process (client and server alike) spent in the timed calls. */
  cpuS: number;
}

/** One timed round trip; checks the reply. */
async function timeOne(c: Case, i: number, into: Timed): Promise<void> {
  const started = process.hrtime.bigint();
  try {
    const reply = await c.call(i);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (reply?.id !== i) throw new Error(`wrong reply ${JSON.stringify(reply)} for ${i}`);
    into.samples.push(ms);
  } catch (error) {
    into.errors++;
    into.firstError ??= (error as Error)?.message ?? String(error);
  }
}

function prefix(): string {
  return `bench${randomBytes(4).toString('hex')}.`;
}

function context(): RequestContext {
  return { requestId: randomUUID(), identity: ANONYMOUS };
}

export const P6: Scenario = {
  id: 'P6',
  title: 'NATS request/reply: Nest transport (RpcClient → @MessagePattern) vs raw nats.js',
  description:
    'Sequential round trips of a small {ctx, data} message to an echo handler in this process, ' +
    'through PrefixedClientNats/RpcClient and PrefixedServerNats, against nats.js request() to a plain subscriber.',

  async run(ctx: BenchContext): Promise<Row[]> {
    const calls = ctx.settings.rpcCalls;
    const warmup = Math.min(200, calls);
    const servers = ctx.env.natsUrl.split(',');
    const jc = JSONCodec();
    const results: { name: string; role: Row['role']; timed: Timed; note?: string }[] = [];
    const cases: Case[] = [];
    const failed: { name: string; error: string }[] = [];

    try {
      // 1. Raw nats.js: two connections (requester, responder) like the Nest cases; JSON both ways.
      {
        const subject = `${prefix()}${ECHO.subject}`;
        const responder = await connect({ servers, name: 'bench-raw-responder' });
        const requester = await connect({ servers, name: 'bench-raw-requester' });
        responder.subscribe(subject, {
          callback: (err, msg) => {
            if (err) return;
            const req = jc.decode(msg.data) as RpcRequest<Echo>;
            msg.respond(jc.encode(req.data));
          },
        });
        await responder.flush();
        cases.push({
          name: 'raw nats.js request() → subscriber',
          role: 'baseline',
          call: async (i) => {
            const msg = await requester.request(subject, jc.encode({ ctx: context(), data: { id: i } }), { timeout: 5_000 });
            return jc.decode(msg.data) as Echo;
          },
          close: () => Promise.allSettled([requester.close(), responder.close()]),
        });
      }

      // 2–4. Nest transport: a microservice with the echo handler, and the client as the gateway builds it.
      const nestCases: { name: string; module: Type<unknown>; logger?: pino.Logger; note?: string }[] = [
        { name: 'Nest RpcClient.call → bare handler', module: BareEchoModule },
        {
          name: 'Nest RpcClient.call → handler as services run it',
          module: ServiceStyleEchoModule,
          logger: serviceLogger,
          note: 'RpcErrorFilter, log context per message, per-RPC log line (info; off at warn)',
        },
      ];
      for (const c of nestCases) {
        ctx.checkAborted();
        const subjectPrefix = prefix();
        const server = new PrefixedServerNats(
          { ...natsOptions({ url: ctx.env.natsUrl, subjectPrefix, name: 'bench-echo' }, 'server'), queue: 'bench-echo' },
          subjectPrefix,
          c.logger,
        );
        const proxy = new PrefixedClientNats(natsOptions({ url: ctx.env.natsUrl, subjectPrefix, name: 'bench-client' }, 'client'), subjectPrefix);
        const client = new RpcClient(proxy, 'bench', 5_000);
        let app: INestMicroservice | undefined;
        const close = () => Promise.allSettled([client.close(), app?.close()]);
        try {
          app = await NestFactory.createMicroservice(c.module, { strategy: server, logger: false });
          await app.listen();
          await client.connect();
          cases.push({ name: c.name, role: 'measured', note: c.note, call: (i) => client.call(ECHO, { id: i }, context()), close });
        } catch (error) {
          await close();
          ctx.checkAborted();
          failed.push({ name: c.name, error: (error as Error).message });
        }
      }

      // Warm-up, then blocks of calls interleaved across the cases (order rotated every block), so
      // a change in machine load hits every case alike.
      const blocks = Math.max(1, Math.min(ctx.settings.rounds * 2, calls));
      ctx.log(`P6: ${warmup} warm-up + ${calls} timed sequential calls per case, ${cases.length} cases interleaved in ${blocks} blocks`);
      const timed = new Map<Case, Timed>(cases.map((c) => [c, { samples: [], errors: 0, cpuS: 0 }]));
      for (const c of cases) {
        const scratch: Timed = { samples: [], errors: 0, cpuS: 0 };
        for (let i = 0; i < warmup; i++) await timeOne(c, i, scratch);
      }
      let next = 0;
      for (let b = 0; b < blocks; b++) {
        const size = Math.floor(((b + 1) * calls) / blocks) - Math.floor((b * calls) / blocks);
        for (let k = 0; k < cases.length; k++) {
          ctx.checkAborted();
          const c = cases[(k + b) % cases.length] as Case;
          const into = timed.get(c) as Timed;
          const cpuBefore = process.cpuUsage();
          for (let i = 0; i < size; i++) await timeOne(c, next + i, into);
          const cpu = process.cpuUsage(cpuBefore);
          into.cpuS += (cpu.user + cpu.system) / 1e6;
        }
        next += size;
      }
      for (const c of cases) {
        const t = timed.get(c) as Timed;
        results.push({ name: c.name, role: c.role, note: c.note, timed: t });
      }
    } finally {
      await Promise.allSettled(cases.map((c) => c.close()));
    }
    for (const f of failed) results.push({ name: f.name, role: 'measured', timed: { samples: [], errors: 1, firstError: f.error, cpuS: 0 } });

    const base = results.find((r) => r.role === 'baseline');
    return results.map((r): Row => {
      const s = summarize(r.timed.samples);
      const row: Row = {
        scenario: 'P6',
        case: r.name,
        role: r.role,
        calls: s.count,
        meanMs: s.mean,
        p50Ms: s.p50,
        p99Ms: s.p99,
        cpuMsPerRequest: s.count ? { 'client+server (this process)': (r.timed.cpuS * 1000) / s.count } : undefined,
        problems: r.timed.errors ? [`${r.timed.errors} failed calls (first: ${r.timed.firstError})`] : [],
        details: { requested: calls, warmup, ...s, ...(r.note ? { note: r.note } : {}) },
      };
      if (r.role === 'measured' && base && s.count > 0) {
        row.versus = { baseline: base.name, metric: 'mean ratio', value: s.mean / summarize(base.timed.samples).mean, unit: 'x' };
        row.goal = { text: `mean ≤ ${P6_GOALS.maxMeanMs} ms`, met: s.mean <= P6_GOALS.maxMeanMs };
      }
      return row;
    });
  },
};
