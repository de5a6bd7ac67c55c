import { CatalogContracts, REFERENCE_ORDER_BY, ReferenceKind } from '@alien/contracts';
import { ApiError, PaginatedEnvelope, SuccessEnvelope, paginated, success } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import { BatchQuery } from '@alien/slug';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Type } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { PlatformAdmin, Public } from '../auth/auth.decorators';
import { ApiEnvelope, ApiErrors, ApiPaginated, DeletedDto } from '../docs/openapi';
import { Ctx } from '../http/request-context';
import { BatchPipe, IdPipe, ListQueryPipe, SlugPipe } from '../http/validation';
import { ServiceClients } from '../rpc/service-clients';
import {
  CreateLicenseDto,
  CreateReferenceDto,
  ReferenceItemDto,
  UpdateLicenseDto,
  UpdateReferenceDto,
} from './dtos/reference.dto';

const listQuery = new ListQueryPipe({ orderBy: REFERENCE_ORDER_BY, defaultOrderBy: 'name' });

/** HTTP routes of one reference list; the four lists share the code (catalog owns the data). */
function createReferenceController(kind: ReferenceKind): Type<unknown> {
  const rpc = CatalogContracts.reference[kind];
  const CreateDto = kind === 'licenses' ? CreateLicenseDto : CreateReferenceDto;
  const UpdateDto = kind === 'licenses' ? UpdateLicenseDto : UpdateReferenceDto;

  @ApiTags('reference lists')
  @Controller(kind)
  class ReferenceController {
    constructor(private readonly clients: ServiceClients) {}

    @Get()
    @Public()
    @ApiOperation({ summary: `List ${kind}`, description: '`q` searches names (case-insensitive).' })
    @ApiQuery({ name: 'q', required: false, schema: { type: 'string', maxLength: 200 } })
    @ApiQuery({ name: 'page', required: false, schema: { type: 'integer', minimum: 1, default: 1 } })
    @ApiQuery({ name: 'perPage', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } })
    @ApiQuery({ name: 'orderBy', required: false, enum: REFERENCE_ORDER_BY })
    @ApiQuery({ name: 'direction', required: false, enum: ['asc', 'desc'] })
    @ApiPaginated(ReferenceItemDto)
    @ApiErrors(401, 422)
    async list(@Query(listQuery) query: ReturnType<typeof listQuery.transform>, @Ctx() ctx: RequestContext): Promise<PaginatedEnvelope<unknown>> {
      return paginated(await this.clients.catalog.call(rpc.list, query, ctx));
    }

    @Get('batch')
    @Public()
    @ApiOperation({ summary: `Several ${kind} by ids or slugs`, description: 'Request order kept, unknown ones omitted, at most 100.' })
    @ApiQuery({ name: 'ids', required: false, example: '1,2,3' })
    @ApiQuery({ name: 'slugs', required: false, example: 'a,b' })
    @ApiEnvelope(ReferenceItemDto, { isArray: true })
    @ApiErrors(401, 422)
    async batch(@Query(BatchPipe) query: BatchQuery, @Ctx() ctx: RequestContext): Promise<SuccessEnvelope<unknown>> {
      return success(await this.clients.catalog.call(rpc.batch, query, ctx));
    }

    @Get('slug/:slug')
    @Public()
    @ApiOperation({ summary: `One of the ${kind} by slug` })
    @ApiParam({ name: 'slug', schema: { type: 'string', pattern: '^[a-z0-9_-]+$' } })
    @ApiEnvelope(ReferenceItemDto)
    @ApiErrors(401, 404, 422)
    async bySlug(@Param('slug', SlugPipe) slug: string, @Ctx() ctx: RequestContext): Promise<SuccessEnvelope<unknown>> {
      return success(await this.clients.catalog.call(rpc.get, { slug }, ctx));
    }

    @Get(':id')
    @Public()
    @ApiOperation({ summary: `One of the ${kind} by id` })
    @ApiParam({ name: 'id', schema: { type: 'integer', minimum: 1 } })
    @ApiEnvelope(ReferenceItemDto)
    @ApiErrors(401, 404, 422)
    async byId(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext): Promise<SuccessEnvelope<unknown>> {
      return success(await this.clients.catalog.call(rpc.get, { id }, ctx));
    }

    @Post()
    @PlatformAdmin()
    @ApiOperation({ summary: `Create one of the ${kind} (platform admins)` })
    @ApiEnvelope(ReferenceItemDto, { status: 201 })
    @ApiErrors(400, 401, 403, 409, 413, 415, 422)
    async create(@Body() body: CreateLicenseDto, @Ctx() ctx: RequestContext): Promise<SuccessEnvelope<unknown>> {
      return success(await this.clients.catalog.call(rpc.create, body, ctx));
    }

    @Patch(':id')
    @PlatformAdmin()
    @ApiOperation({ summary: `Change one of the ${kind} (platform admins)` })
    @ApiParam({ name: 'id', schema: { type: 'integer', minimum: 1 } })
    @ApiEnvelope(ReferenceItemDto)
    @ApiErrors(400, 401, 403, 404, 409, 413, 415, 422)
    async update(
      @Param('id', IdPipe) id: number,
      @Body() body: UpdateLicenseDto,
      @Ctx() ctx: RequestContext,
    ): Promise<SuccessEnvelope<unknown>> {
      if (Object.keys(body).length === 0) throw ApiError.invalid('body', 'required', 'Send at least one field to change');
      return success(await this.clients.catalog.call(rpc.update, { id, patch: body }, ctx));
    }

    @Delete(':id')
    @HttpCode(200)
    @PlatformAdmin()
    @ApiOperation({ summary: `Delete one of the ${kind} (platform admins)` })
    @ApiParam({ name: 'id', schema: { type: 'integer', minimum: 1 } })
    @ApiEnvelope(DeletedDto)
    @ApiErrors(401, 403, 404, 422)
    async remove(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext): Promise<SuccessEnvelope<unknown>> {
      return success(await this.clients.catalog.call(rpc.remove, { id }, ctx));
    }
  }

  // The body types differ per list: licenses also take spdxId. Point the metadata at the right DTOs so
  // ValidationPipe and Swagger both see them.
  Reflect.defineMetadata('design:paramtypes', [CreateDto, Object], ReferenceController.prototype, 'create');
  Reflect.defineMetadata('design:paramtypes', [Number, UpdateDto, Object], ReferenceController.prototype, 'update');
  Object.defineProperty(ReferenceController, 'name', { value: `${kind[0].toUpperCase()}${kind.slice(1)}Controller` });
  return ReferenceController;
}

export const REFERENCE_CONTROLLERS = (['tags', 'providers', 'licenses', 'sources'] as const).map(createReferenceController);
