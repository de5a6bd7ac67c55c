import { defineNode } from '../node-type';

/**
 * The answer of an HTTP-triggered workflow, shaped as existing clients read it:
 * `result.results["<id>"][0].results.data`.
 */
export const httpResponseNode = defineNode<Record<string, unknown>>({
  type: 'http_response',
  label: 'HTTP Response',
  category: 'output',
  description:
    'The answer of an HTTP-triggered workflow. Outputs `{results: {data, …other params}}`: `data` is its `data` param (typically an expression such as `"@aiAgent-1"`), or its upstream output when unset. Existing clients read `result.results["<id>"][0].results.data`.',
  version: '1.0.0',
  pure: true,
  handles: { inputs: ['inputs'], outputs: ['outputs'] },
  paramsSchema: {
    type: 'object',
    properties: {
      data: { description: 'The answer, usually an expression (`@<nodeId>` or `@<nodeId>.<field>`).' },
    },
    additionalProperties: true,
  },
  inputsSchema: { description: 'Anything.' },
  outputsSchema: {
    type: 'object',
    properties: { results: { type: 'object', properties: { data: {} }, additionalProperties: true } },
    required: ['results'],
  },
  async execute(ctx) {
    const { data, ...rest } = ctx.params;
    const upstream = ctx.inputs.length <= 1 ? (ctx.input ?? null) : Object.fromEntries(ctx.inputs.map((i) => [i.nodeId, i.output]));
    return { output: { results: { data: data === undefined ? upstream : data, ...rest } } };
  },
});
