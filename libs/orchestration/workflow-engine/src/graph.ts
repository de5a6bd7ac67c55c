/**
 * Workflow graphs exactly as the platform's existing clients send them (React-Flow style). Every
 * object accepts extra fields: clients round-trip whatever their editor keeps there.
 */

/** A JSON Schema document (draft 2020-12 / draft-07 subset that ajv 8 understands). */
export type JsonSchema = Record<string, unknown>;

/** A node parameter as clients wrap it. A bare value (no envelope) is accepted too. */
export interface ParamEnvelope {
  value: unknown;
  /** The value holds `@<nodeId>.<field>` references (or `{{ … }}` templates) resolved at run time. */
  isExpression?: boolean;
  /** Editor hint (the value is bound to the input node); it does not change how the value resolves. */
  isAttachedToInputNode?: boolean;
  [extra: string]: unknown;
}

export interface WorkflowNodeData {
  label?: string;
  /** The handles this node shows, e.g. `["inputs", "outputs"]`, `["tool"]`, `["inputs", "true", "false"]`. */
  handles?: string[];
  /** The entry node: it receives the run's `input` as its output, whatever its type. At most one. */
  isInput?: boolean;
  isOutput?: boolean;
  isTool?: boolean;
  errors?: unknown[];
  inputs?: unknown[];
  outputs?: unknown[];
  params?: Record<string, ParamEnvelope | unknown>;
  /** `schema.input`: JSON Schema of the run input accepted by the entry node (defaults applied). */
  schema?: { input?: JsonSchema; output?: JsonSchema; [extra: string]: unknown };
  [extra: string]: unknown;
}

export interface WorkflowNode {
  id: string;
  type: string;
  data: WorkflowNodeData;
  position?: { x: number; y: number; [extra: string]: unknown };
  [extra: string]: unknown;
}

export interface WorkflowEdge {
  id: string;
  source: string;
  target: string;
  /** `outputs` (data), `agents`, `tools`, or a branch handle such as `true`/`false`. Null means `outputs`. */
  sourceHandle?: string | null;
  /** `inputs` (data), `agent`, `tool`. Null means `inputs`. */
  targetHandle?: string | null;
  [extra: string]: unknown;
}

export interface WorkflowGraph {
  nodes: WorkflowNode[];
  edges: WorkflowEdge[];
}

/** Handle names of the data flow; any other pair attaches agents and tools and does not order execution. */
export const FLOW_SOURCE_HANDLE = 'outputs';
export const FLOW_TARGET_HANDLE = 'inputs';
/** Structural handle pairs (source → target) used by the agent family: they attach, they do not carry data. */
export const STRUCTURAL_HANDLES: Readonly<Record<string, string>> = { agents: 'agent', tools: 'tool' };
const STRUCTURAL_TARGETS = new Set(Object.values(STRUCTURAL_HANDLES));

export function sourceHandleOf(edge: WorkflowEdge): string {
  return typeof edge.sourceHandle === 'string' && edge.sourceHandle !== '' ? edge.sourceHandle : FLOW_SOURCE_HANDLE;
}

export function targetHandleOf(edge: WorkflowEdge): string {
  return typeof edge.targetHandle === 'string' && edge.targetHandle !== '' ? edge.targetHandle : FLOW_TARGET_HANDLE;
}

/** True for edges that carry data and order execution (everything but `agents → agent`, `tools → tool`). */
export function isFlowEdge(edge: WorkflowEdge): boolean {
  return !(sourceHandleOf(edge) in STRUCTURAL_HANDLES) && !STRUCTURAL_TARGETS.has(targetHandleOf(edge));
}

/** Reads a parameter's envelope, or wraps a bare value in one. */
export function paramEnvelope(raw: unknown): ParamEnvelope {
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw) && 'value' in raw) return raw as ParamEnvelope;
  return { value: raw, isExpression: typeof raw === 'string' && raw.trimStart().startsWith('@') };
}

/** The literal values of a node's params (envelopes unwrapped, expressions left as written). */
export function paramValues(node: WorkflowNode): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const params = node.data?.params;
  if (params && typeof params === 'object') {
    for (const [name, raw] of Object.entries(params)) out[name] = paramEnvelope(raw).value;
  }
  return out;
}

/** Indexes of a graph the validator and the run loop share. Built once per graph. */
export interface GraphIndex {
  nodes: Map<string, WorkflowNode>;
  /** Position of each node in `graph.nodes` (for field names such as `nodes[2].data.params.url`). */
  positions: Map<string, number>;
  /** Flow edges into / out of each node, in graph order. */
  incoming: Map<string, WorkflowEdge[]>;
  outgoing: Map<string, WorkflowEdge[]>;
  /** Nodes attached to an agent through a structural edge (`tools → tool`, `agents → agent`). */
  attached: Set<string>;
}

export function indexGraph(graph: WorkflowGraph): GraphIndex {
  const nodes = new Map<string, WorkflowNode>();
  const positions = new Map<string, number>();
  const incoming = new Map<string, WorkflowEdge[]>();
  const outgoing = new Map<string, WorkflowEdge[]>();
  const attached = new Set<string>();
  graph.nodes.forEach((node, i) => {
    if (nodes.has(node.id)) return;
    nodes.set(node.id, node);
    positions.set(node.id, i);
    incoming.set(node.id, []);
    outgoing.set(node.id, []);
  });
  for (const edge of graph.edges) {
    if (!nodes.has(edge.source) || !nodes.has(edge.target)) continue;
    if (!isFlowEdge(edge)) {
      attached.add(edge.target);
      continue;
    }
    outgoing.get(edge.source)?.push(edge);
    incoming.get(edge.target)?.push(edge);
  }
  return { nodes, positions, incoming, outgoing, attached };
}

/**
 * Topological order of the flow subgraph (Kahn, stable in graph order), or the nodes left on a
 * cycle when there is one.
 */
export function topologicalOrder(index: GraphIndex): { order: string[]; cyclic: string[] } {
  const remaining = new Map<string, number>();
  for (const [id, edges] of index.incoming) remaining.set(id, edges.length);
  const ready = [...index.nodes.keys()].filter((id) => remaining.get(id) === 0);
  const order: string[] = [];
  while (ready.length) {
    const id = ready.shift() as string;
    order.push(id);
    for (const edge of index.outgoing.get(id) ?? []) {
      const left = (remaining.get(edge.target) ?? 0) - 1;
      remaining.set(edge.target, left);
      if (left === 0) ready.push(edge.target);
    }
  }
  const cyclic = [...remaining.entries()].filter(([, n]) => n > 0).map(([id]) => id);
  return { order, cyclic };
}

/** Every node upstream of `id` along flow edges (not `id` itself). */
export function ancestorsOf(index: GraphIndex, id: string): Set<string> {
  const seen = new Set<string>();
  const stack = [id];
  while (stack.length) {
    const current = stack.pop() as string;
    for (const edge of index.incoming.get(current) ?? []) {
      if (!seen.has(edge.source)) {
        seen.add(edge.source);
        stack.push(edge.source);
      }
    }
  }
  seen.delete(id);
  return seen;
}
