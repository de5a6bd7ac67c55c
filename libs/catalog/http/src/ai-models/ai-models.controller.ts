import { AI_MODEL_ORDER_BY, AiModelOrderBy, AiModelWrite, CREDENTIAL_READ_ORDER_BY, CatalogContracts, MODEL_SELECTS, MODEL_TYPES } from '@alien/catalog/contracts';
import { paginated, success } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
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
  ListQuery,
  ListQueryPipe,
  SlugPipe,
  nonEmptyPatch,
} from '@alien/nest-http';
import { BatchQuery } from '@alien/slug';
import { Body, Controller, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CatalogClient } from '../catalog.client';
import {
  AiModelDto,
  CreateAiModelDto,
  CredentialReadDto,
  CredentialsDto,
  CredentialsStatusDto,
  PutCredentialsDto,
  RevokedDto,
  UpdateAiModelDto,
} from '../dtos';
import { FilteredListPipe, QueryErrors, enumParam, idOrSlugParam, idParam } from '../queries';

const listPipe = new FilteredListPipe(new ListQueryPipe<AiModelOrderBy>({ orderBy: AI_MODEL_ORDER_BY, defaultOrderBy: 'name' }), (query, errors) => ({
  select: errors.run(() => enumParam(query['select'], 'select', MODEL_SELECTS)) ?? 'all',
  modelType: errors.run(() => enumParam(query['modelType'], 'modelType', MODEL_TYPES)),
  provider: errors.run(() => idOrSlugParam(query['provider'], 'provider')),
  tag: errors.run(() => idOrSlugParam(query['tag'], 'tag')),
}));
const readsQuery = new ListQueryPipe({ orderBy: CREDENTIAL_READ_ORDER_BY, defaultOrderBy: 'createdAt', defaultDirection: 'desc' });

@ApiTags('ai models')
@Controller('ai-models')
export class AiModelsController {
  constructor(private readonly catalog: CatalogClient) {}

  @ApiList(AiModelDto, {
    public: true,
    orderBy: AI_MODEL_ORDER_BY,
    summary: 'AI models: public ones (platform-provided included) and your organization’s',
    description: '`select`: `public`, `organization` (yours) or `all` (default). `q` searches name, slug and description.',
    query: [
      { name: 'select', enum: MODEL_SELECTS },
      { name: 'modelType', enum: MODEL_TYPES },
      { name: 'provider', description: 'A provider id or slug' },
      { name: 'tag', description: 'A tag id or slug' },
    ],
  })
  async list(@Query() query: Record<string, unknown>, @Ctx() ctx: RequestContext) {
    return paginated(await this.catalog.call(CatalogContracts.aiModels.list, listPipe.transform(query), ctx));
  }

  @ApiBatch(AiModelDto, { public: true, summary: 'Several AI models by ids or slugs' })
  async batch(@Query(BatchPipe) query: BatchQuery, @Ctx() ctx: RequestContext) {
    return success(await this.catalog.call(CatalogContracts.aiModels.batch, query, ctx));
  }

  @ApiGetBySlug(AiModelDto, {
    public: true,
    summary: 'An AI model by slug (your organization’s first, then the platform’s)',
    errors: [409],
    query: [{ name: 'organizationId', schema: { type: 'integer', minimum: 1 } }],
  })
  async bySlug(@Param('slug', SlugPipe) slug: string, @Query('organizationId') organizationId: unknown, @Ctx() ctx: RequestContext) {
    const errors = new QueryErrors();
    const org = errors.run(() => idParam(organizationId, 'organizationId'));
    errors.throwIfAny();
    return success(await this.catalog.call(CatalogContracts.aiModels.get, { slug, ...(org === undefined ? {} : { organizationId: org }) }, ctx));
  }

  @ApiGetById(AiModelDto, { public: true, summary: 'An AI model (never its key: see /credentials)' })
  async byId(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.catalog.call(CatalogContracts.aiModels.get, { id }, ctx));
  }

  @ApiCreate(AiModelDto, {
    summary: 'Create an AI model: your organization’s (admins) or, with organizationId null, a platform model (platform admins)',
  })
  async create(@Body() body: CreateAiModelDto, @Ctx() ctx: RequestContext) {
    return success(await this.catalog.call(CatalogContracts.aiModels.create, body as AiModelWrite, ctx));
  }

  @ApiUpdate(AiModelDto, { summary: 'Change an AI model (its organization’s admins; platform admins for platform models)' })
  async update(@Param('id', IdPipe) id: number, @Body() body: UpdateAiModelDto, @Ctx() ctx: RequestContext) {
    return success(await this.catalog.call(CatalogContracts.aiModels.update, { id, patch: nonEmptyPatch(body) }, ctx));
  }

  @ApiDelete({ summary: 'Delete an AI model with its credentials' })
  async remove(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.catalog.call(CatalogContracts.aiModels.remove, { id }, ctx));
  }

  @ApiRoute(
    'put',
    ':id/credentials',
    { summary: 'Provision the model’s API key (whoever may change the model); replaces the previous key at once' },
    [400, 413, 415, 422],
    ApiEnvelope(CredentialsStatusDto),
  )
  async putCredentials(@Param('id', IdPipe) id: number, @Body() body: PutCredentialsDto, @Ctx() ctx: RequestContext) {
    return success(await this.catalog.call(CatalogContracts.aiModels.credentials.put, { id, ...body }, ctx));
  }

  @ApiRoute(
    'get',
    ':id/credentials',
    {
      summary: 'The model’s apiUrl and API key, for writers (or higher) of an organization that may use it; every read is audited',
      errors: [403],
    },
    [],
    ApiEnvelope(CredentialsDto),
  )
  async getCredentials(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.catalog.call(CatalogContracts.aiModels.credentials.get, { id }, ctx));
  }

  @ApiDelete({ path: ':id/credentials', summary: 'Revoke the model’s API key (whoever may change the model)' }, RevokedDto)
  async revokeCredentials(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.catalog.call(CatalogContracts.aiModels.credentials.revoke, { id }, ctx));
  }

  @ApiList(CredentialReadDto, {
    path: ':id/credential-reads',
    orderBy: CREDENTIAL_READ_ORDER_BY,
    search: false,
    summary: 'Who read the model’s credentials, newest first (admins)',
    errors: [403],
  })
  async credentialReads(@Param('id', IdPipe) id: number, @Query(readsQuery) query: ListQuery<typeof readsQuery>, @Ctx() ctx: RequestContext) {
    return paginated(await this.catalog.call(CatalogContracts.aiModels.credentials.reads, { id, page: query.page }, ctx));
  }
}
