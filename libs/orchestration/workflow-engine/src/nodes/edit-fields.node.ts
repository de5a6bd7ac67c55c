import { EngineError } from '../errors';
import { evaluateJsonata, jsonataProblem } from '../jsonata';
import { defineNode } from '../node-type';

interface EditFieldsParams {
  expression?: string;
  fields?: Record<string, string>;
  keepInput: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export const editFieldsNode = defineNode<EditFieldsParams>({
  type: 'edit_fields',
  label: 'Edit Fields',
  category: 'transform',
  description:
    'Reshapes data with JSONata evaluated over the upstream output (`$input` is the run input, `$nodes` the outputs so far by node id, `$context.jobId`). `expression`: its result is the output. `fields`: each value is a JSONata expression whose result is set under the field name, over a copy of the input object (`keepInput: false` starts from an empty object).',
  version: '1.0.0',
  pure: true,
  handles: { inputs: ['inputs'], outputs: ['outputs'] },
  rawParams: ['expression', 'fields'],
  paramsSchema: {
    type: 'object',
    properties: {
      expression: { type: 'string', minLength: 1, description: 'JSONata whose result is the whole output.' },
      fields: {
        type: 'object',
        additionalProperties: { type: 'string', minLength: 1 },
        description: 'Field name → JSONata expression.',
      },
      keepInput: { type: 'boolean', default: true, description: 'Start from the input object (true) or an empty one.' },
    },
    anyOf: [{ required: ['expression'] }, { required: ['fields'] }],
    additionalProperties: true,
  },
  inputsSchema: { description: 'Any JSON; fields are merged into it when it is an object.' },
  outputsSchema: { description: 'The expression result, or the object with the fields set.' },
  check(params) {
    const texts: Array<[string, string]> = [];
    if (params.expression !== undefined) texts.push(['expression', params.expression]);
    for (const [name, text] of Object.entries(params.fields ?? {})) texts.push([`fields.${name}`, text]);
    return texts.flatMap(([param, text]) => {
      const problem = jsonataProblem(text);
      return problem ? [{ param, rule: 'jsonata', message: problem }] : [];
    });
  },
  async execute(ctx) {
    const { expression, fields, keepInput } = ctx.params;
    if (expression !== undefined) {
      const value = await evaluateJsonata(expression, ctx.input, ctx, 'params.expression');
      return { output: value ?? null };
    }
    if (!fields) throw new EngineError('invalid_params', 'params.expression or params.fields is required');
    const output: Record<string, unknown> = keepInput && isRecord(ctx.input) ? { ...ctx.input } : {};
    for (const [name, text] of Object.entries(fields)) {
      const value = await evaluateJsonata(text, ctx.input, ctx, `params.fields.${name}`);
      if (value === undefined) delete output[name];
      else output[name] = value;
    }
    return { output };
  },
});
