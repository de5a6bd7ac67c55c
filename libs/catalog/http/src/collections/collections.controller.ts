import { COLLECTION_ORDER_BY, CatalogContracts, CollectionOrderBy, DATASET_ORDER_BY, VISIBILITIES } from '@alien/catalog/contracts';
import { paginated, success } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import {
  ApiAction,
  ApiBatch,
  ApiCreate,
  ApiDelete,
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
  ApiEnvelope,
} from '@alien/nest-http';
import { BatchQuery } from '@alien/slug';
import { Body, Controller, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CatalogClient } from '../catalog.client';
import { datasetListPipe, withRelevance } from '../datasets/datasets.controller';
import { AddDatasetsDto, CollectionDto, CollectionRoutingDto, CreateCollectionDto, DatasetDto, UpdateCollectionDto } from '../dtos';
import { FilteredListPipe, QueryErrors, enumParam, idParam } from '../queries';

const listPipe = new FilteredListPipe(new ListQueryPipe<CollectionOrderBy>({ orderBy: COLLECTION_ORDER_BY, defaultOrderBy: 'name' }), (query, errors) => ({
  visibility: errors.run(() => enumParam(query['visibility'], 'visibility', VISIBILITIES)),
}));
const datasetsPipe = datasetListPipe();

@ApiTags('collections')
@Controller('collections')
export class CollectionsController {
  constructor(private readonly catalog: CatalogClient) {}

  @ApiList(CollectionDto, {
    public: true,
    orderBy: COLLECTION_ORDER_BY,
    summary: 'Collections: public ones, and your organization’s private ones',
    description: '`q` searches names.',
    query: [{ name: 'visibility', enum: VISIBILITIES }],
  })
  async list(@Query() query: Record<string, unknown>, @Ctx() ctx: RequestContext) {
    return paginated(await this.catalog.call(CatalogContracts.collections.list, listPipe.transform(query), ctx));
  }

  @ApiBatch(CollectionDto, { public: true, summary: 'Several collections by ids or slugs' })
  async batch(@Query(BatchPipe) query: BatchQuery, @Ctx() ctx: RequestContext) {
    return success(await this.catalog.call(CatalogContracts.collections.batch, query, ctx));
  }

  @ApiGetBySlug(CollectionDto, {
    public: true,
    summary: 'A collection by slug (your organization’s first)',
    description: 'Several other organizations’ public collections with the slug: 409 `ambiguous_slug`; `?organizationId=` picks one.',
    errors: [409],
    query: [{ name: 'organizationId', schema: { type: 'integer', minimum: 1 } }],
  })
  async bySlug(@Param('slug', SlugPipe) slug: string, @Query('organizationId') organizationId: unknown, @Ctx() ctx: RequestContext) {
    const errors = new QueryErrors();
    const org = errors.run(() => idParam(organizationId, 'organizationId'));
    errors.throwIfAny();
    return success(await this.catalog.call(CatalogContracts.collections.get, { slug, ...(org === undefined ? {} : { organizationId: org }) }, ctx));
  }

  @ApiGetById(CollectionDto, { public: true, summary: 'A collection' })
  async byId(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.catalog.call(CatalogContracts.collections.get, { id }, ctx));
  }

  @ApiCreate(CollectionDto, { summary: 'Create a collection for your organization (writer or higher)' })
  async create(@Body() body: CreateCollectionDto, @Ctx() ctx: RequestContext) {
    return success(await this.catalog.call(CatalogContracts.collections.create, body, ctx));
  }

  @ApiUpdate(CollectionDto, { summary: 'Change a collection (writer or higher)' })
  async update(@Param('id', IdPipe) id: number, @Body() body: UpdateCollectionDto, @Ctx() ctx: RequestContext) {
    return success(await this.catalog.call(CatalogContracts.collections.update, { id, patch: nonEmptyPatch(body) }, ctx));
  }

  @ApiDelete({ summary: 'Delete a collection (its datasets stay)' })
  async remove(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.catalog.call(CatalogContracts.collections.remove, { id }, ctx));
  }

  @ApiList(DatasetDto, {
    path: ':id/datasets',
    public: true,
    orderBy: DATASET_ORDER_BY,
    summary: 'The collection’s datasets you can see (filters as GET /datasets)',
  })
  async datasets(@Param('id', IdPipe) id: number, @Query() query: Record<string, unknown>, @Ctx() ctx: RequestContext) {
    const list = withRelevance(datasetsPipe.transform(query), query);
    return paginated(await this.catalog.call(CatalogContracts.collections.listDatasets, { id, q: list.q, page: list.page }, ctx));
  }

  @ApiAction(CollectionDto, {
    path: ':id/datasets',
    body: true,
    summary: 'Add datasets you can see to the collection (one you cannot see: 404, nothing added)',
  })
  async addDatasets(@Param('id', IdPipe) id: number, @Body() body: AddDatasetsDto, @Ctx() ctx: RequestContext) {
    return success(await this.catalog.call(CatalogContracts.collections.addDatasets, { id, datasetIds: body.datasetIds }, ctx));
  }

  @ApiDelete({ path: ':id/datasets/:datasetId', summary: 'Take a dataset out of the collection' }, CollectionDto)
  async removeDataset(@Param('id', IdPipe) id: number, @Param('datasetId', IdPipe) datasetId: number, @Ctx() ctx: RequestContext) {
    return success(await this.catalog.call(CatalogContracts.collections.removeDataset, { id, datasetId }, ctx));
  }

  @ApiRoute(
    'get',
    ':id/routing',
    {
      public: true,
      summary: 'Routing info: per cluster holding the collection’s datasets (those you can see), its proxy path and the datasets on it',
      description: 'Clusters not visible to your organization are left out: the cluster proxy would refuse them.',
    },
    [],
    ApiEnvelope(CollectionRoutingDto),
  )
  async routing(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.catalog.call(CatalogContracts.collections.routing, { id }, ctx));
  }
}
