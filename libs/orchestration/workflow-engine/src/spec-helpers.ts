import type { RunEvent } from './events';
import type { WorkflowEdge, WorkflowGraph, WorkflowNode, WorkflowNodeData } from './graph';
import { runWorkflow, type RunOptions } from './run';

/** Graph builders for specs, producing nodes the way existing clients write them. */
export const param = (value: unknown, isExpression = false) => ({ value, isExpression, isAttachedToInputNode: false });
export const expr = (value: string) => param(value, true);
const exprParam = (value: string, isAttachedToInputNode = false) => ({ value, isExpression: true, isAttachedToInputNode });

/** A node; plain param values are wrapped in envelopes, strings starting with `@` as expressions. */
export function node(id: string, type: string, params: Record<string, unknown> = {}, data: Partial<WorkflowNodeData> = {}): WorkflowNode {
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params)) {
    const isEnvelope = value !== null && typeof value === 'object' && 'isExpression' in value;
    wrapped[name] = isEnvelope ? value : typeof value === 'string' && value.startsWith('@') ? expr(value) : param(value);
  }
  return {
    id,
    type,
    data: { label: id, handles: [], isInput: false, isOutput: false, isTool: false, errors: [], inputs: [], outputs: [], params: wrapped, ...data },
    position: { x: 0, y: 0 },
  };
}

let edgeCount = 0;
export function edge(source: string, target: string, sourceHandle = 'outputs', targetHandle = 'inputs'): WorkflowEdge {
  return { id: `e${++edgeCount}-${source}-${target}`, source, target, sourceHandle, targetHandle };
}

/** Nodes chained in order by `outputs → inputs` edges. */
export function chain(...nodes: WorkflowNode[]): WorkflowGraph {
  return { nodes, edges: nodes.slice(1).map((n, i) => edge(nodes[i].id, n.id)) };
}

/**
 * Runs one node of `type` fed by an input node (`in`, which outputs the run input): returns the
 * outcome, the node's output or error, and the events.
 */
export async function runOne(type: string, params: Record<string, unknown>, options: Partial<RunOptions> = {}) {
  const events: RunEvent[] = [];
  const graph = chain(node('in', 'input', {}, { isInput: true }), node('n', type, params));
  const outcome = await runWorkflow({
    graph,
    jobId: 'job-spec',
    ...options,
    onEvent: async (e) => {
      events.push(e);
      await options.onEvent?.(e);
    },
  });
  return { outcome, output: outcome.nodes[1].data.outputs?.[0], error: outcome.nodeStates.n?.error, state: outcome.nodeStates.n, events };
}

/**
 * Built exactly as an existing client builds its agent graphs (node and edge literals copied in
 * shape: every data field, position, envelopes), with a chat_completion node where the client puts
 * its agent.
 */
export function clientGraph(model = 'gpt-test'): WorkflowGraph {
  return JSON.parse(
    JSON.stringify({
      nodes: [
        {
          id: 'httpRequest-0',
          type: 'http_request',
          data: {
            label: 'HTTP Request',
            handles: ['outputs'],
            isInput: true,
            isOutput: false,
            isTool: false,
            errors: [],
            inputs: [],
            outputs: [],
            params: { user_prompt: param(''), session_id: param('') },
            schema: {
              input: {
                type: 'object',
                properties: { user_prompt: { type: 'string' }, session_id: { type: ['string', 'null'], default: null } },
                additionalProperties: true,
              },
            },
          },
          position: { x: 0, y: 100 },
        },
        {
          id: 'chatCompletion-1',
          type: 'chat_completion',
          data: {
            label: 'Chat Completion',
            handles: ['inputs', 'outputs'],
            isInput: false,
            isOutput: false,
            isTool: false,
            errors: [],
            inputs: [],
            outputs: [],
            params: {
              model: param(model),
              system_prompt: param('You are helpful.'),
              streaming: param(true),
              session_id: exprParam('@httpRequest-0.session_id', true),
              user_prompt: exprParam('@httpRequest-0.user_prompt', true),
            },
          },
          position: { x: 300, y: 100 },
        },
        {
          id: 'httpResponse-2',
          type: 'http_response',
          data: {
            label: 'HTTP Response',
            handles: ['inputs'],
            isInput: false,
            isOutput: true,
            isTool: false,
            errors: [],
            inputs: [],
            outputs: [],
            params: { data: exprParam('@chatCompletion-1'), session_id: exprParam('@chatCompletion-1.session_id') },
          },
          position: { x: 600, y: 100 },
        },
      ],
      edges: [
        { id: 'e-http-chat', source: 'httpRequest-0', target: 'chatCompletion-1', sourceHandle: 'outputs', targetHandle: 'inputs' },
        { id: 'e-chat-resp', source: 'chatCompletion-1', target: 'httpResponse-2', sourceHandle: 'outputs', targetHandle: 'inputs' },
      ],
    }),
  ) as WorkflowGraph;
}
