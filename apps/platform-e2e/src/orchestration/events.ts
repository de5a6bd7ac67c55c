import { AckPolicy, DeliverPolicy, JSONCodec, connect } from 'nats';

/** Every job event stored on JetStream under a subject prefix, read straight from NATS (what SSE serves). */
export async function storedJobEvents(natsUrl: string, subjectPrefix: string): Promise<{ seq: number; jobId: number; data: any }[]> {
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await nc.jetstreamManager();
    const stream = `${subjectPrefix.replace(/[^A-Za-z0-9_-]/g, '_')}ORCHESTRATION_JOB_EVENTS`;
    const info = await jsm.streams.info(stream);
    const name = `e2e_reader_${Date.now()}`;
    await jsm.consumers.add(stream, { name, ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All, inactive_threshold: 60_000_000_000 });
    const consumer = await nc.jetstream().consumers.get(stream, name);
    const codec = JSONCodec();
    const out: { seq: number; jobId: number; data: any }[] = [];
    const last = info.state.last_seq;
    while (out.length === 0 || (out[out.length - 1] as { seq: number }).seq < last) {
      const batch = await consumer.fetch({ max_messages: 1_000, expires: 2_000 });
      let got = 0;
      for await (const m of batch) {
        got++;
        out.push({ seq: m.seq, jobId: Number(m.subject.slice(m.subject.lastIndexOf('.') + 1)), data: codec.decode(m.data) });
      }
      if (got === 0) break;
    }
    await jsm.consumers.delete(stream, name).catch(() => undefined);
    return out;
  } finally {
    await nc.close();
  }
}
