import type { WorkflowGraph } from '../graph';
import { chain, node, runOne } from '../spec-helpers';
import { loopbackServices } from '../spec-services';

describe('subworkflow node', () => {
  const double: WorkflowGraph = chain(node('in', 'input', {}, { isInput: true }), node('edit', 'edit_fields', { expression: '{"twice": n * 2}' }), node('out', 'output'));
  /** A workflow that runs itself: only the depth limit stops it. */
  const recursive: WorkflowGraph = chain(node('in', 'input', {}, { isInput: true }), node('again', 'subworkflow', { workflowId: 'loop' }), node('out', 'output'));

  it("runs another workflow as one node and outputs its answer", async () => {
    const services = loopbackServices({ workflows: { '12': double } });
    const { output } = await runOne('subworkflow', { workflowId: 12 }, { services, input: { n: 21 } });
    expect(output).toEqual({ output: { twice: 42 }, results: { out: [{ twice: 42 }] } });
  });

  it('gives an explicit input', async () => {
    const services = loopbackServices({ workflows: { double } });
    const { output } = await runOne('subworkflow', { workflowId: 'double', input: { n: 5 } }, { services, input: { n: 1 } });
    expect(output).toMatchObject({ output: { twice: 10 } });
  });

  it('stops at the depth limit', async () => {
    const services = loopbackServices({ workflows: { loop: recursive }, limits: { maxSubworkflowDepth: 2 } });
    const { error } = await runOne('subworkflow', { workflowId: 'loop' }, { services, limits: { maxSubworkflowDepth: 2 } });
    expect(error).toMatchObject({ code: 'subworkflow_depth_exceeded', message: 'subworkflows may nest 2 deep; this one would be 3' });
  });

  it('fails when the sub-run fails, naming its node', async () => {
    const broken = chain(node('in', 'input'), node('bad', 'edit_fields', { expression: '$error("nope")' }));
    const services = loopbackServices({ workflows: { broken } });
    const { error } = await runOne('subworkflow', { workflowId: 'broken' }, { services });
    expect(error).toMatchObject({ code: 'subworkflow_failed', message: 'workflow broken failed: node "bad": params.expression failed: nope' });
  });
});
