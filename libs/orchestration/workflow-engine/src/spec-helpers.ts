import type { WorkflowEdge, WorkflowGraph, WorkflowNode, WorkflowNodeData } from './graph';

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
