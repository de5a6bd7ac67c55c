import { setTimeout as sleep } from 'node:timers/promises';
import { defineNode } from '../node-type';

export const waitNode = defineNode<{ ms: number }>({
  type: 'wait',
  label: 'Wait',
  category: 'flow',
  description: 'Waits `ms` milliseconds (cancellable), then passes its input on unchanged.',
  version: '1.0.0',
  handles: { inputs: ['inputs'], outputs: ['outputs'] },
  paramsSchema: {
    type: 'object',
    properties: { ms: { type: 'integer', minimum: 0, maximum: 3_600_000, default: 1000, description: 'Milliseconds to wait.' } },
    additionalProperties: true,
  },
  inputsSchema: { description: 'Anything.' },
  outputsSchema: { description: 'The input, unchanged.' },
  async execute(ctx) {
    await sleep(ctx.params.ms, undefined, { signal: ctx.signal });
    return { output: ctx.input ?? null };
  },
});
