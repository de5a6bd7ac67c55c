/**
 * @alien/orchestration/workflow-engine — runs workflow graphs. Framework-free: no Nest, no database,
 * no NATS. The runtime (orchestration worker) embeds it and injects `NodeServices`.
 *
 * - Graphs as clients send them: `WorkflowGraph`, `WorkflowNode`, `WorkflowEdge`, and the JSON Schemas
 *   of the request bodies that carry them (`createWorkflowBodySchema`, …).
 * - The node registry: `listNodeTypes()` (`GET /nodes`), `getNodeType(type)` (`GET /nodes/{type}`).
 * - `validateGraph(graph)` → `{field, rule, message}[]` (save-time 422), `validateRunInput(graph, input)`.
 * - `runWorkflow(options)` → `RunOutcome` (`status`, the job `result`, annotated `nodes`, per-node states),
 *   with `RunEvent`s awaited along the way; `buildJobResult`/`annotateNodes` rebuild those from persisted
 *   node outputs (SSE `init` snapshots, a resumed job).
 */
export type { JsonSchema, ParamEnvelope, WorkflowEdge, WorkflowGraph, WorkflowNode, WorkflowNodeData } from './graph';
export {
  GRAPH_LIMITS,
  WORKFLOW_TYPES,
  createPresetBodySchema,
  createWorkflowBodySchema,
  runSyncWorkflowBodySchema,
  runWorkflowBodySchema,
  updatePresetBodySchema,
  updateWorkflowBodySchema,
  workflowEdgeSchema,
  workflowGraphSchema,
  workflowNodeSchema,
  type WorkflowType,
} from './schemas';
export type { HttpPolicy, NodeCategory, NodeContext, NodeExecution, NodeType, NodeTypeDescriptor, RunLimits } from './node-type';
export { getNodeType, isPureNodeType, listNodeTypes } from './registry';
export { validateGraph, validateRunInput } from './validate';
export { DEFAULT_LIMITS, annotateNodes, buildJobResult, runWorkflow, type RunOptions } from './run';
export type {
  ChatCompletionChunk,
  CompletedNode,
  JobResult,
  NodeFailedEvent,
  NodeFinishedEvent,
  NodeRunStatus,
  NodeSkippedEvent,
  NodeStartedEvent,
  NodeState,
  RunEvent,
  RunOutcome,
  StreamChunkEvent,
  UsageRecord,
} from './events';
export { EngineError, type EngineErrorCode, type EngineErrorInfo, type ValidationIssue } from './errors';
export type {
  ClusterSearchBody,
  ClusterSearchKind,
  ExternalApiRequest,
  ExternalApiResponse,
  ListEntriesRequest,
  ModelCredentials,
  NodeServices,
  ServiceCallOptions,
  SubworkflowRequest,
  SubworkflowResult,
} from './services';
