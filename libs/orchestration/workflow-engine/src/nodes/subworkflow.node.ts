import { EngineError } from '../errors';
import { defineNode } from '../node-type';

interface SubworkflowParams {
  workflowId: number | string;
  input?: unknown;
}

export const subworkflowNode = defineNode<SubworkflowParams>({
  type: 'subworkflow',
  label: 'Subworkflow',
  category: 'flow',
  description:
    "Runs another workflow the caller may run as one node, with `input` (default: this node's upstream output), nested at most the platform's subworkflow depth. Outputs `{output, results}`: `results` is the sub-run's `result.results`, `output` the first answer of its first output node.",
  version: '1.0.0',
  handles: { inputs: ['inputs'], outputs: ['outputs'] },
  paramsSchema: {
    type: 'object',
    properties: {
      workflowId: { type: ['integer', 'string'], minLength: 1, description: 'Id or slug of the workflow.' },
      input: { description: "The sub-run's input." },
    },
    required: ['workflowId'],
    additionalProperties: true,
  },
  inputsSchema: { description: 'Anything; the default input of the sub-run.' },
  outputsSchema: {
    type: 'object',
    properties: { output: {}, results: { type: 'object' } },
    required: ['results'],
  },
  async execute(ctx) {
    const run = ctx.services.runSubworkflow;
    if (!run) throw new EngineError('service_unavailable', 'subworkflows are not available to this run');
    const depth = ctx.depth + 1;
    if (depth > ctx.limits.maxSubworkflowDepth) {
      throw new EngineError('subworkflow_depth_exceeded', `subworkflows may nest ${ctx.limits.maxSubworkflowDepth} deep; this one would be ${depth}`);
    }
    const { workflowId, input } = ctx.params;
    const sub = await run({ workflowId, input: input ?? ctx.input ?? {}, depth, jobId: ctx.jobId, nodeId: ctx.nodeId, signal: ctx.signal });
    if (sub.status !== 'completed') {
      if (sub.error?.code === 'subworkflow_depth_exceeded') throw new EngineError('subworkflow_depth_exceeded', sub.error.message);
      const why = sub.error ? `${sub.error.nodeId ? `node "${sub.error.nodeId}": ` : ''}${sub.error.message}` : sub.status;
      throw new EngineError('subworkflow_failed', `workflow ${workflowId} ${sub.status === 'cancelled' ? 'was cancelled' : 'failed'}: ${why}`);
    }
    const results = sub.result?.results ?? {};
    const first = Object.values(results)[0];
    return { output: { output: Array.isArray(first) ? (first[0] ?? null) : null, results } };
  },
});
