import { ApiError, paginated, success } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import {
  JobContracts,
  JobView,
  WORKFLOW_ORDER_BY,
  WORKFLOW_TYPES,
  WorkflowContracts,
  WorkflowListRequest,
  WorkflowType,
} from '@alien/orchestration/contracts';
import {
  ApiBatch,
  ApiCreate,
  ApiDelete,
  ApiEnvelope,
  ApiGetById,
  ApiGetBySlug,
  ApiList,
  ApiRoute,
  ApiUpdate,
  BatchPipe,
  Ctx,
  IdPipe,
  ListQueryPipe,
  SlugPipe,
  nonEmptyPatch,
} from '@alien/nest-http';
import { BatchQuery } from '@alien/slug';
import { Body, Controller, Headers, HttpCode, Param, PipeTransform, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import { ConsumptionDto, JobDto, RunSyncDto, RunWorkflowDto, WorkflowMetricsDto } from '../dtos/job.dto';
import { CreatePresetDto, CreateWorkflowDto, PresetDto, UpdatePresetDto, UpdateWorkflowDto, WorkflowDto } from '../dtos/workflow.dto';
import { OrchestrationClient } from '../orchestration.client';
import { ConsumptionQueryPipe, JobListQueryPipe, MetricsQueryPipe, parseIdempotencyKey } from '../queries';
import { JobStreams } from '../stream/job-streams';

const BODY_ERRORS = [400, 413, 415, 422];
const DEFAULT_SYNC_TIMEOUT_S = 300;

const listPipe = new ListQueryPipe({ orderBy: WORKFLOW_ORDER_BY, defaultOrderBy: 'id' });

/** `GET /workflows`: page, search, and `scope=all|mine|public`, `type`. */
class WorkflowListPipe implements PipeTransform {
  transform(query: Record<string, unknown>): WorkflowListRequest {
    const base = listPipe.transform(query);
    const scope = query['scope'];
    if (scope !== undefined && scope !== 'all' && scope !== 'mine' && scope !== 'public') {
      throw ApiError.invalid('scope', 'enum', 'scope must be one of: all, mine, public');
    }
    const type = query['type'];
    if (type !== undefined && !(WORKFLOW_TYPES as readonly unknown[]).includes(type)) {
      throw ApiError.invalid('type', 'enum', `type must be one of: ${WORKFLOW_TYPES.join(', ')}`);
    }
    return { ...base, ...(scope ? { scope } : {}), ...(type ? { type: type as WorkflowType } : {}) } as WorkflowListRequest;
  }
}

const IDEMPOTENCY_HEADER = ApiHeader({
  name: 'Idempotency-Key',
  required: false,
  description: 'Kept 24 h: the same key with the same body returns the same job; with another body 422',
});

@ApiTags('workflows')
@Controller('workflows')
export class WorkflowsController {
  constructor(
    private readonly orchestration: OrchestrationClient,
    private readonly streams: JobStreams,
  ) {}

  @ApiList(WorkflowDto, {
    orderBy: WORKFLOW_ORDER_BY,
    public: true,
    summary: 'Workflows you can see: your organization’s and every public one',
    query: [
      { name: 'scope', enum: ['all', 'mine', 'public'] },
      { name: 'type', enum: WORKFLOW_TYPES },
    ],
  })
  async list(@Query(new WorkflowListPipe()) query: WorkflowListRequest, @Ctx() ctx: RequestContext) {
    return paginated(await this.orchestration.call(WorkflowContracts.workflows.list, query, ctx));
  }

  @ApiCreate(WorkflowDto, {
    summary: 'Create a workflow (writer or above); the graph is validated (422 naming node id and field)',
    description: 'Acyclic, known node types, params valid against their schema, handles that exist, expressions pointing upstream, at most one isInput node.',
  })
  async create(@Body() body: CreateWorkflowDto, @Ctx() ctx: RequestContext) {
    return success(await this.orchestration.call(WorkflowContracts.workflows.create, body, ctx));
  }

  @ApiBatch(WorkflowDto, { public: true, summary: 'Several workflows by ids or slugs' })
  async batch(@Query(BatchPipe) query: BatchQuery, @Ctx() ctx: RequestContext) {
    return success(await this.orchestration.call(WorkflowContracts.workflows.batch, query, ctx));
  }

  @ApiGetBySlug(WorkflowDto, { public: true, summary: 'One workflow by slug (yours first, else a public one)' })
  async bySlug(@Param('slug', SlugPipe) slug: string, @Ctx() ctx: RequestContext) {
    return success(await this.orchestration.call(WorkflowContracts.workflows.get, { slug }, ctx));
  }

  @ApiGetById(WorkflowDto, { public: true, summary: 'One workflow' })
  async byId(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.orchestration.call(WorkflowContracts.workflows.get, { id }, ctx));
  }

  @ApiUpdate(WorkflowDto, { summary: 'Change a workflow (writer or above); a graph change adds 1 to graphVersion' })
  async update(@Param('id', IdPipe) id: number, @Body() body: UpdateWorkflowDto, @Ctx() ctx: RequestContext) {
    return success(await this.orchestration.call(WorkflowContracts.workflows.update, { id, patch: nonEmptyPatch(body) }, ctx));
  }

  @ApiDelete({ summary: 'Delete a workflow with its presets and jobs (writer or above)' })
  async remove(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.orchestration.call(WorkflowContracts.workflows.remove, { id }, ctx));
  }

  // ── Presets ──────────────────────────────────────────────────────────────────────────────────

  @ApiRoute('get', ':id/presets', { public: true, summary: 'Presets (saved inputs) of a workflow' }, [], ApiEnvelope(PresetDto, { isArray: true }))
  async presets(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.orchestration.call(WorkflowContracts.presets.list, { workflowId: id }, ctx));
  }

  @ApiCreate(PresetDto, { path: ':id/presets', summary: 'Save a preset (writer or above of the owning organization)' })
  async createPreset(@Param('id', IdPipe) id: number, @Body() body: CreatePresetDto, @Ctx() ctx: RequestContext) {
    return success(await this.orchestration.call(WorkflowContracts.presets.create, { workflowId: id, ...body }, ctx));
  }

  @ApiUpdate(PresetDto, { path: ':id/presets/:presetId', summary: 'Change a preset' })
  async updatePreset(
    @Param('id', IdPipe) id: number,
    @Param('presetId', IdPipe) presetId: number,
    @Body() body: UpdatePresetDto,
    @Ctx() ctx: RequestContext,
  ) {
    return success(await this.orchestration.call(WorkflowContracts.presets.update, { workflowId: id, id: presetId, patch: nonEmptyPatch(body) }, ctx));
  }

  @ApiDelete({ path: ':id/presets/:presetId', summary: 'Delete a preset' })
  async removePreset(@Param('id', IdPipe) id: number, @Param('presetId', IdPipe) presetId: number, @Ctx() ctx: RequestContext) {
    return success(await this.orchestration.call(WorkflowContracts.presets.remove, { workflowId: id, id: presetId }, ctx));
  }

  // ── Runs ─────────────────────────────────────────────────────────────────────────────────────

  @ApiRoute(
    'post',
    ':id/run',
    {
      summary: 'Run a workflow: 202 with the job (`pending`); follow it with GET /jobs/{id} or /jobs/{id}/stream',
      description: 'The run belongs to, and is billed to, your organization (also for someone else’s public workflow).',
    },
    BODY_ERRORS,
    HttpCode(202),
    IDEMPOTENCY_HEADER,
    ApiEnvelope(JobDto, { status: 202 }),
  )
  async run(
    @Param('id', IdPipe) id: number,
    @Body() body: RunWorkflowDto,
    @Headers('idempotency-key') key: string | undefined,
    @Ctx() ctx: RequestContext,
  ) {
    const idempotencyKey = parseIdempotencyKey(key);
    return success(await this.orchestration.call(JobContracts.run, { workflowId: id, ...body, ...(idempotencyKey ? { idempotencyKey } : {}) }, ctx));
  }

  @ApiRoute(
    'post',
    ':id/run-sync',
    {
      summary: 'Run a workflow and wait for its end (timeout default 300 s, at most 600 s)',
      description:
        '200 with the finished job (completed, failed or cancelled). When the timeout passes first: 408 with an error envelope that ' +
        'also carries the job in `data`; the job goes on running.',
      errors: [408],
    },
    BODY_ERRORS,
    HttpCode(200),
    IDEMPOTENCY_HEADER,
    ApiEnvelope(JobDto),
  )
  async runSync(
    @Param('id', IdPipe) id: number,
    @Body() body: RunSyncDto,
    @Headers('idempotency-key') key: string | undefined,
    @Ctx() ctx: RequestContext,
    @Res({ passthrough: true }) reply: { status(code: number): unknown },
  ) {
    const idempotencyKey = parseIdempotencyKey(key);
    const { timeout, ...run } = body;
    const created = await this.orchestration.call(JobContracts.run, { workflowId: id, ...run, ...(idempotencyKey ? { idempotencyKey } : {}) }, ctx);
    const { job, ended } = await this.streams.waitForEnd(created.id, (timeout ?? DEFAULT_SYNC_TIMEOUT_S) * 1_000, () =>
      this.orchestration.call(JobContracts.jobs.get, { id: created.id }, ctx),
    );
    if (ended) return success(job);
    reply.status(408);
    return timeoutEnvelope(job);
  }

  @ApiList(JobDto, {
    path: ':id/jobs',
    orderBy: ['id', 'createdAt', 'finishedAt', 'status'],
    search: false,
    summary: 'Your organization’s jobs of a workflow',
    query: [{ name: 'status', enum: ['pending', 'running', 'completed', 'failed', 'cancelled'] }],
  })
  async jobs(@Param('id', IdPipe) id: number, @Query(new JobListQueryPipe()) query: ReturnType<JobListQueryPipe['transform']>, @Ctx() ctx: RequestContext) {
    await this.orchestration.call(WorkflowContracts.workflows.get, { id }, ctx);
    return paginated(await this.orchestration.call(JobContracts.jobs.list, { ...query, workflowId: id }, ctx));
  }

  @ApiGetById(JobDto, { path: ':id/latest-job', summary: 'Your organization’s latest job of a workflow (404 when none)' })
  async latestJob(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.orchestration.call(JobContracts.jobs.latest, { workflowId: id }, ctx));
  }

  @ApiGetById(WorkflowMetricsDto, {
    path: ':id/metrics',
    summary: 'Runs of a workflow by your organization: by status, success rate, p50/p95 duration, per-node average',
    query: [
      { name: 'from', schema: { type: 'string', format: 'date-time' } },
      { name: 'to', schema: { type: 'string', format: 'date-time' } },
      { name: 'interval', enum: ['hour', 'day'] },
    ],
  })
  async metrics(@Param('id', IdPipe) id: number, @Query(new MetricsQueryPipe()) query: ReturnType<MetricsQueryPipe['transform']>, @Ctx() ctx: RequestContext) {
    return success(await this.orchestration.call(JobContracts.metrics.workflow, { workflowId: id, ...query }, ctx));
  }

  @ApiGetById(ConsumptionDto, {
    path: ':id/consumption',
    summary: 'What your organization’s runs of a workflow consumed (model tokens × price, external units × unit price)',
    query: [
      { name: 'from', schema: { type: 'string', format: 'date-time' } },
      { name: 'to', schema: { type: 'string', format: 'date-time' } },
      { name: 'groupBy', enum: ['workflow', 'model', 'connector'] },
    ],
  })
  async consumption(
    @Param('id', IdPipe) id: number,
    @Query(new ConsumptionQueryPipe('model')) query: ReturnType<ConsumptionQueryPipe['transform']>,
    @Ctx() ctx: RequestContext,
  ) {
    return success(await this.orchestration.call(JobContracts.consumption.workflow, { workflowId: id, ...query }, ctx));
  }
}

/** run-sync past its timeout: the error envelope, with the job (still running) in `data`. */
export function timeoutEnvelope(job: JobView) {
  return {
    success: false,
    message: 'The job did not finish within the timeout; it goes on running',
    error: { status: 408, code: 'run_timeout' },
    data: job,
  };
}
