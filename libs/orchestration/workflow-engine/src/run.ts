import { compileSchema, issuesFromAjv } from './ajv';
import { entryOutput } from './entry';
import { EngineError, toErrorInfo, type EngineErrorInfo, type ValidationIssue } from './errors';
import type { ChatCompletionChunk, CompletedNode, JobResult, NodeState, RunEvent, RunOutcome, UsageRecord } from './events';
import { resolveDeep, resolveString, type ExpressionScope } from './expressions';
import { indexGraph, paramEnvelope, sourceHandleOf, topologicalOrder, type GraphIndex, type WorkflowGraph, type WorkflowNode } from './graph';
import { resolveHttpPolicy } from './http/outbound';
import type { HttpPolicy, NodeContext, NodeExecution, NodeType, RunLimits, UpstreamOutput } from './node-type';
import { nodeImplementation } from './registry';
import type { NodeServices } from './services';
import { entryNodeId, normalizeGraph, paramMode, validateGraph } from './validate';

export const DEFAULT_LIMITS: RunLimits = {
  nodeTimeoutMs: 120_000,
  maxOutputBytes: 1024 * 1024,
  maxSubworkflowDepth: 3,
  maxConcurrency: 8,
};

export interface RunOptions {
  graph: WorkflowGraph;
  /** The run's input, given to the entry node (`data.isInput`). */
  input?: unknown;
  jobId: string;
  /** Node outputs already persisted by an earlier attempt: these nodes are not run again. */
  completed?: Record<string, CompletedNode>;
  services?: NodeServices;
  /** Cancels the run: running nodes are abandoned within milliseconds, the outcome is `cancelled`. */
  signal?: AbortSignal;
  limits?: Partial<RunLimits>;
  /** Outbound `http_request` policy (allow-list, caps) from the runtime's configuration. */
  http?: HttpPolicy;
  /**
   * Called for every event, in order per node, and awaited: the next node that depends on a finished
   * one starts only after its `node.finished` handler resolved (persist there). A handler that throws
   * stops the run, and `runWorkflow` rejects with that error (an infrastructure failure, not the job's).
   */
  onEvent?: (event: RunEvent) => Promise<void> | void;
  /** Subworkflow nesting (0 for a job's own run). */
  depth?: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Validation results by graph text: a worker runs the same few graphs over and over, and validating
 * (schemas, expressions, JSONata) costs several times more than serialising the graph to look it up.
 */
const validated = new Map<string, ValidationIssue[]>();
const VALIDATED_LIMIT = 500;

function graphIssues(graph: WorkflowGraph): ValidationIssue[] {
  let key: string;
  try {
    key = JSON.stringify(graph);
  } catch {
    return validateGraph(graph);
  }
  let issues = validated.get(key);
  if (!issues) {
    issues = validateGraph(graph);
    if (validated.size >= VALIDATED_LIMIT) validated.clear();
    validated.set(key, issues);
  }
  return issues;
}

/** Nodes whose output is the job's answer: flagged `isOutput`, or of type `output`/`http_response`. */
function outputNodeIds(graph: WorkflowGraph, index: GraphIndex): string[] {
  const flagged = graph.nodes.filter((n) => n.data?.isOutput === true || n.type === 'output' || n.type === 'http_response').map((n) => n.id);
  if (flagged.length) return [...new Set(flagged)];
  // No declared output: the sinks of the data flow answer.
  return [...index.nodes.keys()].filter((id) => (index.outgoing.get(id) ?? []).length === 0 && !index.attached.has(id));
}

/**
 * The job `result` from node outputs (finished now or persisted earlier): `results` holds each output
 * node's output as a one-element list; `stream` each streaming node's chunks.
 */
export function buildJobResult(
  graph: WorkflowGraph,
  outputs: Record<string, unknown>,
  streams: Record<string, { chunks: ChatCompletionChunk[]; complete: boolean }> = {},
): JobResult {
  graph = normalizeGraph(graph);
  const index = indexGraph(graph);
  const results: JobResult['results'] = {};
  for (const id of outputNodeIds(graph, index)) if (id in outputs) results[id] = [outputs[id]];
  const stream: JobResult['stream'] = {};
  for (const [id, s] of Object.entries(streams)) stream[id] = { chunks: s.chunks, status: s.complete ? 'complete' : 'streaming' };
  return { results, stream };
}

/** The graph's nodes with `data.isExecuted`, `data.outputs` and `data.errors` set from the node states. */
export function annotateNodes(graph: WorkflowGraph, states: Record<string, NodeState>, outputs: Record<string, unknown>): WorkflowNode[] {
  return graph.nodes.map((node) => {
    const state = states[node.id];
    const executed = state?.status === 'completed';
    return {
      ...node,
      data: {
        ...node.data,
        isExecuted: executed,
        outputs: executed ? [outputs[node.id]] : [],
        errors: state?.error ? [{ code: state.error.code, message: state.error.message }] : [],
      },
    };
  });
}

function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * JSON text with every U+0000 escape turned into U+FFFD: Postgres refuses U+0000 in jsonb, and an
 * output or chunk is stored before the next node starts. Escapes are read pair by pair, so an escaped
 * backslash followed by the text `u0000` stays as it is.
 */
function withoutNul(json: string): string {
  return json.replace(/\\(u0000|.)/g, (escape) => (escape === '\\u0000' ? '\\ufffd' : escape));
}

/** A streamed chunk as it can be stored (see `withoutNul`); the same object when it holds no U+0000. */
function storableChunk(chunk: ChatCompletionChunk): ChatCompletionChunk {
  const json = JSON.stringify(chunk);
  return json.includes('\\u0000') ? (JSON.parse(withoutNul(json)) as ChatCompletionChunk) : chunk;
}

function truncateOutput(output: unknown, limit: number): { output: unknown; truncated: boolean } {
  let json: string | undefined;
  try {
    json = JSON.stringify(output);
  } catch (error) {
    throw new EngineError('node_error', `the output is not JSON: ${(error as Error).message}`);
  }
  if (json === undefined) return { output: null, truncated: false };
  // Output from JSONata, an HTTP answer or a model may hold U+0000: stored as U+FFFD (see withoutNul).
  if (json.includes('\\u0000')) {
    json = withoutNul(json);
    output = JSON.parse(json) as unknown;
  }
  const bytes = Buffer.byteLength(json);
  if (bytes <= limit) return { output, truncated: false };
  return { output: { truncated: true, bytes, limit, preview: json.slice(0, Math.min(limit, 2048)) }, truncated: true };
}

/**
 * Runs a workflow graph: nodes in topological order, independent branches concurrently (up to
 * `maxConcurrency`), each under a timeout and an output cap, skipping the branches a condition did not
 * take and the nodes in `completed`. Resolves with the outcome; it rejects only when `onEvent` throws.
 */
export async function runWorkflow(options: RunOptions): Promise<RunOutcome> {
  const startedAt = performance.now();
  const limits: RunLimits = { ...DEFAULT_LIMITS, ...options.limits };
  limits.maxConcurrency = Math.max(1, Math.floor(limits.maxConcurrency) || 1);
  const http = resolveHttpPolicy(options.http);
  const services = options.services ?? {};
  const depth = options.depth ?? 0;
  const completed = options.completed ?? {};

  const issues = graphIssues(options.graph);
  if (issues.length) {
    const error: EngineErrorInfo = {
      code: 'invalid_graph',
      message: `the workflow is not valid: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
      issues,
    };
    const graph = isRecord(options.graph) && Array.isArray(options.graph.nodes) ? options.graph : { nodes: [], edges: [] };
    return { status: 'failed', result: { results: {}, stream: {} }, nodes: graph.nodes, nodeStates: {}, error, durationMs: performance.now() - startedAt };
  }
  const graph = normalizeGraph(options.graph);
  const index = indexGraph(graph);
  const { order } = topologicalOrder(index);
  const position = new Map(order.map((id, i) => [id, i]));
  const nodeIds: ReadonlySet<string> = new Set(index.nodes.keys());
  const entry = entryNodeId(graph);

  const outputs: Record<string, unknown> = {};
  const branches = new Map<string, string[] | undefined>();
  const states: Record<string, NodeState> = {};
  const streams: Record<string, { chunks: ChatCompletionChunk[]; complete: boolean }> = {};

  // One controller for the run: cancel, a node failure or a failing onEvent stop everything running.
  const run = new AbortController();
  let failure: EngineErrorInfo | undefined;
  let eventError: { error: unknown } | undefined;
  const onCancel = () => run.abort(new EngineError('cancelled', 'the run was cancelled'));
  if (options.signal?.aborted) onCancel();
  else options.signal?.addEventListener('abort', onCancel, { once: true });

  const emit = async (event: RunEvent) => {
    if (!options.onEvent || eventError) return;
    try {
      await options.onEvent(event);
    } catch (error) {
      eventError ??= { error };
      run.abort(new EngineError('cancelled', 'the run stopped: its event handler failed'));
    }
  };
  const now = () => new Date().toISOString();

  const scope: ExpressionScope = {
    nodeIds,
    output: (id) => outputs[id],
    input: options.input,
    context: { jobId: options.jobId, depth },
  };

  // Nodes attached to an agent only (tools, subagents) are run by their agent, not by the loop.
  const executable = (id: string) =>
    !(index.attached.has(id) && (index.incoming.get(id) ?? []).length === 0 && (index.outgoing.get(id) ?? []).length === 0);
  const waiting = new Map<string, number>();
  for (const id of order) waiting.set(id, (index.incoming.get(id) ?? []).length);
  const ready: string[] = order.filter((id) => waiting.get(id) === 0 && executable(id));
  const running = new Map<string, Promise<void>>();

  const release = (id: string) => {
    for (const edge of index.outgoing.get(id) ?? []) {
      const left = (waiting.get(edge.target) ?? 0) - 1;
      waiting.set(edge.target, left);
      if (left === 0) ready.push(edge.target);
    }
    ready.sort((a, b) => (position.get(a) ?? 0) - (position.get(b) ?? 0));
  };

  /** Why a node must be skipped (all its incoming edges dead), or undefined when it runs. */
  const skipReason = (id: string): NodeState['skipReason'] | undefined => {
    const incoming = index.incoming.get(id) ?? [];
    if (incoming.length === 0) return undefined;
    let branchDead = false;
    for (const edge of incoming) {
      const source = states[edge.source];
      if (source?.status !== 'completed') continue;
      const taken = branches.get(edge.source);
      if (!taken || taken.includes(sourceHandleOf(edge))) return undefined;
      branchDead = true;
    }
    return branchDead ? 'branch_not_taken' : 'upstream_skipped';
  };

  const buildContext = (node: WorkflowNode, type: NodeType, signal: AbortSignal, usage: UsageRecord[]): NodeContext => {
    const params: Record<string, unknown> = {};
    for (const [name, raw] of Object.entries(node.data.params ?? {})) {
      const value = paramEnvelope(raw).value;
      const mode = type.rawParams?.includes(name) ? 'literal' : paramMode(raw);
      let resolved: unknown;
      try {
        resolved = mode === 'expression' ? resolveDeep(value, scope, true) : mode === 'auto' ? resolveString(value as string, scope, false) : value;
      } catch (error) {
        throw new EngineError('expression_error', `params.${name}: ${(error as Error).message}`);
      }
      // An empty expression means "not set": the schema default applies.
      if (resolved === undefined || (mode === 'expression' && resolved === '')) continue;
      params[name] = resolved;
    }
    const checked = structuredClone(params);
    const validate = compileSchema(type.paramsSchema);
    if (!validate(checked)) {
      const found = issuesFromAjv(validate.errors, `params`, (path) => `params${path}`);
      throw new EngineError('invalid_params', found.map((i) => i.message).join('; '), { issues: found });
    }
    const inputs: UpstreamOutput[] = [];
    for (const edge of index.incoming.get(node.id) ?? []) {
      if (states[edge.source]?.status !== 'completed') continue;
      const taken = branches.get(edge.source);
      if (taken && !taken.includes(sourceHandleOf(edge))) continue;
      inputs.push({ nodeId: edge.source, handle: sourceHandleOf(edge), output: outputs[edge.source] });
    }
    let chunkIndex = 0;
    return {
      nodeId: node.id,
      node,
      params: checked,
      inputs,
      input: inputs[0]?.output,
      outputs,
      runInput: options.input,
      jobId: options.jobId,
      depth,
      idempotencyKey: `${options.jobId}:${node.id}`,
      signal,
      services,
      http,
      limits,
      emitChunk: async (raw) => {
        if (signal.aborted) return;
        const chunk = storableChunk(raw);
        const stream = (streams[node.id] ??= { chunks: [], complete: false });
        stream.chunks.push(chunk);
        await emit({ type: 'stream.chunk', nodeId: node.id, nodeType: node.type, at: now(), chunk, index: chunkIndex++ });
      },
      report: (record) => {
        usage.push(record);
      },
    };
  };

  const execute = async (id: string) => {
    const node = index.nodes.get(id) as WorkflowNode;
    const type = nodeImplementation(node.type) as NodeType;
    const controller = new AbortController();
    const onRunAbort = () => controller.abort(run.signal.reason);
    run.signal.addEventListener('abort', onRunAbort, { once: true });
    const timer = setTimeout(
      () => controller.abort(new EngineError('node_timeout', `node "${id}" did not finish within ${limits.nodeTimeoutMs} ms`)),
      limits.nodeTimeoutMs,
    );
    const usage: UsageRecord[] = [];
    const started = performance.now();
    try {
      await emit({ type: 'node.started', nodeId: id, nodeType: node.type, at: now() });
      if (controller.signal.aborted) throw controller.signal.reason;
      const work = (async (): Promise<NodeExecution> => {
        if (id === entry) return { output: entryOutput(node, options.input) };
        return type.execute(buildContext(node, type, controller.signal, usage));
      })();
      const result = await raceSignal(work, controller.signal);
      const capped = truncateOutput(result.output === undefined ? null : result.output, limits.maxOutputBytes);
      const durationMs = Math.round((performance.now() - started) * 100) / 100;
      outputs[id] = capped.output;
      branches.set(id, result.branches);
      if (streams[id]) streams[id].complete = true;
      const state: NodeState = { status: 'completed', durationMs };
      if (capped.truncated) state.truncated = true;
      if (result.branches) state.branches = result.branches;
      if (usage.length) state.usage = usage;
      states[id] = state;
      clearTimeout(timer);
      await emit({
        type: 'node.finished',
        nodeId: id,
        nodeType: node.type,
        at: now(),
        output: capped.output,
        durationMs,
        ...(capped.truncated ? { truncated: true as const } : {}),
        ...(result.branches ? { branches: result.branches } : {}),
        ...(usage.length ? { usage } : {}),
      });
      release(id);
    } catch (thrown) {
      clearTimeout(timer);
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : thrown;
      const error = toErrorInfo(reason, id);
      const durationMs = Math.round((performance.now() - started) * 100) / 100;
      states[id] = { status: error.code === 'cancelled' ? 'cancelled' : 'failed', durationMs, error, ...(usage.length ? { usage } : {}) };
      if (error.code !== 'cancelled' && !failure) {
        failure = error;
        run.abort(new EngineError('cancelled', `stopped: node "${id}" failed`));
      }
      await emit({ type: 'node.failed', nodeId: id, nodeType: node.type, at: now(), error, durationMs, ...(usage.length ? { usage } : {}) });
    } finally {
      run.signal.removeEventListener('abort', onRunAbort);
    }
  };

  try {
    while (!run.signal.aborted && (ready.length || running.size)) {
      while (!run.signal.aborted && ready.length && running.size < limits.maxConcurrency) {
        const id = ready.shift() as string;
        const node = index.nodes.get(id) as WorkflowNode;
        const done = completed[id];
        if (done) {
          outputs[id] = done.output;
          branches.set(id, done.branches);
          states[id] = { status: 'completed', resumed: true, ...(done.durationMs !== undefined ? { durationMs: done.durationMs } : {}) };
          if (done.truncated) states[id].truncated = true;
          if (done.branches) states[id].branches = done.branches;
          if (done.chunks?.length) streams[id] = { chunks: [...done.chunks], complete: true };
          release(id);
          continue;
        }
        const skip = skipReason(id);
        if (skip) {
          states[id] = { status: 'skipped', skipReason: skip };
          await emit({ type: 'node.skipped', nodeId: id, nodeType: node.type, at: now(), reason: skip });
          release(id);
          continue;
        }
        const task = execute(id).finally(() => running.delete(id));
        running.set(id, task);
      }
      if (running.size) await Promise.race(running.values());
    }
    // Stopped early: let the running nodes record their end (each gives up within milliseconds).
    await Promise.all(running.values());
  } finally {
    options.signal?.removeEventListener('abort', onCancel);
  }
  if (eventError) throw eventError.error;

  const cancelled = !failure && options.signal?.aborted === true;
  const status: RunOutcome['status'] = failure ? 'failed' : cancelled ? 'cancelled' : 'completed';
  const outcome: RunOutcome = {
    status,
    result: buildJobResult(graph, outputs, streams),
    nodes: annotateNodes(graph, states, outputs),
    nodeStates: states,
    durationMs: Math.round((performance.now() - startedAt) * 100) / 100,
  };
  if (failure) outcome.error = failure;
  else if (cancelled) outcome.error = { code: 'cancelled', message: 'the run was cancelled' };
  return outcome;
}
