import { evaluateJsonata, jsonataProblem } from '../jsonata';
import { defineNode } from '../node-type';

const OPERATORS = [
  'equals',
  'notEquals',
  'gt',
  'gte',
  'lt',
  'lte',
  'contains',
  'notContains',
  'startsWith',
  'endsWith',
  'exists',
  'notExists',
  'isEmpty',
  'isNotEmpty',
  'isTrue',
  'isFalse',
] as const;
type Operator = (typeof OPERATORS)[number];

interface ConditionParams {
  expression?: string;
  value?: unknown;
  operator?: Operator;
  compareTo?: unknown;
}

const isEmpty = (v: unknown) =>
  v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && Object.keys(v).length === 0);

function equal(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'string' && b.trim() !== '') return a === Number(b);
  if (typeof b === 'number' && typeof a === 'string' && a.trim() !== '') return Number(a) === b;
  return JSON.stringify(a) === JSON.stringify(b);
}

function compare(value: unknown, operator: Operator, other: unknown): boolean {
  switch (operator) {
    case 'equals':
      return equal(value, other);
    case 'notEquals':
      return !equal(value, other);
    case 'gt':
      return Number(value) > Number(other);
    case 'gte':
      return Number(value) >= Number(other);
    case 'lt':
      return Number(value) < Number(other);
    case 'lte':
      return Number(value) <= Number(other);
    case 'contains':
    case 'notContains': {
      const has = Array.isArray(value) ? value.some((v) => equal(v, other)) : typeof value === 'string' && value.includes(String(other));
      return operator === 'contains' ? has : !has;
    }
    case 'startsWith':
      return typeof value === 'string' && value.startsWith(String(other));
    case 'endsWith':
      return typeof value === 'string' && value.endsWith(String(other));
    case 'exists':
      return value !== undefined && value !== null;
    case 'notExists':
      return value === undefined || value === null;
    case 'isEmpty':
      return isEmpty(value);
    case 'isNotEmpty':
      return !isEmpty(value);
    case 'isTrue':
      return value === true || value === 'true';
    case 'isFalse':
      return value === false || value === 'false';
  }
}

export const conditionNode = defineNode<ConditionParams>({
  type: 'condition',
  label: 'Condition',
  category: 'logic',
  description:
    'Branches: nodes connected to handle `true` run when the condition holds, those on `false` otherwise (the other branch is skipped). The condition is `expression` (JSONata over the upstream output, truthy) or `value` `operator` `compareTo` (value usually an expression such as `@search-1.total`). Passes its input on unchanged.',
  version: '1.0.0',
  pure: true,
  handles: { inputs: ['inputs'], outputs: ['true', 'false'] },
  rawParams: ['expression'],
  paramsSchema: {
    type: 'object',
    properties: {
      expression: { type: 'string', minLength: 1, description: 'JSONata over the upstream output; truthy → `true`.' },
      value: { description: 'Left operand (with `operator`), or tested for truthiness alone (missing → false).' },
      operator: { type: 'string', enum: [...OPERATORS] },
      compareTo: { description: 'Right operand of binary operators.' },
    },
    additionalProperties: true,
  },
  inputsSchema: { description: 'Anything.' },
  outputsSchema: { description: 'The input, unchanged; the taken handle is in the event’s `branches`.' },
  check(params) {
    const problem = params.expression === undefined ? undefined : jsonataProblem(params.expression);
    return problem ? [{ param: 'expression', rule: 'jsonata', message: problem }] : [];
  },
  async execute(ctx) {
    const { expression, value, operator, compareTo } = ctx.params;
    let holds: boolean;
    if (expression !== undefined) {
      const result = await evaluateJsonata(expression, ctx.input, ctx, 'params.expression');
      holds = Array.isArray(result) ? result.length > 0 : Boolean(result);
    } else if (operator !== undefined) {
      holds = compare(value, operator, compareTo);
    } else {
      holds = Boolean(value) && !isEmpty(value);
    }
    return { output: ctx.input ?? null, branches: [holds ? 'true' : 'false'] };
  },
});
