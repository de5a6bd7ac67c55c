import type { EngineErrorInfo } from './errors';
import type { WorkflowNode } from './graph';

/** An OpenAI `chat.completion.chunk`, kept as the upstream sent it. */
export interface ChatCompletionChunk {
  id?: string;
  object: 'chat.completion.chunk' | string;
  created?: number;
  model?: string;
  choices: Array<{
    index: number;
    delta: { role?: string; content?: string | null; tool_calls?: unknown[]; [extra: string]: unknown };
    finish_reason?: string | null;
    [extra: string]: unknown;
  }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number } | null;
  [extra: string]: unknown;
}

/** What a node consumed, for consumption and compute-context. */
export type UsageRecord =
  | {
      kind: 'model';
      /** The node's `model` param (slug or id) and the registry id when the service gave one. */
      model: string | number;
      modelId?: number;
      operation: 'chat' | 'embedding' | 'rerank';
      promptTokens: number;
      completionTokens: number;
      totalTokens: number;
    }
  | { kind: 'external'; connectorId: number; endpointId: number; units: number }
  | { kind: 'cluster'; clusterId: number; operation: 'keyword_search' | 'vector_search' }
  | { kind: 'catalog'; datasetId: number };

interface NodeEventBase {
  nodeId: string;
  nodeType: string;
  /** ISO-8601 time of the event. */
  at: string;
}

export interface NodeStartedEvent extends NodeEventBase {
  type: 'node.started';
}

export interface NodeFinishedEvent extends NodeEventBase {
  type: 'node.finished';
  output: unknown;
  durationMs: number;
  /** The output was over `maxOutputBytes` and was replaced by a `{truncated: true, …}` stub. */
  truncated?: true;
  /** Output handles that fired (branching nodes such as `condition`); absent means all of them. */
  branches?: string[];
  usage?: UsageRecord[];
}

export interface NodeFailedEvent extends NodeEventBase {
  type: 'node.failed';
  error: EngineErrorInfo;
  durationMs: number;
  usage?: UsageRecord[];
}

export interface NodeSkippedEvent extends NodeEventBase {
  type: 'node.skipped';
  /** A condition upstream took another branch, or every upstream node was skipped. */
  reason: 'branch_not_taken' | 'upstream_skipped';
}

export interface StreamChunkEvent extends NodeEventBase {
  type: 'stream.chunk';
  chunk: ChatCompletionChunk;
  /** Position of the chunk in the node's stream (0-based). */
  index: number;
}

export type RunEvent = NodeStartedEvent | NodeFinishedEvent | NodeFailedEvent | NodeSkippedEvent | StreamChunkEvent;

/** A job's `result`, as existing clients read it (`result.results["httpResponse-2"][0]`). */
export interface JobResult {
  results: Record<string, unknown[]>;
  stream: Record<string, { chunks: ChatCompletionChunk[]; status: 'streaming' | 'complete' }>;
}

/** A node already finished and persisted by an earlier attempt of the same job (resume). */
export interface CompletedNode {
  output: unknown;
  /** `branches` of its `node.finished` event (needed to skip the branches a condition did not take). */
  branches?: string[];
  truncated?: boolean;
  /** Its streamed chunks, when the runtime kept them, so the result's `stream` stays complete. */
  chunks?: ChatCompletionChunk[];
  durationMs?: number;
}

export type NodeRunStatus = 'completed' | 'failed' | 'skipped' | 'cancelled';

export interface NodeState {
  status: NodeRunStatus;
  durationMs?: number;
  /** Taken from `completed` (not run by this call). */
  resumed?: true;
  truncated?: true;
  branches?: string[];
  error?: EngineErrorInfo;
  skipReason?: NodeSkippedEvent['reason'];
  usage?: UsageRecord[];
}

export interface RunOutcome {
  status: 'completed' | 'failed' | 'cancelled';
  result: JobResult;
  /** The graph's nodes annotated with `data.isExecuted`, `data.outputs[]`, `data.errors[]` (for `job.nodes`). */
  nodes: WorkflowNode[];
  /** Per node that ran, resumed, failed or was skipped. Nodes never reached are absent. */
  nodeStates: Record<string, NodeState>;
  /** The failure (`failed`), or `cancelled`. */
  error?: EngineErrorInfo;
  durationMs: number;
}
