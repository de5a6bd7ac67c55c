import { CatalogContracts, DATASET_ORDER_BY, DATASET_TYPES, DatasetOrderBy, DatasetWrite, VISIBILITIES } from '@alien/catalog/contracts';
import { ApiError, paginated, success } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import {
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
  ListQueryPipe,
  SlugPipe,
  nonEmptyPatch,
} from '@alien/nest-http';
import { BatchQuery } from '@alien/slug';
import { Body, Controller, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CatalogClient } from '../catalog.client';
import { CreateDatasetDto, DatasetDto, UpdateDatasetDto } from '../dtos';
import { FilteredListPipe, QueryErrors, enumParam, idOrSlugParam, idParam } from '../queries';

/**
 * `q` searches name and description (Postgres full text); with `q` and no `orderBy`, results come
 * most relevant first. `orderBy=relevance` needs `q`.
 */
export function datasetListPipe() {
  const base = new ListQueryPipe<DatasetOrderBy>({ orderBy: DATASET_ORDER_BY, defaultOrderBy: 'name' });
  return new FilteredListPipe(base, (query, errors: QueryErrors) => ({
    tag: errors.run(() => idOrSlugParam(query['tag'], 'tag')),
    provider: errors.run(() => idOrSlugParam(query['provider'], 'provider')),
    license: errors.run(() => idOrSlugParam(query['license'], 'license')),
    source: errors.run(() => idOrSlugParam(query['source'], 'source')),
    type: errors.run(() => enumParam(query['type'], 'type', DATASET_TYPES)),
    visibility: errors.run(() => enumParam(query['visibility'], 'visibility', VISIBILITIES)),
    clusterId: errors.run(() => idParam(query['clusterId'], 'clusterId')),
  }));
}

/** Ranked by relevance when searching without an explicit order; `relevance` alone makes no sense. */
export function withRelevance<T extends { q?: string; page: { orderBy: DatasetOrderBy; direction: 'asc' | 'desc' } }>(
  list: T,
  query: Record<string, unknown>,
): T {
  const ordered = query['orderBy'] !== undefined && query['orderBy'] !== '';
  if (list.page.orderBy === 'relevance' && !list.q) throw ApiError.invalid('orderBy', 'requires', 'orderBy=relevance needs q');
  if (list.q && !ordered) {
    const direction = query['direction'] === 'asc' ? 'asc' : 'desc';
    return { ...list, page: { ...list.page, orderBy: 'relevance', direction } };
  }
  return list;
}

const FILTERS = [
  { name: 'tag', description: 'A tag id or slug' },
  { name: 'provider', description: 'A provider id or slug' },
  { name: 'license', description: 'A license id or slug' },
  { name: 'source', description: 'A source id or slug' },
  { name: 'type', enum: DATASET_TYPES },
  { name: 'visibility', enum: VISIBILITIES },
  { name: 'clusterId', schema: { type: 'integer', minimum: 1 } },
];

const listPipe = datasetListPipe();

@ApiTags('datasets')
@Controller('datasets')
export class DatasetsController {
  constructor(private readonly catalog: CatalogClient) {}

  @ApiList(DatasetDto, {
    public: true,
    orderBy: DATASET_ORDER_BY,
    summary: 'Datasets: public ones, and your organization’s private ones',
    description: '`q`: full-text search over name and description, most relevant first unless `orderBy` is given.',
    query: FILTERS,
  })
  async list(@Query() query: Record<string, unknown>, @Ctx() ctx: RequestContext) {
    const list = withRelevance(listPipe.transform(query), query);
    return paginated(await this.catalog.call(CatalogContracts.datasets.list, list, ctx));
  }

  @ApiBatch(DatasetDto, { public: true, summary: 'Several datasets by ids or slugs (a slug on several clusters gives each)' })
  async batch(@Query(BatchPipe) query: BatchQuery, @Ctx() ctx: RequestContext) {
    return success(await this.catalog.call(CatalogContracts.datasets.batch, query, ctx));
  }

  @ApiGetBySlug(DatasetDto, {
    public: true,
    summary: 'A dataset by slug',
    description: 'When datasets on several clusters share the slug: 409 `ambiguous_slug` naming the clusters; `?clusterId=` picks one.',
    errors: [409],
    query: [{ name: 'clusterId', schema: { type: 'integer', minimum: 1 } }],
  })
  async bySlug(@Param('slug', SlugPipe) slug: string, @Query('clusterId') clusterId: unknown, @Ctx() ctx: RequestContext) {
    const errors = new QueryErrors();
    const cluster = errors.run(() => idParam(clusterId, 'clusterId'));
    errors.throwIfAny();
    return success(await this.catalog.call(CatalogContracts.datasets.get, { slug, ...(cluster === undefined ? {} : { clusterId: cluster }) }, ctx));
  }

  @ApiGetById(DatasetDto, { public: true, summary: 'A dataset, with its license, provider, source and tags' })
  async byId(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.catalog.call(CatalogContracts.datasets.get, { id }, ctx));
  }

  @ApiCreate(DatasetDto, { summary: 'Create a dataset (writer or higher; the cluster must be visible to your organization)' })
  async create(@Body() body: CreateDatasetDto, @Ctx() ctx: RequestContext) {
    return success(await this.catalog.call(CatalogContracts.datasets.create, body as DatasetWrite, ctx));
  }

  @ApiUpdate(DatasetDto, { summary: 'Change a dataset (writer or higher); changed schema fields bump schema.version' })
  async update(@Param('id', IdPipe) id: number, @Body() body: UpdateDatasetDto, @Ctx() ctx: RequestContext) {
    return success(await this.catalog.call(CatalogContracts.datasets.update, { id, patch: nonEmptyPatch(body) }, ctx));
  }

  @ApiDelete({ summary: 'Delete a dataset with its entries and their files (writer or higher)' })
  async remove(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.catalog.call(CatalogContracts.datasets.remove, { id }, ctx));
  }
}
