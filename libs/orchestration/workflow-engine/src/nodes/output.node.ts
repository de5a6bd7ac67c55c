import { defineNode } from '../node-type';

/** Collects the answer of a workflow. */
export const outputNode = defineNode<Record<string, unknown>>({
  type: 'output',
  label: 'Output',
  category: 'output',
  description:
    "An answer of the workflow (listed in the job's `result.results`): its `value` param when set, else its params as an object, else what its upstream node produced (an object keyed by node id when several feed it).",
  version: '1.0.0',
  pure: true,
  handles: { inputs: ['inputs'], outputs: ['outputs'] },
  paramsSchema: {
    type: 'object',
    properties: { value: { description: 'The output, usually an expression such as `@edit-1.greeting`.' } },
    additionalProperties: true,
  },
  inputsSchema: { description: 'Anything.' },
  outputsSchema: { description: 'The answer.' },
  async execute(ctx) {
    const { value, ...rest } = ctx.params;
    if (value !== undefined) return { output: value };
    if (Object.keys(rest).length) return { output: rest };
    if (ctx.inputs.length <= 1) return { output: ctx.input ?? null };
    return { output: Object.fromEntries(ctx.inputs.map((i) => [i.nodeId, i.output])) };
  },
});
