import { CatalogContracts, REFERENCE_ORDER_BY, ReferenceKind } from '@alien/catalog/contracts';
import { paginated, success } from '@alien/envelope';
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
  ListQuery,
  ListQueryPipe,
  SlugPipe,
  nonEmptyPatch,
} from '@alien/nest-http';
import { BatchQuery } from '@alien/slug';
import { Body, Controller, Param, Query, Type } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CatalogClient } from '../catalog.client';
import { CreateLicenseDto, CreateReferenceDto, ReferenceItemDto, UpdateLicenseDto, UpdateReferenceDto } from '../dtos/reference.dto';

const listQuery = new ListQueryPipe({ orderBy: REFERENCE_ORDER_BY, defaultOrderBy: 'name' });

/** HTTP routes of one reference list; the four lists share the code (catalog owns the data). */
function createReferenceController(kind: ReferenceKind): Type<unknown> {
  const rpc = CatalogContracts.reference[kind];
  const CreateDto = kind === 'licenses' ? CreateLicenseDto : CreateReferenceDto;
  const UpdateDto = kind === 'licenses' ? UpdateLicenseDto : UpdateReferenceDto;

  @ApiTags('reference lists')
  @Controller(kind)
  class ReferenceController {
    constructor(private readonly catalog: CatalogClient) {}

    @ApiList(ReferenceItemDto, { public: true, orderBy: REFERENCE_ORDER_BY, summary: `List ${kind}`, description: '`q` searches names (case-insensitive).' })
    async list(@Query(listQuery) query: ListQuery<typeof listQuery>, @Ctx() ctx: RequestContext) {
      return paginated(await this.catalog.call(rpc.list, query, ctx));
    }

    @ApiBatch(ReferenceItemDto, { public: true, summary: `Several ${kind} by ids or slugs` })
    async batch(@Query(BatchPipe) query: BatchQuery, @Ctx() ctx: RequestContext) {
      return success(await this.catalog.call(rpc.batch, query, ctx));
    }

    @ApiGetBySlug(ReferenceItemDto, { public: true, summary: `One of the ${kind} by slug` })
    async bySlug(@Param('slug', SlugPipe) slug: string, @Ctx() ctx: RequestContext) {
      return success(await this.catalog.call(rpc.get, { slug }, ctx));
    }

    @ApiGetById(ReferenceItemDto, { public: true, summary: `One of the ${kind} by id` })
    async byId(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
      return success(await this.catalog.call(rpc.get, { id }, ctx));
    }

    @ApiCreate(ReferenceItemDto, { platformAdmin: true, summary: `Create one of the ${kind} (platform admins)` })
    async create(@Body() body: CreateLicenseDto, @Ctx() ctx: RequestContext) {
      return success(await this.catalog.call(rpc.create, body, ctx));
    }

    @ApiUpdate(ReferenceItemDto, { platformAdmin: true, summary: `Change one of the ${kind} (platform admins)` })
    async update(@Param('id', IdPipe) id: number, @Body() body: UpdateLicenseDto, @Ctx() ctx: RequestContext) {
      return success(await this.catalog.call(rpc.update, { id, patch: nonEmptyPatch(body) }, ctx));
    }

    @ApiDelete({ platformAdmin: true, summary: `Delete one of the ${kind} (platform admins)` })
    async remove(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
      return success(await this.catalog.call(rpc.remove, { id }, ctx));
    }
  }

  // The body types differ per list: licenses also take spdxId. Point the metadata at the right DTOs so
  // ValidationPipe and Swagger both see them.
  Reflect.defineMetadata('design:paramtypes', [CreateDto, Object], ReferenceController.prototype, 'create');
  Reflect.defineMetadata('design:paramtypes', [Number, UpdateDto, Object], ReferenceController.prototype, 'update');
  Object.defineProperty(ReferenceController, 'name', { value: `${kind[0]?.toUpperCase()}${kind.slice(1)}Controller` });
  return ReferenceController;
}

export const REFERENCE_CONTROLLERS = (['tags', 'providers', 'licenses', 'sources'] as const).map(createReferenceController);
