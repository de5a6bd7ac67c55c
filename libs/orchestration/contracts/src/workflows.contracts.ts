import { rpc } from '@alien/contracts';
import { Page, PageQuery } from '@alien/envelope';
import { BatchQuery, IdOrSlug } from '@alien/slug';

// Workflows, their graphs, presets and the node-type registry, as the gateway and the service see them.

export const WORKFLOW_TYPES = ['streaming', 'preset', 'ai-preset', 'group-preset', 'agent'] as const;
export type WorkflowType = (typeof WORKFLOW_TYPES)[number];

export const WORKFLOW_ORDER_BY = ['id', 'name', 'slug', 'createdAt', 'updatedAt'] as const;
export type WorkflowOrderBy = (typeof WORKFLOW_ORDER_BY)[number];

/** A parameter as clients send it: a value, or an expression such as `@node-1.field`. */
export interface NodeParamView {
  value?: unknown;
  isExpression?: boolean;
  isAttachedToInputNode?: boolean;
  [extra: string]: unknown;
}

/** A node as React-Flow clients build it; unknown extra fields are kept as sent. */
export interface WorkflowNodeView {
  id: string;
  type: string;
  data: {
    label?: string;
    handles?: unknown[];
    isInput?: boolean;
    isOutput?: boolean;
    isTool?: boolean;
    errors?: unknown[];
    inputs?: unknown[];
    outputs?: unknown[];
    params?: Record<string, NodeParamView>;
    schema?: unknown;
    [extra: string]: unknown;
  } & Record<string, unknown>;
  position?: { x: number; y: number };
  [extra: string]: unknown;
}

export interface WorkflowEdgeView {
  id: string;
  source: string;
  target: string;
  sourceHandle?: string | null;
  targetHandle?: string | null;
  [extra: string]: unknown;
}

export interface WorkflowView {
  id: number;
  name: string;
  slug: string;
  description: string | null;
  type: WorkflowType;
  isPublic: boolean;
  presetCategory: string | null;
  collectionId: number | null;
  datasetId: number | null;
  tagIds: number[];
  nodes: WorkflowNodeView[];
  edges: WorkflowEdgeView[];
  /** +1 on every change of nodes or edges. */
  graphVersion: number;
  organizationId: number;
  createdBy: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface WorkflowInput {
  name: string;
  slug?: string;
  description?: string | null;
  type?: WorkflowType;
  isPublic?: boolean;
  presetCategory?: string | null;
  collectionId?: number | null;
  datasetId?: number | null;
  tagIds?: number[];
  nodes?: WorkflowNodeView[];
  edges?: WorkflowEdgeView[];
}

export interface WorkflowListRequest {
  q?: string;
  page: PageQuery<WorkflowOrderBy>;
  /** Only public workflows (of any organization), only the caller's, or both (default). */
  scope?: 'all' | 'mine' | 'public';
  type?: WorkflowType;
}

export interface PresetView {
  id: number;
  workflowId: number;
  name: string;
  slug: string;
  input: Record<string, unknown>;
  organizationId: number;
  createdAt: string;
  updatedAt: string;
}

export interface PresetInput {
  name: string;
  slug?: string;
  input?: Record<string, unknown>;
}

/** A node type of the registry: what `GET /nodes` lists. */
export interface NodeTypeView {
  type: string;
  label: string;
  category: string;
  description: string;
  version: string;
  /** Handles the type offers when a node does not list its own in `data.handles`. */
  handles: { inputs: string[]; outputs: string[] };
  /** JSON Schemas of the params' values, of what the node expects from upstream, and of its output. */
  params: Record<string, unknown>;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  [extra: string]: unknown;
}

export const WorkflowContracts = {
  nodes: {
    list: rpc<Record<string, never>, NodeTypeView[]>('orchestration.node.list.v1'),
    get: rpc<{ type: string }, NodeTypeView>('orchestration.node.get.v1'),
  },
  workflows: {
    list: rpc<WorkflowListRequest, Page<WorkflowView>>('orchestration.workflow.list.v1'),
    get: rpc<IdOrSlug, WorkflowView>('orchestration.workflow.get.v1'),
    batch: rpc<BatchQuery, WorkflowView[]>('orchestration.workflow.batch.v1'),
    create: rpc<WorkflowInput, WorkflowView>('orchestration.workflow.create.v1'),
    update: rpc<{ id: number; patch: Partial<WorkflowInput> }, WorkflowView>('orchestration.workflow.update.v1'),
    remove: rpc<{ id: number }, { id: number; deleted: true }>('orchestration.workflow.delete.v1'),
  },
  presets: {
    list: rpc<{ workflowId: number }, PresetView[]>('orchestration.preset.list.v1'),
    create: rpc<{ workflowId: number } & PresetInput, PresetView>('orchestration.preset.create.v1'),
    update: rpc<{ workflowId: number; id: number; patch: Partial<PresetInput> }, PresetView>('orchestration.preset.update.v1'),
    remove: rpc<{ workflowId: number; id: number }, { id: number; deleted: true }>('orchestration.preset.delete.v1'),
  },
} as const;
