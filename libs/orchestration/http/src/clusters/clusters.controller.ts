import { ApiError, paginated, success } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import {
  ApiAction,
  ApiBatch,
  ApiCreate,
  ApiDelete,
  ApiGetById,
  ApiGetBySlug,
  ApiList,
  ApiUpdate,
  BatchPipe,
  Ctx,
  IdPipe,
  ListQuery,
  ListQueryPipe,
  SlugPipe,
  nonEmptyPatch,
} from '@alien/nest-http';
import { CLUSTER_ORDER_BY, CLUSTER_STATUSES, ClusterStatus, OrchestrationContracts } from '@alien/orchestration/contracts';
import { BatchQuery } from '@alien/slug';
import { Body, Controller, Injectable, Param, PipeTransform, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ClusterDto, CreateClusterDto, UpdateClusterDto } from '../dtos/cluster.dto';
import { OrchestrationClient } from '../orchestration.client';

const clustersQuery = new ListQueryPipe({ orderBy: CLUSTER_ORDER_BY, defaultOrderBy: 'name' });
const C = OrchestrationContracts.clusters;

/** `?status=online`: one of the cluster statuses, else 422 rule `enum`. */
@Injectable()
export class ClusterStatusPipe implements PipeTransform<unknown, ClusterStatus | undefined> {
  transform(value: unknown): ClusterStatus | undefined {
    if (value === undefined || value === '') return undefined;
    if (typeof value === 'string' && (CLUSTER_STATUSES as readonly string[]).includes(value)) return value as ClusterStatus;
    throw ApiError.invalid('status', 'enum', `status must be one of: ${CLUSTER_STATUSES.join(', ')}`);
  }
}

@ApiTags('clusters')
@Controller('clusters')
export class ClustersController {
  constructor(private readonly orchestration: OrchestrationClient) {}

  @ApiList(ClusterDto, {
    orderBy: CLUSTER_ORDER_BY,
    summary: 'Data clusters your organization owns or that are shared with it',
    query: [{ name: 'status', enum: CLUSTER_STATUSES }],
  })
  async list(
    @Query(clustersQuery) query: ListQuery<typeof clustersQuery>,
    @Query('status', ClusterStatusPipe) status: ClusterStatus | undefined,
    @Ctx() ctx: RequestContext,
  ) {
    return paginated(await this.orchestration.call(C.list, status ? { ...query, status } : query, ctx));
  }

  @ApiBatch(ClusterDto, { summary: 'Several clusters by id or slug (those you cannot see are omitted)' })
  async batch(@Query(BatchPipe) query: BatchQuery, @Ctx() ctx: RequestContext) {
    return success(await this.orchestration.call(C.batch, query, ctx));
  }

  @ApiGetBySlug(ClusterDto, { summary: 'A cluster by slug (your organization’s own first, then shared ones)' })
  async bySlug(@Param('slug', SlugPipe) slug: string, @Ctx() ctx: RequestContext) {
    return success(await this.orchestration.call(C.get, { slug }, ctx));
  }

  @ApiGetById(ClusterDto, { summary: 'A cluster (404 when neither yours nor shared with you)' })
  async byId(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.orchestration.call(C.get, { id }, ctx));
  }

  @ApiCreate(ClusterDto, {
    summary: 'Register a data cluster (owner, admin)',
    description: 'The credential is write-only and encrypted at rest. The cluster starts `pending` until its first health check.',
  })
  async create(@Body() body: CreateClusterDto, @Ctx() ctx: RequestContext) {
    return success(await this.orchestration.call(C.create, body, ctx));
  }

  @ApiUpdate(ClusterDto, { summary: 'Change a cluster (owner, admin of its organization); `suspended: true` makes the proxy answer 503' })
  async update(@Param('id', IdPipe) id: number, @Body() body: UpdateClusterDto, @Ctx() ctx: RequestContext) {
    return success(await this.orchestration.call(C.update, { id, patch: nonEmptyPatch(body) }, ctx));
  }

  @ApiDelete({ summary: 'Remove a cluster (owner, admin of its organization)' })
  async remove(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.orchestration.call(C.remove, { id }, ctx));
  }

  @ApiAction(ClusterDto, { path: ':id/check', summary: 'Run a health check now and return the updated cluster (owner, admin)' })
  async check(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.orchestration.call(C.check, { id }, ctx));
  }
}
