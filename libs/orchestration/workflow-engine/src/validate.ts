import { compileSchema, issuesFromAjv } from './ajv';
import { entryOutput } from './entry';
import { EngineError, type ValidationIssue } from './errors';
import { scanExpression, stringsIn } from './expressions';
import {
  ancestorsOf,
  indexGraph,
  isFlowEdge,
  paramEnvelope,
  sourceHandleOf,
  STRUCTURAL_HANDLES,
  targetHandleOf,
  topologicalOrder,
  type GraphIndex,
  type WorkflowGraph,
  type WorkflowNode,
} from './graph';
import type { NodeType } from './node-type';
import { nodeImplementation } from './registry';

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** How a param's value is read: an expression, a bare string that may hold `@id…`, or a literal. */
export type ParamMode = 'expression' | 'auto' | 'literal';

export function paramMode(raw: unknown): ParamMode {
  const envelope = isRecord(raw) && 'value' in raw;
  if (envelope) return (raw as { isExpression?: unknown }).isExpression === true ? 'expression' : 'literal';
  return typeof raw === 'string' && raw.includes('@') ? 'auto' : 'literal';
}

/** The entry node: `data.isInput`, else the first node of type `input`. */
export function entryNodeId(graph: WorkflowGraph): string | undefined {
  return (graph.nodes.find((n) => n?.data?.isInput === true) ?? graph.nodes.find((n) => n?.type === 'input'))?.id;
}

const label = (node: WorkflowNode) => `node "${node.id}" (${node.type})`;

function checkShape(graph: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (!isRecord(graph)) return [{ field: 'graph', rule: 'type', message: 'the graph must be an object with nodes and edges' }];
  if (!Array.isArray(graph.nodes)) issues.push({ field: 'nodes', rule: 'type', message: 'nodes must be an array' });
  if (!Array.isArray(graph.edges)) issues.push({ field: 'edges', rule: 'type', message: 'edges must be an array' });
  if (issues.length) return issues;
  (graph.nodes as unknown[]).forEach((node, i) => {
    if (!isRecord(node)) return issues.push({ field: `nodes[${i}]`, rule: 'type', message: `nodes[${i}] must be an object` });
    if (typeof node.id !== 'string' || node.id === '')
      issues.push({ field: `nodes[${i}].id`, rule: 'required', message: `nodes[${i}] needs a non-empty string id` });
    if (typeof node.type !== 'string' || node.type === '')
      issues.push({ field: `nodes[${i}].type`, rule: 'required', message: `node "${String(node.id)}" needs a type` });
    if (node.data !== undefined && !isRecord(node.data))
      issues.push({ field: `nodes[${i}].data`, rule: 'type', message: `node "${String(node.id)}": data must be an object` });
    else if (isRecord(node.data) && node.data.params !== undefined && !isRecord(node.data.params))
      issues.push({ field: `nodes[${i}].data.params`, rule: 'type', message: `node "${String(node.id)}": params must be an object` });
    return undefined;
  });
  (graph.edges as unknown[]).forEach((edge, i) => {
    if (!isRecord(edge)) return issues.push({ field: `edges[${i}]`, rule: 'type', message: `edges[${i}] must be an object` });
    for (const end of ['source', 'target'] as const) {
      if (typeof edge[end] !== 'string' || edge[end] === '')
        issues.push({ field: `edges[${i}].${end}`, rule: 'required', message: `edge "${String(edge.id ?? i)}" needs a ${end} node id` });
    }
    for (const handle of ['sourceHandle', 'targetHandle'] as const) {
      if (edge[handle] !== undefined && edge[handle] !== null && typeof edge[handle] !== 'string')
        issues.push({ field: `edges[${i}].${handle}`, rule: 'type', message: `edge "${String(edge.id ?? i)}": ${handle} must be a string` });
    }
    return undefined;
  });
  return issues;
}

/** Fills what clients may leave out (`data`, `data.params`), without touching anything else. */
export function normalizeGraph(graph: WorkflowGraph): WorkflowGraph {
  let changed = false;
  const nodes = graph.nodes.map((node) => {
    if (isRecord(node.data) && isRecord(node.data.params)) return node;
    changed = true;
    const data = isRecord(node.data) ? node.data : {};
    return { ...node, data: { ...data, params: isRecord(data.params) ? data.params : {} } };
  });
  return changed ? { ...graph, nodes } : graph;
}

function handlesOf(node: WorkflowNode, type: NodeType | undefined, side: 'inputs' | 'outputs'): string[] | undefined {
  const listed = Array.isArray(node.data.handles) ? node.data.handles.filter((h): h is string => typeof h === 'string') : [];
  if (listed.length) return listed;
  return type?.handles[side];
}

function checkEdges(graph: WorkflowGraph, index: GraphIndex, issues: ValidationIssue[]) {
  const seenIds = new Set<string>();
  graph.edges.forEach((edge, i) => {
    const name = `edge "${edge.id ?? i}"`;
    if (typeof edge.id === 'string') {
      if (seenIds.has(edge.id)) issues.push({ field: `edges[${i}].id`, rule: 'unique', message: `${name}: another edge has the same id` });
      seenIds.add(edge.id);
    }
    const source = index.nodes.get(edge.source);
    const target = index.nodes.get(edge.target);
    if (!source) issues.push({ field: `edges[${i}].source`, rule: 'exists', message: `${name}: source node "${edge.source}" does not exist` });
    if (!target) issues.push({ field: `edges[${i}].target`, rule: 'exists', message: `${name}: target node "${edge.target}" does not exist` });
    if (!source || !target) return;
    const sourceHandle = sourceHandleOf(edge);
    const targetHandle = targetHandleOf(edge);
    const sourceHandles = handlesOf(source, nodeImplementation(source.type), 'outputs');
    const targetHandles = handlesOf(target, nodeImplementation(target.type), 'inputs');
    if (sourceHandles && !sourceHandles.includes(sourceHandle)) {
      issues.push({
        field: `edges[${i}].sourceHandle`,
        rule: 'handle',
        message: `${name}: node "${source.id}" has no handle "${sourceHandle}" (it has ${sourceHandles.map((h) => `"${h}"`).join(', ') || 'none'})`,
      });
    }
    if (targetHandles && !targetHandles.includes(targetHandle)) {
      issues.push({
        field: `edges[${i}].targetHandle`,
        rule: 'handle',
        message: `${name}: node "${target.id}" has no handle "${targetHandle}" (it has ${targetHandles.map((h) => `"${h}"`).join(', ') || 'none'})`,
      });
    }
    const structural = STRUCTURAL_HANDLES[sourceHandle];
    if ((structural && structural !== targetHandle) || (!structural && !isFlowEdge(edge))) {
      issues.push({
        field: `edges[${i}].targetHandle`,
        rule: 'handle',
        message: `${name}: handle "${sourceHandle}" of "${source.id}" cannot connect to handle "${targetHandle}" of "${target.id}" (pairs: outputs → inputs, agents → agent, tools → tool)`,
      });
    }
    if (edge.source === edge.target && isFlowEdge(edge)) {
      issues.push({ field: `edges[${i}]`, rule: 'acyclic', message: `${name}: node "${edge.source}" is connected to itself` });
    }
  });
}

/** One cycle through the nodes Kahn could not order, as node ids (first repeated at the end). */
function findCycle(index: GraphIndex, cyclic: string[]): string[] {
  const inCycle = new Set(cyclic);
  const start = cyclic[0];
  const path: string[] = [];
  const onPath = new Map<string, number>();
  let current: string | undefined = start;
  // Each node left by Kahn has a predecessor also left, so walking predecessors must loop.
  while (current !== undefined && !onPath.has(current)) {
    onPath.set(current, path.length);
    path.push(current);
    current = (index.incoming.get(current) ?? []).map((e) => e.source).find((s) => inCycle.has(s));
  }
  if (current === undefined) return cyclic;
  const loop = path.slice(onPath.get(current)).reverse();
  return loop.length ? [...loop, loop[0] as string] : loop;
}

function checkParams(node: WorkflowNode, i: number, type: NodeType, isEntry: boolean, issues: ValidationIssue[]) {
  const params = node.data.params ?? {};
  if (isEntry) {
    if (node.data.schema?.input !== undefined) {
      try {
        compileSchema(node.data.schema.input);
      } catch (error) {
        issues.push({
          field: `nodes[${i}].data.schema.input`,
          rule: 'schema',
          message: `${label(node)}: schema.input is not a valid JSON Schema (${(error as Error).message})`,
        });
      }
    }
    return;
  }
  // Expression values are checked against the schema at run time, once resolved.
  const literal: Record<string, unknown> = {};
  const deferred = new Set<string>();
  for (const [name, raw] of Object.entries(params)) {
    const mode = paramMode(raw);
    const value = paramEnvelope(raw).value;
    if (mode === 'expression' && !type.rawParams?.includes(name)) deferred.add(name);
    else if (mode === 'auto' && typeof value === 'string' && value.trimStart().startsWith('@')) deferred.add(name);
    else literal[name] = value;
  }
  const validate = compileSchema(type.paramsSchema);
  const checked = structuredClone(literal);
  if (validate(checked)) {
    for (const problem of type.check?.(checked) ?? []) {
      issues.push({ field: `nodes[${i}].data.params.${problem.param}`, rule: problem.rule, message: `${label(node)}: params.${problem.param} ${problem.message}` });
    }
    return;
  }
  const found = issuesFromAjv(validate.errors, `nodes[${i}].data.params`, (path) => `${label(node)}: params${path}`).filter(
    (issue) => {
      // A root-level rule (anyOf of required params) cannot be judged while some values are expressions.
      if (issue.field === `nodes[${i}].data.params`) return deferred.size === 0;
      const name = issue.field.slice(`nodes[${i}].data.params.`.length).split(/[.[]/)[0] ?? '';
      return !deferred.has(name);
    },
  );
  issues.push(...found);
}

function checkExpressions(
  node: WorkflowNode,
  i: number,
  type: NodeType | undefined,
  index: GraphIndex,
  nodeIds: ReadonlySet<string>,
  issues: ValidationIssue[],
) {
  let upstream: Set<string> | undefined;
  for (const [name, raw] of Object.entries(node.data.params ?? {})) {
    if (type?.rawParams?.includes(name)) continue;
    const mode = paramMode(raw);
    if (mode === 'literal') continue;
    for (const [suffix, text] of stringsIn(paramEnvelope(raw).value)) {
      const scan = scanExpression(text, nodeIds, mode === 'expression');
      const field = `nodes[${i}].data.params.${name}${suffix}`;
      const where = `${label(node)}: params.${name}${suffix}`;
      for (const unknown of scan.unknown) {
        issues.push({ field, rule: 'expression', message: `${where} refers to ${unknown.text}, which is not a node of this workflow` });
      }
      for (const bad of scan.badTemplates) {
        issues.push({ field, rule: 'expression', message: `${where}: "{{ ${bad} }}" is not a reference (@<nodeId>.<field>, $input.<field>)` });
      }
      for (const ref of scan.references) {
        if (ref.kind !== 'node') continue;
        const target = ref.nodeId as string;
        if (target === node.id) {
          issues.push({ field, rule: 'upstream', message: `${where} refers to the node itself` });
          continue;
        }
        upstream ??= ancestorsOf(index, node.id);
        if (!upstream.has(target)) {
          issues.push({ field, rule: 'upstream', message: `${where} refers to "${target}", which is not upstream of "${node.id}"` });
        }
      }
    }
  }
}

/**
 * Ids a node may not have: results, outputs and streams are objects keyed by node id, where these
 * names read (or, for `__proto__`, replace) what every object inherits.
 */
const RESERVED_NODE_IDS = new Set(['__proto__', ...Object.getOwnPropertyNames(Object.prototype)]);

/**
 * Checks a graph as saved or run: shape, unique ids, known types, edges between existing nodes and
 * handles, no cycle in the data flow, at most one input node, params valid against their type's schema
 * (expression values are checked once resolved, at run time), expressions that read upstream nodes.
 * Returns the problems as `{field, rule, message}` (fields like `nodes[2].data.params.url`, messages
 * naming the node id); an empty list means valid.
 */
export function validateGraph(graph: WorkflowGraph): ValidationIssue[] {
  const shape = checkShape(graph);
  if (shape.length) return shape;
  graph = normalizeGraph(graph);
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  graph.nodes.forEach((node, i) => {
    if (seen.has(node.id)) issues.push({ field: `nodes[${i}].id`, rule: 'unique', message: `node "${node.id}": another node has the same id` });
    seen.add(node.id);
    if (RESERVED_NODE_IDS.has(node.id)) {
      issues.push({ field: `nodes[${i}].id`, rule: 'id', message: `node "${node.id}": this id is reserved (it names a member of every JavaScript object); choose another` });
    }
    if (!nodeImplementation(node.type)) {
      issues.push({ field: `nodes[${i}].type`, rule: 'knownType', message: `node "${node.id}": unknown node type "${node.type}"` });
    }
  });
  const index = indexGraph(graph);
  checkEdges(graph, index, issues);

  const { cyclic } = topologicalOrder(index);
  if (cyclic.length) {
    const cycle = findCycle(index, cyclic);
    const edgeIndex = graph.edges.findIndex((e) => isFlowEdge(e) && e.source === cycle[0] && e.target === cycle[1]);
    if (!(cycle.length === 2 && cycle[0] === cycle[1])) {
      issues.push({
        field: edgeIndex >= 0 ? `edges[${edgeIndex}]` : 'edges',
        rule: 'acyclic',
        message: `node "${cycle[0]}" is on a cycle: ${cycle.map((id) => `"${id}"`).join(' → ')}`,
      });
    }
  }

  const inputs = graph.nodes.map((n, i) => [n, i] as const).filter(([n]) => n.data.isInput === true);
  for (const [node, i] of inputs.slice(1)) {
    issues.push({
      field: `nodes[${i}].data.isInput`,
      rule: 'singleInput',
      message: `node "${node.id}": only one node may receive the run input (data.isInput); "${inputs[0]?.[0].id}" already does`,
    });
  }

  const entry = entryNodeId(graph);
  const nodeIds: ReadonlySet<string> = new Set(index.nodes.keys());
  graph.nodes.forEach((node, i) => {
    if (index.positions.get(node.id) !== i) return;
    const type = nodeImplementation(node.type);
    if (type) checkParams(node, i, type, node.id === entry || node.data.isInput === true, issues);
    if (node.id !== entry && node.data.isInput !== true) checkExpressions(node, i, type, index, nodeIds, issues);
  });
  return issues;
}

/**
 * Checks a run's input as the entry node will see it (its params as defaults, the input merged over
 * them) against its `data.schema.input`: the issues a `POST /run` should answer 422 with.
 */
export function validateRunInput(graph: WorkflowGraph, input: unknown): ValidationIssue[] {
  const id = entryNodeId(graph);
  const entry = graph.nodes.find((n) => n.id === id);
  if (!entry) return [];
  try {
    entryOutput(entry, input);
    return [];
  } catch (error) {
    if (error instanceof EngineError && error.code === 'invalid_input') return error.extra.issues ?? [];
    return [];
  }
}
