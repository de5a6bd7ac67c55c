import { event } from '@alien/contracts';
import { deletePrefixedStreams } from '@alien/testing';
import { randomBytes } from 'node:crypto';
import { PinoLogger } from 'nestjs-pino';
import { EventBus } from './event-bus';

const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
const Happened = event<{ n: number }>('test.thing.happened.v1');

describe(EventBus.name, () => {
  const prefix = `u${randomBytes(4).toString('hex')}.`;
  const buses: EventBus[] = [];
  const sut = async () => {
    const bus = new EventBus(
      { url: NATS_URL, prefix, name: 'spec', streams: [{ name: 'TEST_EVENTS', subjects: [Happened.subject] }] },
      new PinoLogger({ pinoHttp: { level: 'silent' } }),
    );
    await bus.onModuleInit();
    buses.push(bus);
    return bus;
  };
  const until = async (check: () => boolean, ms = 10_000) => {
    const deadline = Date.now() + ms;
    while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  };

  afterAll(async () => {
    await Promise.allSettled(buses.map((b) => b.onModuleDestroy()));
    await deletePrefixedStreams(NATS_URL, prefix);
  });

  it('delivers durably: events published while nobody listens arrive later, each acked once', async () => {
    const publisher = await sut();
    await publisher.publish(Happened, { n: 1 });
    await publisher.publish(Happened, { n: 2 });

    const seen: number[] = [];
    const first = await sut();
    await first.handleDurably({ stream: 'TEST_EVENTS', event: Happened, durable: 'spec-a', handle: async (p) => void seen.push(p.n) });
    await until(() => seen.length >= 2);
    expect(seen).toEqual([1, 2]);

    // A restarted consumer (same durable) does not see acked events again, only new ones.
    await first.onModuleDestroy();
    const again = await sut();
    await publisher.publish(Happened, { n: 3 });
    await again.handleDurably({ stream: 'TEST_EVENTS', event: Happened, durable: 'spec-a', handle: async (p) => void seen.push(p.n) });
    await until(() => seen.length >= 3);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual([1, 2, 3]);
  });

  it('redelivers after a handler failure until it succeeds', async () => {
    const bus = await sut();
    const attempts: { n: number; redelivered: boolean }[] = [];
    let failuresLeft = 2;
    await bus.handleDurably({
      stream: 'TEST_EVENTS',
      event: Happened,
      durable: 'spec-retry',
      handle: async (p, d) => {
        if (p.n !== 42) return;
        attempts.push({ n: p.n, redelivered: d.redelivered });
        if (failuresLeft-- > 0) throw new Error('database busy');
      },
    });
    await bus.publish(Happened, { n: 42 });
    await until(() => attempts.length >= 3);
    await new Promise((r) => setTimeout(r, 500));
    expect(attempts.map((a) => a.redelivered)).toEqual([false, true, true]);
  });
});
