import type { JsonSchema } from './graph';

/**
 * JSON Schemas of the request bodies that carry graphs, for the http layer to validate at the edge
 * (ajv 8). Nodes, edges and `data` accept fields they do not name: clients round-trip their editor's
 * state. Graph semantics (types, params, cycles, expressions) are `validateGraph`'s job.
 */
export const WORKFLOW_TYPES = ['streaming', 'preset', 'ai-preset', 'group-preset', 'agent'] as const;
export type WorkflowType = (typeof WORKFLOW_TYPES)[number];

/** Bounds of a graph. */
export const GRAPH_LIMITS = { maxNodes: 500, maxEdges: 2000 } as const;

const paramEnvelope: JsonSchema = {
  description: 'A parameter: `{value, isExpression, isAttachedToInputNode}` (a bare value is accepted too).',
};

export const workflowNodeSchema: JsonSchema = {
  type: 'object',
  required: ['id', 'type'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 200 },
    type: { type: 'string', minLength: 1, maxLength: 100 },
    data: {
      type: 'object',
      properties: {
        label: { type: 'string', maxLength: 500 },
        handles: { type: 'array', items: { type: 'string', maxLength: 100 }, maxItems: 50 },
        isInput: { type: 'boolean' },
        isOutput: { type: 'boolean' },
        isTool: { type: 'boolean' },
        errors: { type: 'array' },
        inputs: { type: 'array' },
        outputs: { type: 'array' },
        params: { type: 'object', additionalProperties: paramEnvelope },
        schema: { type: 'object', properties: { input: { type: ['object', 'boolean'] }, output: { type: ['object', 'boolean'] } } },
      },
      additionalProperties: true,
    },
    position: { type: 'object', properties: { x: { type: 'number' }, y: { type: 'number' } }, additionalProperties: true },
  },
  additionalProperties: true,
};

export const workflowEdgeSchema: JsonSchema = {
  type: 'object',
  required: ['source', 'target'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 400 },
    source: { type: 'string', minLength: 1, maxLength: 200 },
    target: { type: 'string', minLength: 1, maxLength: 200 },
    sourceHandle: { type: ['string', 'null'], maxLength: 100 },
    targetHandle: { type: ['string', 'null'], maxLength: 100 },
  },
  additionalProperties: true,
};

const nodes: JsonSchema = { type: 'array', items: workflowNodeSchema, maxItems: GRAPH_LIMITS.maxNodes };
const edges: JsonSchema = { type: 'array', items: workflowEdgeSchema, maxItems: GRAPH_LIMITS.maxEdges };

export const workflowGraphSchema: JsonSchema = {
  type: 'object',
  required: ['nodes', 'edges'],
  properties: { nodes, edges },
  additionalProperties: true,
};

const workflowFields: Record<string, JsonSchema> = {
  name: { type: 'string', minLength: 1, maxLength: 200 },
  slug: { type: 'string', pattern: '^[a-z0-9_-]+$', minLength: 1, maxLength: 200 },
  description: { type: ['string', 'null'], maxLength: 10_000 },
  nodes,
  edges,
  isPublic: { type: 'boolean' },
  type: { type: 'string', enum: [...WORKFLOW_TYPES] },
  presetCategory: { type: ['string', 'null'], maxLength: 200 },
  collectionId: { type: ['integer', 'null'], minimum: 1 },
  datasetId: { type: ['integer', 'null'], minimum: 1 },
  tagIds: { type: 'array', items: { type: 'integer', minimum: 1 }, maxItems: 100, uniqueItems: true },
};

/** `POST /workflows` (nodes and edges default to empty lists). */
export const createWorkflowBodySchema: JsonSchema = {
  type: 'object',
  required: ['name'],
  properties: { ...workflowFields, nodes: { ...nodes, default: [] }, edges: { ...edges, default: [] } },
  additionalProperties: true,
};

/** `PATCH /workflows/{id}`: every field optional. */
export const updateWorkflowBodySchema: JsonSchema = {
  type: 'object',
  properties: workflowFields,
  additionalProperties: true,
};

const runFields: Record<string, JsonSchema> = {
  input: { description: "Given to the entry node (`data.isInput`); overrides the preset's input field by field." },
  nodes: { ...nodes, description: 'One-off graph override (with `edges`).' },
  edges,
  presetId: { type: 'integer', minimum: 1 },
};

/** `POST /workflows/{id}/run`. */
export const runWorkflowBodySchema: JsonSchema = {
  type: 'object',
  properties: runFields,
  additionalProperties: true,
};

/** `POST /workflows/{id}/run-sync`: `timeout` in seconds, default 300, at most 600. */
export const runSyncWorkflowBodySchema: JsonSchema = {
  type: 'object',
  properties: { ...runFields, timeout: { type: 'number', exclusiveMinimum: 0, maximum: 600, default: 300 } },
  additionalProperties: true,
};

const presetFields: Record<string, JsonSchema> = {
  name: { type: 'string', minLength: 1, maxLength: 200 },
  slug: { type: 'string', pattern: '^[a-z0-9_-]+$', minLength: 1, maxLength: 200 },
  input: { description: 'The run input this preset gives.' },
};

/** `POST /workflows/{id}/presets`. */
export const createPresetBodySchema: JsonSchema = {
  type: 'object',
  required: ['name'],
  properties: presetFields,
  additionalProperties: true,
};

/** `PATCH /workflows/{id}/presets/{presetId}`. */
export const updatePresetBodySchema: JsonSchema = {
  type: 'object',
  properties: presetFields,
  additionalProperties: true,
};
