import { entryOutput } from '../entry';
import { defineNode } from '../node-type';

/** The run's entry: outputs the run input merged over its params (the defaults). */
export const inputNode = defineNode<Record<string, unknown>>({
  type: 'input',
  label: 'Input',
  category: 'trigger',
  description:
    "Entry of a workflow: outputs the run's `input` merged over its params (the defaults), checked against `data.schema.input` when the node has one.",
  version: '1.0.0',
  pure: true,
  handles: { inputs: [], outputs: ['outputs'] },
  paramsSchema: { type: 'object', description: 'Default values of the input fields.', additionalProperties: true },
  inputsSchema: { description: "The run's input (any JSON)." },
  outputsSchema: { description: 'The input, with defaults applied.' },
  async execute(ctx) {
    return { output: entryOutput(ctx.node, ctx.runInput) };
  },
});
