import type { RunEvent } from './events';
import type { WorkflowEdge, WorkflowGraph, WorkflowNode, WorkflowNodeData } from './graph';
import { runWorkflow, type RunOptions } from './run';

/** Graph builders for specs, producing nodes the way existing clients write them. */
export const param = (value: unknown, isExpression = false) => ({ value, isExpression, isAttachedToInputNode: false });
export const expr = (value: string) => param(value, true);

/** A node; plain param values are wrapped in envelopes, strings starting with `@` as expressions. */
export function node(id: string, type: string, params: Record<string, unknown> = {}, data: Partial<WorkflowNodeData> = {}): WorkflowNode {
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params)) {
    const isEnvelope = value !== null && typeof value === 'object' && 'isExpression' in value;
    wrapped[name] = isEnvelope ? value : typeof value === 'string' && value.startsWith('@') ? expr(value) : param(value);
  }
  return {
    id,
    type,
    data: { label: id, handles: [], isInput: false, isOutput: false, isTool: false, errors: [], inputs: [], outputs: [], params: wrapped, ...data },
    position: { x: 0, y: 0 },
  };
}

let edgeCount = 0;
export function edge(source: string, target: string, sourceHandle = 'outputs', targetHandle = 'inputs'): WorkflowEdge {
  return { id: `e${++edgeCount}-${source}-${target}`, source, target, sourceHandle, targetHandle };
}

/** Nodes chained in order by `outputs → inputs` edges. */
export function chain(...nodes: WorkflowNode[]): WorkflowGraph {
  return { nodes, edges: nodes.slice(1).map((n, i) => edge(nodes[i].id, n.id)) };
}

/**
 * Runs one node of `type` fed by an input node (`in`, which outputs the run input): returns the
 * outcome, the node's output or error, and the events.
 */
export async function runOne(type: string, params: Record<string, unknown>, options: Partial<RunOptions> = {}) {
  const events: RunEvent[] = [];
  const graph = chain(node('in', 'input', {}, { isInput: true }), node('n', type, params));
  const outcome = await runWorkflow({
    graph,
    jobId: 'job-spec',
    ...options,
    onEvent: async (e) => {
      events.push(e);
      await options.onEvent?.(e);
    },
  });
  return { outcome, output: outcome.nodes[1].data.outputs?.[0], error: outcome.nodeStates.n?.error, state: outcome.nodeStates.n, events };
}
