import { paginated, success } from '@alien/envelope';
import { HEADERS, RequestContext } from '@alien/identity';
import { JOB_ORDER_BY, JOB_STATUSES, JobContracts } from '@alien/orchestration/contracts';
import { ApiAction, ApiGetById, ApiList, ApiRoute, Ctx, IdPipe } from '@alien/nest-http';
import { Controller, Headers, Param, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { ServerResponse } from 'node:http';
import { ComputeContextDto, JOB_STATES_DESCRIPTION, JobDto, JobResultsDto, JobSummaryDto } from '../dtos/job.dto';
import { OrchestrationClient } from '../orchestration.client';
import { JobListQueryPipe, parseLastEventId } from '../queries';
import { JobStreams } from '../stream/job-streams';

/** The raw reply under Fastify: hijacked, then written by hand (SSE). */
interface RawReply {
  raw: ServerResponse;
  hijack(): void;
}

const JOB_FILTERS = [
  { name: 'status', enum: JOB_STATUSES },
  { name: 'workflowId', schema: { type: 'integer', minimum: 1 } },
  { name: 'from', description: 'Created at or after (ISO-8601)', schema: { type: 'string', format: 'date-time' } },
  { name: 'to', description: 'Created before (ISO-8601)', schema: { type: 'string', format: 'date-time' } },
];

@ApiTags('jobs')
@Controller('jobs')
export class JobsController {
  constructor(
    private readonly orchestration: OrchestrationClient,
    private readonly streams: JobStreams,
  ) {}

  @ApiList(JobSummaryDto, { orderBy: JOB_ORDER_BY, search: false, summary: 'Jobs of your organization', description: JOB_STATES_DESCRIPTION, query: JOB_FILTERS })
  async list(@Query(new JobListQueryPipe()) query: ReturnType<JobListQueryPipe['transform']>, @Ctx() ctx: RequestContext) {
    return paginated(await this.orchestration.call(JobContracts.jobs.list, query, ctx));
  }

  @ApiGetById(JobDto, { summary: 'One job: status, progress, timestamps, error, result and annotated nodes', description: JOB_STATES_DESCRIPTION })
  async get(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.orchestration.call(JobContracts.jobs.get, { id }, ctx));
  }

  @ApiGetById(JobResultsDto, { path: ':id/results', summary: 'The result of a job (`results` by node id, streamed `chunks`)' })
  async results(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    const job = await this.orchestration.call(JobContracts.jobs.get, { id }, ctx);
    return success({ jobId: job.id, status: job.status, result: job.result });
  }

  @ApiAction(JobDto, {
    path: ':id/cancel',
    errors: [409],
    summary: 'Cancel a job: a pending one at once, a running one within a second (409 when it has ended)',
  })
  async cancel(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.orchestration.call(JobContracts.jobs.cancel, { id }, ctx, { timeoutMs: 10_000 }));
  }

  @ApiGetById(ComputeContextDto, {
    path: ':id/compute-context',
    summary: 'Where and how a job ran: worker, attempts, queue wait, per-node timings, clusters/models/connectors, units used',
  })
  async computeContext(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.orchestration.call(JobContracts.jobs.computeContext, { id }, ctx));
  }

  @ApiRoute(
    'get',
    ':id/stream',
    {
      summary: 'Server-sent events of a job: `init` (full snapshot), `update`s, `done`; resumable with Last-Event-ID',
      description:
        'Each event has `event:`, `id:` and `data:` `{"type": "init"|"update"|"done", "status", "result", …}`. `init` carries the whole ' +
        'state so far; `update`s carry deltas (`result.results[node]` set, `result.stream[node].chunks` appended); `done` the final ' +
        'result. A comment line every 15 s; the stream closes after `done` or 5 minutes. ' +
        JOB_STATES_DESCRIPTION,
    },
    [],
    ApiProduces('text/event-stream'),
    ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this event (no init; nothing lost, nothing repeated); an id beyond the job’s last event starts over with init' }),
    ApiResponse({ status: 200, description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }),
    ApiResponse({ status: 204, description: 'Last-Event-ID is the id of the finished job’s `done`: nothing more will come (an EventSource stops reconnecting)' }),
    ApiResponse({ status: 429, description: 'Your organization already holds JOB_STREAMS_PER_ORGANIZATION (2,000) streams on this gateway' }),
  )
  async stream(
    @Param('id', IdPipe) id: number,
    @Headers('last-event-id') lastEventIdHeader: string | undefined,
    @Ctx() ctx: RequestContext,
    @Res() reply: RawReply,
  ) {
    const lastEventId = parseLastEventId(lastEventIdHeader);
    // Authorisation first: another organization's job is 404 before any byte of the stream.
    const opening = await this.orchestration.call(JobContracts.jobs.openStream, { id }, ctx);
    this.streams.assertRoom(opening.job.organizationId);
    reply.hijack();
    await this.streams.serve(opening, lastEventId, reply.raw, { [HEADERS.requestId]: ctx.requestId });
  }
}
