import type { ChatCompletionChunk, UsageRecord } from './events';
import type { JsonSchema, WorkflowNode } from './graph';
import type { NodeServices } from './services';

export type NodeCategory = 'trigger' | 'transform' | 'logic' | 'flow' | 'integration' | 'data' | 'ai' | 'output';

/** Limits of one run. */
export interface RunLimits {
  /** Per node, from start to output (default 120 000). */
  nodeTimeoutMs: number;
  /** Outputs larger than this (JSON bytes) are replaced by `{truncated: true, …}` (default 1 MiB). */
  maxOutputBytes: number;
  /** How deep subworkflows may nest (default 3). */
  maxSubworkflowDepth: number;
  /** Nodes running at once (default 8). */
  maxConcurrency: number;
}

/** How outbound `http_request` nodes may reach the network (from the runtime's configuration). */
export interface HttpPolicy {
  /**
   * Targets allowed although private, loopback, link-local, … : host names (`internal.example`,
   * `*.svc.cluster.local`, `localhost`), IP addresses (`127.0.0.1`, `::1`) or CIDR ranges
   * (`10.0.0.0/8`). A host name entry allows whatever that name resolves to.
   */
  allow?: string[];
  /** Per request, all redirect hops included (default 30 000). */
  timeoutMs?: number;
  /** Response body cap (default 10 MiB): larger bodies fail with `response_too_large`. */
  maxResponseBytes?: number;
  /** Redirect hops followed, each re-checked (default 5). */
  maxRedirects?: number;
  /** DNS lookup (default `dns.lookup`); all addresses of a name are checked and one of them is dialled. */
  lookup?: (hostname: string) => Promise<Array<{ address: string; family: number }>>;
}

export type ResolvedHttpPolicy = Required<Omit<HttpPolicy, 'lookup'>> & Pick<HttpPolicy, 'lookup'>;

/** One flow predecessor's output, as a node sees it. */
export interface UpstreamOutput {
  nodeId: string;
  /** The source handle of the edge (`outputs`, or a branch such as `true`). */
  handle: string;
  output: unknown;
}

/** Everything an executor gets. */
export interface NodeContext<P = Record<string, unknown>> {
  nodeId: string;
  node: WorkflowNode;
  /** Params with expressions resolved, schema defaults applied and validated against `paramsSchema`. */
  params: P;
  /** Outputs of the flow predecessors that ran, in edge order. */
  inputs: UpstreamOutput[];
  /** The first predecessor's output (undefined for a root node). */
  input: unknown;
  /** Outputs of every node finished so far, by node id. */
  outputs: Readonly<Record<string, unknown>>;
  /** The run's `input`. */
  runInput: unknown;
  jobId: string;
  /** Subworkflow nesting of this run (0 at the top). */
  depth: number;
  /** `<jobId>:<nodeId>`: the same on every attempt of this node, sent as `Idempotency-Key` upstream. */
  idempotencyKey: string;
  /** Aborted on cancel, on the node's timeout, or when another node failed. */
  signal: AbortSignal;
  services: NodeServices;
  http: ResolvedHttpPolicy;
  limits: RunLimits;
  /** Appends a chunk to `result.stream[nodeId].chunks` and emits `stream.chunk` (awaited). */
  emitChunk(chunk: ChatCompletionChunk): Promise<void>;
  /** Records consumption for `node.finished`. */
  report(usage: UsageRecord): void;
}

/** What an executor returns. */
export interface NodeExecution {
  /** JSON-serialisable output (undefined becomes null). */
  output: unknown;
  /** Output handles that fire; absent means all. Edges from other handles are skipped downstream. */
  branches?: string[];
}

/**
 * A node type: one self-contained module in `src/nodes/<type>.node.ts`, listed in `src/nodes/index.ts`.
 */
export interface NodeType<P = Record<string, unknown>> {
  type: string;
  label: string;
  category: NodeCategory;
  description: string;
  /** Semver of the type's contract (params, inputs, outputs). */
  version: string;
  /** Handles the type offers when a node does not list its own in `data.handles`. */
  handles: { inputs: string[]; outputs: string[] };
  /** JSON Schema of the params' values (envelopes unwrapped). */
  paramsSchema: JsonSchema;
  /** JSON Schema of what the node expects from upstream. */
  inputsSchema: JsonSchema;
  outputsSchema: JsonSchema;
  /**
   * Params the executor evaluates itself, left as written (e.g. JSONata text): expressions in them are
   * neither resolved nor checked.
   */
  rawParams?: string[];
  /**
   * The executor has no effect outside the run: it reads its params, inputs and the run's outputs and
   * returns a value (no network, no services, no clock-driven waiting). A runtime may keep the result
   * of such a node in memory and persist it later with others: running it again after a crash is
   * unobservable, because nothing saw its result before it was persisted. Never set it on a type that
   * calls out (HTTP, models, clusters, catalog, external APIs, subworkflows) or waits.
   */
  pure?: true;
  /**
   * Save-time checks beyond the schema (e.g. JSONata that must parse), on the literal params that
   * passed it. Returns problems by param path (`fields.total`).
   */
  check?(params: P): Array<{ param: string; rule: string; message: string }>;
  execute(ctx: NodeContext<P>): Promise<NodeExecution>;
}

/** The public description of a node type (`GET /nodes`): the module without its executor. */
export type NodeTypeDescriptor = Omit<NodeType, 'execute' | 'rawParams' | 'check' | 'pure'>;

/** Identity helper that keeps a node module's param type while listing it with the others. */
export function defineNode<P>(definition: NodeType<P>): NodeType {
  return definition as unknown as NodeType;
}
