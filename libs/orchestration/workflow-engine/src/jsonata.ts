import jsonata from 'jsonata';
import { EngineError } from './errors';
import type { NodeContext } from './node-type';

/**
 * Compiled JSONata expressions, shared by runs (compiling costs far more than evaluating). Bounded
 * evaluation: 5 s, stack depth 500, sequences of at most 1,000,000 items — JSONata runs on the
 * worker's event loop, so a runaway expression must stop by itself.
 */
const cache = new Map<string, jsonata.Expression>();
const CACHE_LIMIT = 1000;
const OPTIONS = { timeout: 5000, stack: 500, sequence: 1_000_000 };

function compile(text: string, what: string): jsonata.Expression {
  let expression = cache.get(text);
  if (!expression) {
    try {
      expression = jsonata(text, OPTIONS);
    } catch (error) {
      const e = error as { message?: string; position?: number };
      throw new EngineError('expression_error', `${what} is not valid JSONata${e.position !== undefined ? ` at ${e.position}` : ''}: ${e.message ?? 'syntax error'}`);
    }
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(text, expression);
  }
  return expression;
}

/** Why a JSONata text does not compile (undefined when it does). */
export function jsonataProblem(text: string): string | undefined {
  try {
    compile(text, 'it');
    return undefined;
  } catch (error) {
    return (error as Error).message.replace(/^it /, '');
  }
}

/**
 * Evaluates JSONata over `data` (the node's input) with `$input` (the run input), `$nodes` (outputs of
 * the nodes finished so far, by id) and `$context` (`jobId`, `nodeId`) bound.
 */
export async function evaluateJsonata(text: string, data: unknown, ctx: NodeContext<unknown>, what: string): Promise<unknown> {
  const expression = compile(text, what);
  try {
    const value: unknown = await expression.evaluate(data ?? null, {
      input: ctx.runInput,
      nodes: ctx.outputs,
      context: { jobId: ctx.jobId, nodeId: ctx.nodeId },
    });
    // JSONata sequences are arrays with extra flags: hand back plain JSON.
    return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown);
  } catch (error) {
    if (error instanceof EngineError) throw error;
    const e = error as { message?: string; code?: string };
    throw new EngineError('expression_error', `${what} failed: ${e.message ?? e.code ?? 'evaluation error'}`);
  }
}
