import { compileSchema, issuesFromAjv } from './ajv';
import { EngineError } from './errors';
import { paramValues, type WorkflowNode } from './graph';

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * What the entry node (`data.isInput`, whatever its type) outputs: its literal params as defaults with
 * the run's `input` merged over them (an input that is not an object replaces them), then
 * `data.schema.input` applied — defaults filled, and a mismatch fails with `invalid_input`.
 */
export function entryOutput(node: WorkflowNode, runInput: unknown): unknown {
  let output: unknown = runInput === undefined || runInput === null || isRecord(runInput) ? { ...paramValues(node), ...(runInput ?? {}) } : runInput;
  const schema = node.data?.schema?.input;
  if (schema === undefined) return output;
  let validate;
  try {
    validate = compileSchema(schema);
  } catch (error) {
    throw new EngineError('invalid_graph', `node "${node.id}": schema.input is not a valid JSON Schema (${(error as Error).message})`);
  }
  output = structuredClone(output);
  if (!validate(output)) {
    const issues = issuesFromAjv(validate.errors, 'input', (path) => `input${path}`);
    throw new EngineError('invalid_input', `the run input does not match the schema of node "${node.id}": ${issues.map((i) => `${i.field} ${i.message.replace(/^\S+ /, '')}`).join('; ')}`, { issues });
  }
  return output;
}
