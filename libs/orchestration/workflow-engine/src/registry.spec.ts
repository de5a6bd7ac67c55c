import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { NODE_TYPES } from './nodes';
import { getNodeType, isPureNodeType, listNodeTypes } from './registry';
import { createWorkflowBodySchema, runSyncWorkflowBodySchema, workflowGraphSchema } from './schemas';

describe('node registry', () => {
  it('lists every node type with its contract and no executor', () => {
    const types = listNodeTypes();
    expect(types.map((t) => t.type)).toEqual([
      'aggregate',
      'chat_completion',
      'condition',
      'edit_fields',
      'embedding',
      'external_api',
      'get_entries',
      'http_request',
      'http_response',
      'input',
      'keyword_search',
      'output',
      'rerank',
      'subworkflow',
      'vector_search',
      'wait',
    ]);
    for (const t of types) {
      expect(Object.keys(t).sort()).toEqual(['category', 'description', 'handles', 'inputsSchema', 'label', 'outputsSchema', 'paramsSchema', 'type', 'version']);
      expect(t.version).toMatch(/^\d+\.\d+\.\d+$/);
    }
    expect(getNodeType('condition')?.handles).toEqual({ inputs: ['inputs'], outputs: ['true', 'false'] });
    expect(getNodeType('teleport')).toBeUndefined();
  });

  it('has valid JSON Schemas for every type', () => {
    const ajv = new Ajv({ strictSchema: true, strictNumbers: true, strictTypes: false, strictTuples: false, strictRequired: false });
    addFormats(ajv);
    for (const t of listNodeTypes()) for (const schema of [t.paramsSchema, t.inputsSchema, t.outputsSchema]) expect(() => ajv.compile(schema)).not.toThrow();
  });

  it('registers every node module in src/nodes (one file per type)', () => {
    const files = readdirSync(path.join(__dirname, 'nodes')).filter((f) => f.endsWith('.node.ts'));
    expect(files.map((f) => f.replace('.node.ts', '').replace(/-/g, '_')).sort()).toEqual(NODE_TYPES.map((t) => t.type).sort());
  });
});

describe('request body schemas', () => {
  const ajv = new Ajv({ strict: false, allErrors: true, useDefaults: true });

  it('accept a client graph with unknown fields and refuse malformed ones', () => {
    const graph = ajv.compile(workflowGraphSchema);
    expect(graph({ nodes: [{ id: 'a', type: 'input', data: { params: {}, custom: 1 }, selected: true }], edges: [{ id: 'e', source: 'a', target: 'b', sourceHandle: null, animated: true }] })).toBe(true);
    expect(graph({ nodes: [{ type: 'input' }], edges: [] })).toBe(false);
    expect(graph({ nodes: [], edges: [{ source: 'a' }] })).toBe(false);
  });

  it('check workflow and run bodies', () => {
    const create = ajv.compile(createWorkflowBodySchema);
    const body: Record<string, unknown> = { name: 'My flow', slug: 'my-flow', type: 'streaming' };
    expect(create(body)).toBe(true);
    expect(body).toMatchObject({ nodes: [], edges: [] });
    expect(create({ name: 'x', slug: 'Not A Slug' })).toBe(false);
    expect(create({ name: 'x', type: 'batch' })).toBe(false);
    const runSync = ajv.compile(runSyncWorkflowBodySchema);
    expect(runSync({ input: { q: 1 }, timeout: 600 })).toBe(true);
    expect(runSync({ timeout: 601 })).toBe(false);
  });

  it('marks only the types without effects outside the run as pure (a runtime may re-run those unobserved)', () => {
    const pure = NODE_TYPES.map((t) => t.type).filter(isPureNodeType).sort();
    expect(pure).toEqual(['aggregate', 'condition', 'edit_fields', 'http_response', 'input', 'output']);
    expect(isPureNodeType('no_such_type')).toBe(false);
    expect(getNodeType('edit_fields')).not.toHaveProperty('pure');
  });
});
