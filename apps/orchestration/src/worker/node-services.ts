import { Inject, Injectable } from '@nestjs/common';
import type { OrchestrationConfig } from '../config';
import { NodeServices, SubworkflowRequest, runWorkflow } from '../engine/engine';
import { JobRow } from '../jobs/job-store';
import { Sql } from '../shared/sql';
import { ORCHESTRATION_CONFIG } from '../shared/tokens';
import type { WorkflowRow } from '../workflows/workflows.service';

/**
 * Builds the engine's NodeServices for one job, bound to the job's organization (visibility and
 * billing). Services whose contracts another domain has not published yet are absent: the engine
 * fails the nodes that need them with `service_unavailable`.
 */
@Injectable()
export class NodeServicesFactory {
  readonly limits: { nodeTimeoutMs: number; maxOutputBytes: number; maxSubworkflowDepth: number; maxConcurrency: number };
  readonly http: { allow: string[]; timeoutMs: number; maxResponseBytes: number };
  /** Price per token of the models a running job resolved, for its usage records. */
  private readonly prices = new Map<number, Map<string, number>>();

  constructor(
    private readonly sql: Sql,
    @Inject(ORCHESTRATION_CONFIG) config: OrchestrationConfig,
  ) {
    this.limits = {
      nodeTimeoutMs: config.NODE_TIMEOUT_MS,
      maxOutputBytes: config.NODE_OUTPUT_MAX_BYTES,
      maxSubworkflowDepth: config.SUBWORKFLOW_MAX_DEPTH,
      maxConcurrency: 8,
    };
    this.http = {
      allow: config.HTTP_REQUEST_ALLOWLIST.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      timeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
      maxResponseBytes: config.HTTP_REQUEST_MAX_BYTES,
    };
  }

  forJob(job: JobRow): NodeServices {
    const services: NodeServices = {
      runSubworkflow: async (request: SubworkflowRequest) => {
        const workflow = await this.visibleWorkflow(job.organization_id, request.workflowId);
        return runWorkflow({
          graph: { nodes: workflow.nodes, edges: workflow.edges } as never,
          input: request.input,
          jobId: `${request.jobId}:${request.nodeId}`,
          depth: request.depth,
          completed: {},
          services,
          signal: request.signal,
          limits: this.limits,
          http: this.http,
          onEvent: async () => undefined,
        });
      },
    };
    return services;
  }

  priceOf(jobId: number, model: string | number): number {
    return this.prices.get(jobId)?.get(String(model)) ?? 0;
  }

  forget(jobId: number): void {
    this.prices.delete(jobId);
  }

  /** A workflow the job's organization may run (its own or a public one), by id or slug; else the node fails. */
  private async visibleWorkflow(organizationId: number, ref: number | string): Promise<WorkflowRow> {
    const byId = typeof ref === 'number' || /^[0-9]+$/.test(String(ref));
    const [row] = await this.sql.query<WorkflowRow>(
      byId
        ? `SELECT * FROM orchestration.workflows WHERE id = $1 AND (is_public OR organization_id = $2)`
        : `SELECT * FROM orchestration.workflows WHERE slug = $1 AND (is_public OR organization_id = $2)
           ORDER BY (organization_id = $2) DESC, id LIMIT 1`,
      [byId ? Number(ref) : ref, organizationId],
    );
    if (!row) throw new Error(`Workflow ${ref} not found`);
    return row;
  }
}
