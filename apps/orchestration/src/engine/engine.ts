import { ApiError } from '@alien/envelope';
import { NodeTypeView, WorkflowEdgeView, WorkflowNodeView } from '@alien/orchestration/contracts';
import {
  NodeTypeDescriptor,
  getNodeType,
  listNodeTypes,
  validateGraph,
} from '@alien/orchestration/workflow-engine';

// The runtime's one door to the engine library (libs/orchestration/workflow-engine).
export {
  EngineError,
  annotateNodes,
  buildJobResult,
  isPureNodeType,
  runWorkflow,
  type ClusterSearchBody,
  type CompletedNode,
  type ExternalApiRequest,
  type ExternalApiResponse,
  type ListEntriesRequest,
  type ModelCredentials,
  type ServiceCallOptions,
  type NodeState,
  type SubworkflowRequest,
  type NodeServices,
  type RunEvent,
  type RunOutcome,
  type UsageRecord,
  type WorkflowGraph,
} from '@alien/orchestration/workflow-engine';

export function toNodeTypeView(d: NodeTypeDescriptor): NodeTypeView {
  return {
    type: d.type,
    label: d.label,
    category: d.category,
    description: d.description,
    version: d.version,
    handles: d.handles,
    params: d.paramsSchema,
    inputs: d.inputsSchema,
    outputs: d.outputsSchema,
  };
}

export function nodeTypeViews(): NodeTypeView[] {
  return listNodeTypes().map(toNodeTypeView);
}

export function nodeTypeView(type: string): NodeTypeView {
  const found = getNodeType(type);
  if (!found) throw ApiError.notFound(`Unknown node type ${type}`);
  return toNodeTypeView(found);
}

/** Save-time (and run-time override) validation: 422 naming node id and field for every problem. */
export function validateWorkflowGraph(graph: { nodes: WorkflowNodeView[]; edges: WorkflowEdgeView[] }): void {
  const issues = validateGraph(graph as never);
  if (issues.length) throw ApiError.validation(issues);
}
