import { EngineError } from '../errors';
import { defineNode } from '../node-type';

interface ExternalApiParams {
  connectorId: number;
  endpointId: number;
  method: string;
  path?: string;
  query?: Record<string, string | number | boolean>;
  headers?: Record<string, string>;
  body?: unknown;
  failOnStatus: boolean;
}

export const externalApiNode = defineNode<ExternalApiParams>({
  type: 'external_api',
  label: 'External API',
  category: 'integration',
  description:
    "Calls a third-party API endpoint of a connector through the platform's metered external-API proxy (the connector's secret injected, units billed to the job). Outputs `{status, body, billedUnits}`; status ≥ 400 fails the node unless `failOnStatus` is false.",
  version: '1.0.0',
  handles: { inputs: ['inputs'], outputs: ['outputs'] },
  paramsSchema: {
    type: 'object',
    properties: {
      connectorId: { type: 'integer', minimum: 1 },
      endpointId: { type: 'integer', minimum: 1 },
      method: { type: 'string', enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], default: 'POST' },
      path: { type: 'string', maxLength: 2000 },
      query: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
      headers: { type: 'object', additionalProperties: { type: 'string' } },
      body: {},
      failOnStatus: { type: 'boolean', default: true },
    },
    required: ['connectorId', 'endpointId'],
    additionalProperties: true,
  },
  inputsSchema: { description: 'Anything (use expressions in params to read it).' },
  outputsSchema: {
    type: 'object',
    properties: { status: { type: 'integer' }, body: {}, billedUnits: { type: 'number' } },
    required: ['status', 'body'],
  },
  async execute(ctx) {
    const api = ctx.services.externalApi;
    if (!api) throw new EngineError('service_unavailable', 'the external-API proxy is not available to this run');
    const { connectorId, endpointId, method, path, query, headers, body, failOnStatus } = ctx.params;
    const answer = await api.call(
      {
        connectorId,
        endpointId,
        method,
        ...(path !== undefined ? { path } : {}),
        ...(query !== undefined ? { query } : {}),
        ...(headers !== undefined ? { headers } : {}),
        ...(body !== undefined ? { body } : {}),
      },
      { signal: ctx.signal, jobId: ctx.jobId, nodeId: ctx.nodeId, idempotencyKey: ctx.idempotencyKey },
    );
    const units = answer.billedUnits ?? 0;
    if (units > 0) ctx.report({ kind: 'external', connectorId, endpointId, units });
    if (failOnStatus && answer.status >= 400) {
      const detail = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? null);
      throw new EngineError('http_status', `the external API answered ${answer.status}: ${detail.slice(0, 200)}`, { status: answer.status });
    }
    return { output: { status: answer.status, body: answer.body ?? null, billedUnits: units } };
  },
});
