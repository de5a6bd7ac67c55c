/**
 * P4's peer: the same three steps (input → edit_fields with JSONata → output) as a BullMQ job on
 * Redis with AOF on. `BULLMQ_ROLE=front` is an HTTP front like ours (POST /run → queue.add → 202 with
 * the job id); `BULLMQ_ROLE=worker` runs the steps. Completion is observed by the harness through
 * BullMQ's QueueEvents, as ours through the job's `done` event.
 */
import { Queue, Worker } from 'bullmq';
import jsonata from 'jsonata';
import { createServer } from 'node:http';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const QUEUE = process.env['BULLMQ_QUEUE'] ?? 'p4';
const ROLE = process.env['BULLMQ_ROLE'] ?? 'worker';
const CONCURRENCY = Number(process.env['CONCURRENCY'] ?? '64');
const EXPRESSION = process.env['EXPRESSION'] ?? '{"greeting": "Hello " & name, "n": n + 1}';

const url = new URL(REDIS_URL);
const connection = { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null };
const log = (msg: string, extra: Record<string, unknown> = {}) => process.stdout.write(`${JSON.stringify({ level: 'info', msg, ...extra })}\n`);

async function main(): Promise<void> {
  if (ROLE === 'front') {
    const queue = new Queue(QUEUE, { connection });
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/run') {
          res.writeHead(404).end();
          return;
        }
        let input: unknown;
        try {
          input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}').input ?? {};
        } catch {
          res.writeHead(400).end();
          return;
        }
        queue.add('run', { input }).then(
          (job) => {
            const body = JSON.stringify({ success: true, data: { id: job.id, status: 'pending' } });
            res.writeHead(202, { 'content-type': 'application/json' }).end(body);
          },
          () => res.writeHead(503).end(),
        );
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      log('bullmq front listening', { port: typeof address === 'object' && address ? address.port : 0 });
    });
    return;
  }
  const transform = jsonata(EXPRESSION);
  const worker = new Worker(
    QUEUE,
    async (job) => {
      const input = (job.data as { input: unknown }).input; // step 1: input
      const edited = await transform.evaluate(input); // step 2: edit_fields (JSONata)
      return { results: { 'output-1': [edited] } }; // step 3: output
    },
    { connection, concurrency: CONCURRENCY },
  );
  await worker.waitUntilReady();
  log('bullmq worker ready', { concurrency: CONCURRENCY });
}

void main();
