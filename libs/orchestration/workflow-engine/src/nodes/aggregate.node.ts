import { readPathValue } from '../expressions';
import { defineNode } from '../node-type';

const OPERATIONS = ['collect', 'concat', 'merge', 'sum', 'avg', 'min', 'max', 'count', 'unique', 'join'] as const;

interface AggregateParams {
  items?: unknown;
  field?: string;
  operation: (typeof OPERATIONS)[number];
  separator: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function pathOf(field: string): Array<string | number> {
  return field
    .split('.')
    .flatMap((part) => part.split(/\[(\d+)\]/).filter((p) => p !== ''))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

export const aggregateNode = defineNode<AggregateParams>({
  type: 'aggregate',
  label: 'Aggregate',
  category: 'transform',
  description:
    'Combines values: the `items` param (an array, usually an expression such as `@search-1.results`), else the upstream outputs (the items of the only upstream output when it is an array). `field` picks a path in each item; `operation` is collect (list), concat (flatten lists), merge (objects), sum, avg, min, max, count, unique or join (with `separator`).',
  version: '1.0.0',
  pure: true,
  handles: { inputs: ['inputs'], outputs: ['outputs'] },
  paramsSchema: {
    type: 'object',
    properties: {
      items: { description: 'The values to combine (an array); default: the upstream outputs.' },
      field: { type: 'string', minLength: 1, description: 'Path inside each item, e.g. `score` or `meta.tags[0]`.' },
      operation: { type: 'string', enum: [...OPERATIONS], default: 'collect' },
      separator: { type: 'string', default: ', ', description: 'For `join`.' },
    },
    additionalProperties: true,
  },
  inputsSchema: { description: 'One or more upstream outputs.' },
  outputsSchema: { description: 'A list (collect, concat, unique), an object (merge), a number or a string (join).' },
  async execute(ctx) {
    const { items, field, operation, separator } = ctx.params;
    let values: unknown[];
    if (items !== undefined) values = Array.isArray(items) ? items : [items];
    else if (ctx.inputs.length === 1 && Array.isArray(ctx.input)) values = ctx.input;
    else values = ctx.inputs.map((i) => i.output);
    if (field) values = values.map((v) => readPathValue(v, pathOf(field))).filter((v) => v !== undefined);
    const numbers = () => values.map(Number).filter((n) => Number.isFinite(n));
    switch (operation) {
      case 'collect':
        return { output: values };
      case 'concat':
        return { output: values.flatMap((v) => (Array.isArray(v) ? v : [v])) };
      case 'merge':
        return { output: Object.assign({}, ...values.filter(isRecord)) as Record<string, unknown> };
      case 'sum':
        return { output: numbers().reduce((a, b) => a + b, 0) };
      case 'avg': {
        const n = numbers();
        return { output: n.length ? n.reduce((a, b) => a + b, 0) / n.length : null };
      }
      case 'min':
      case 'max': {
        const n = numbers();
        const pick = operation === 'min' ? (a: number, b: number) => (b < a ? b : a) : (a: number, b: number) => (b > a ? b : a);
        return { output: n.length ? n.reduce(pick) : null };
      }
      case 'count':
        return { output: values.length };
      case 'unique': {
        const seen = new Set<string>();
        return { output: values.filter((v) => !seen.has(JSON.stringify(v)) && Boolean(seen.add(JSON.stringify(v)))) };
      }
      case 'join':
        return { output: values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(separator) };
    }
  },
});
