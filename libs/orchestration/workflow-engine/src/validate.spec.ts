import type { WorkflowGraph } from './graph';
import { chain, clientGraph, edge, expr, node, param } from './spec-helpers';
import { validateGraph, validateRunInput } from './validate';

describe(validateGraph.name, () => {
  it('accepts the graph existing clients build, with the unknown fields they send', () => {
    const graph = clientGraph();
    (graph.nodes[1] as Record<string, unknown>).selected = true;
    (graph.edges[0] as Record<string, unknown>).animated = true;
    expect(validateGraph(graph)).toEqual([]);
  });

  it('refuses a cycle, naming the nodes on it', () => {
    const graph = chain(node('a', 'input'), node('b', 'edit_fields', { expression: '$' }), node('c', 'edit_fields', { expression: '$' }));
    graph.edges.push(edge('c', 'b'));
    const issues = validateGraph(graph);
    expect(issues).toEqual([
      expect.objectContaining({ rule: 'acyclic', message: expect.stringMatching(/cycle: "(b|c)" → "(b|c)" → "(b|c)"/) }),
    ]);
    expect(issues[0].field).toMatch(/^edges\[(1|2)\]$/);
  });

  it('refuses a node connected to itself', () => {
    const graph = chain(node('a', 'input'), node('b', 'edit_fields', { expression: '$' }));
    graph.edges.push(edge('b', 'b'));
    expect(validateGraph(graph)).toEqual([{ field: 'edges[1]', rule: 'acyclic', message: expect.stringContaining('"b" is connected to itself') }]);
  });

  it('refuses an unknown node type, naming the node', () => {
    const graph = chain(node('a', 'input'), node('magic-1', 'teleport'));
    expect(validateGraph(graph)).toEqual([{ field: 'nodes[1].type', rule: 'knownType', message: 'node "magic-1": unknown node type "teleport"' }]);
  });

  it('refuses params that do not match the type’s schema, naming node and param', () => {
    const graph = chain(
      node('in', 'input'),
      node('fetch-1', 'http_request', { url: 'not a url', method: 'BREW' }),
      node('wait-1', 'wait', { ms: -5 }),
      node('search-1', 'keyword_search', { query: 'x' }),
    );
    const issues = validateGraph(graph);
    expect(issues).toEqual(
      expect.arrayContaining([
        { field: 'nodes[1].data.params.url', rule: 'format', message: expect.stringContaining('node "fetch-1" (http_request): params.url') },
        { field: 'nodes[1].data.params.method', rule: 'enum', message: expect.stringContaining('node "fetch-1"') },
        { field: 'nodes[2].data.params.ms', rule: 'minimum', message: expect.stringContaining('node "wait-1" (wait): params.ms') },
        { field: 'nodes[3].data.params.clusterId', rule: 'required', message: 'node "search-1" (keyword_search): params.clusterId is required' },
      ]),
    );
  });

  it('checks expression-valued params only once resolved (not at save time)', () => {
    const graph = chain(node('in', 'input'), node('fetch-1', 'http_request', { url: '@in.target' }));
    expect(validateGraph(graph)).toEqual([]);
  });

  it('refuses an expression that reads a downstream node', () => {
    const graph = chain(node('in', 'input'), node('a', 'edit_fields', { expression: '$' }), node('out', 'output', { value: '@later.x' }), node('later', 'output'));
    // `later` is downstream of `out`: reading it would need a value that does not exist yet.
    const issues = validateGraph(graph);
    expect(issues).toEqual([
      {
        field: 'nodes[2].data.params.value',
        rule: 'upstream',
        message: 'node "out" (output): params.value refers to "later", which is not upstream of "out"',
      },
    ]);
  });

  it('refuses expressions to unknown nodes, to the node itself and to a parallel branch', () => {
    const graph: WorkflowGraph = {
      nodes: [
        node('in', 'input'),
        node('left', 'output', { value: '@in.x' }),
        node('right', 'output', { value: expr('{{ @left.x }} and @ghost-9.y'), headers: param({ a: '@right' }, true) }),
      ],
      edges: [edge('in', 'left'), edge('in', 'right')],
    };
    const messages = validateGraph(graph).map((i) => `${i.field} ${i.rule}: ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^nodes\[2\]\.data\.params\.value expression: .*@ghost-9, which is not a node/),
        expect.stringMatching(/^nodes\[2\]\.data\.params\.value upstream: .*"left", which is not upstream of "right"/),
        expect.stringMatching(/^nodes\[2\]\.data\.params\.headers\.a upstream: .*refers to the node itself/),
      ]),
    );
  });

  it('refuses a second input node, naming both', () => {
    const graph = chain(node('a', 'input', {}, { isInput: true }), node('b', 'http_request', {}, { isInput: true }), node('c', 'output'));
    expect(validateGraph(graph)).toEqual([
      {
        field: 'nodes[1].data.isInput',
        rule: 'singleInput',
        message: 'node "b": only one node may receive the run input (data.isInput); "a" already does',
      },
    ]);
  });

  it('refuses handles a node does not have, and mismatched handle pairs', () => {
    const graph = chain(node('in', 'input'), node('if', 'condition', { value: true }), node('out', 'output'));
    graph.edges[1] = edge('if', 'out', 'maybe', 'inputs');
    graph.edges.push(edge('in', 'out', 'tools', 'inputs'));
    const issues = validateGraph(graph);
    expect(issues).toEqual(
      expect.arrayContaining([
        { field: 'edges[1].sourceHandle', rule: 'handle', message: expect.stringContaining('node "if" has no handle "maybe" (it has "true", "false")') },
        { field: 'edges[2].sourceHandle', rule: 'handle', message: expect.stringContaining('node "in" has no handle "tools"') },
        { field: 'edges[2].targetHandle', rule: 'handle', message: expect.stringContaining('cannot connect') },
      ]),
    );
  });

  it('uses the handles a node lists in data.handles', () => {
    const graph = chain(node('in', 'input', {}, { handles: ['outputs', 'extra'] }), node('out', 'output'));
    graph.edges[0] = edge('in', 'out', 'extra', 'inputs');
    expect(validateGraph(graph)).toEqual([]);
  });

  it('refuses duplicate ids and edges to missing nodes', () => {
    const graph = chain(node('a', 'input'), node('a', 'output'));
    graph.edges.push(edge('a', 'nowhere'));
    expect(validateGraph(graph)).toEqual(
      expect.arrayContaining([
        { field: 'nodes[1].id', rule: 'unique', message: 'node "a": another node has the same id' },
        { field: 'edges[1].target', rule: 'exists', message: expect.stringContaining('target node "nowhere" does not exist') },
      ]),
    );
  });

  it('refuses a body that is not a graph', () => {
    expect(validateGraph({ nodes: 'x' } as unknown as WorkflowGraph)).toEqual([
      { field: 'nodes', rule: 'type', message: 'nodes must be an array' },
      { field: 'edges', rule: 'type', message: 'edges must be an array' },
    ]);
    expect(validateGraph({ nodes: [{ type: 'input' }], edges: [{}] } as unknown as WorkflowGraph).map((i) => i.field)).toEqual([
      'nodes[0].id',
      'edges[0].source',
      'edges[0].target',
    ]);
  });

  it('requires an expression or fields in edit_fields, and JSONata that parses', () => {
    expect(validateGraph(chain(node('in', 'input'), node('edit', 'edit_fields', {})))).toEqual([
      { field: 'nodes[1].data.params', rule: 'anyOf', message: 'node "edit" (edit_fields): params needs one of: expression, fields' },
    ]);
    const graph = chain(node('in', 'input'), node('edit', 'edit_fields', { fields: { ok: 'name', broken: '$$$ (' } }));
    expect(validateGraph(graph)).toEqual([
      { field: 'nodes[1].data.params.fields.broken', rule: 'jsonata', message: expect.stringMatching(/^node "edit" \(edit_fields\): params\.fields\.broken is not valid JSONata/) },
    ]);
  });

  it('refuses an entry schema that is not JSON Schema', () => {
    const graph = chain(node('in', 'input', {}, { isInput: true, schema: { input: { type: 'nonsense' } } }), node('out', 'output'));
    expect(validateGraph(graph)).toEqual([{ field: 'nodes[0].data.schema.input', rule: 'schema', message: expect.stringContaining('node "in"') }]);
  });
});

describe(validateRunInput.name, () => {
  it('checks the run input against the entry node’s schema.input', () => {
    expect(validateRunInput(clientGraph(), { user_prompt: 'hi', session_id: 's-1' })).toEqual([]);
    expect(validateRunInput(clientGraph(), { user_prompt: ['not', 'a', 'string'] })).toEqual([
      { field: 'input.user_prompt', rule: 'type', message: 'input.user_prompt must be string' },
    ]);
  });
});
