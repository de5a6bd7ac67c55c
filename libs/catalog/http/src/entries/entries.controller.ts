import { CHECKSUM_HEADER, CatalogContracts, ENTRY_ORDER_BY, ENTRY_STATUSES, EntryOrderBy } from '@alien/catalog/contracts';
import { paginated, success } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import {
  ApiDelete,
  ApiGetById,
  ApiList,
  ApiRoute,
  ApiUpdate,
  Ctx,
  IdPipe,
  ListQueryPipe,
  StreamedBody,
  createValidationPipe,
  nonEmptyPatch,
  streamedBodyOf,
} from '@alien/nest-http';
import { Body, Controller, HttpCode, Param, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiExtraModels, ApiHeader, ApiProduces, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CatalogClient } from '../catalog.client';
import { CreateEntryDto, EntryDto, UpdateEntryDto } from '../dtos';
import { DOWNLOAD_HEADERS, UPLOAD_HEADERS, transferFile } from '../files/file-transfer';
import { FilteredListPipe, enumParam } from '../queries';
import { ApiEnvelope } from '@alien/nest-http';

const listPipe = new FilteredListPipe(new ListQueryPipe<EntryOrderBy>({ orderBy: ENTRY_ORDER_BY, defaultOrderBy: 'key' }), (query, errors) => ({
  status: errors.run(() => enumParam(query['status'], 'status', ENTRY_STATUSES)),
}));

const bodyPipe = createValidationPipe();

/** An upload refused before its body was read (403, 404, 413…): answer, then close rather than read it all. */
async function refusedUnread<T>(req: FastifyRequest, reply: FastifyReply, authorise: () => Promise<T>): Promise<T> {
  try {
    return await authorise();
  } catch (error) {
    if (!req.raw.complete) reply.header('connection', 'close');
    throw error;
  }
}
const binary = { type: 'string', format: 'binary' };

@ApiTags('entries')
@Controller('datasets/:id/entries')
export class EntriesController {
  constructor(private readonly catalog: CatalogClient) {}

  @ApiList(EntryDto, {
    public: true,
    orderBy: ENTRY_ORDER_BY,
    summary: 'Entries of a dataset you can see',
    description: '`q` matches keys (case-insensitive).',
    query: [{ name: 'status', enum: ENTRY_STATUSES }],
  })
  async list(@Param('id', IdPipe) id: number, @Query() query: Record<string, unknown>, @Ctx() ctx: RequestContext) {
    return paginated(await this.catalog.call(CatalogContracts.entries.list, { datasetId: id, ...listPipe.transform(query) }, ctx));
  }

  @ApiRoute(
    'post',
    '',
    {
      summary: 'Create an entry: JSON (no file yet, status pending) or multipart/form-data with its file (status uploaded)',
      description:
        'Multipart fields, in this order: `key` (default: the file’s name), `contentType`, `metadata` (a JSON object, ' +
        'checked against the dataset’s schema), then `file`. Files over the limit: 413; nothing is kept from a failed upload.',
    },
    [400, 409, 413, 415, 422],
    HttpCode(201),
    ApiConsumes('application/json', 'multipart/form-data'),
    ApiExtraModels(CreateEntryDto),
    ApiBody({
      schema: {
        oneOf: [
          { $ref: getSchemaPath(CreateEntryDto) },
          { type: 'object', required: ['file'], properties: { key: { type: 'string' }, contentType: { type: 'string' }, metadata: { type: 'string', description: 'JSON object' }, file: binary } },
        ],
      },
    }),
    ApiEnvelope(EntryDto, { status: 201 }),
  )
  @StreamedBody({ types: ['multipart/form-data'] })
  async create(@Param('id', IdPipe) id: number, @Body() body: unknown, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Ctx() ctx: RequestContext) {
    const streamed = streamedBodyOf(req);
    if (streamed) {
      const ticket = await refusedUnread(req, reply, () =>
        this.catalog.call(CatalogContracts.entries.files.openCreate, { datasetId: id, contentLength: streamed.contentLength }, ctx),
      );
      return transferFile(ticket, req, reply, { method: 'POST', body: streamed, forward: [] });
    }
    const dto = (await bodyPipe.transform(body, { type: 'body', metatype: CreateEntryDto })) as CreateEntryDto;
    const view = await this.catalog.call(CatalogContracts.entries.create, { datasetId: id, ...dto }, ctx);
    return reply.code(201).send(success(view));
  }

  @ApiGetById(EntryDto, { path: ':entryId', public: true, summary: 'An entry of a dataset you can see' })
  async get(@Param('id', IdPipe) id: number, @Param('entryId', IdPipe) entryId: number, @Ctx() ctx: RequestContext) {
    return success(await this.catalog.call(CatalogContracts.entries.get, { datasetId: id, entryId }, ctx));
  }

  @ApiUpdate(EntryDto, {
    path: ':entryId',
    summary: 'Change an entry’s key, content type, metadata (checked against the current schema) or processing status',
  })
  async update(@Param('id', IdPipe) id: number, @Param('entryId', IdPipe) entryId: number, @Body() body: UpdateEntryDto, @Ctx() ctx: RequestContext) {
    return success(await this.catalog.call(CatalogContracts.entries.update, { datasetId: id, entryId, patch: nonEmptyPatch(body) }, ctx));
  }

  @ApiDelete({ path: ':entryId', summary: 'Delete an entry and its file' })
  async remove(@Param('id', IdPipe) id: number, @Param('entryId', IdPipe) entryId: number, @Ctx() ctx: RequestContext) {
    return success(await this.catalog.call(CatalogContracts.entries.remove, { datasetId: id, entryId }, ctx));
  }

  @ApiRoute(
    'put',
    ':entryId/file',
    {
      summary: 'Upload (or replace) the entry’s file: the raw body, streamed',
      description:
        'Any Content-Type (kept as the file’s). `x-checksum-sha256` (hex) is verified: a mismatch is 422 and nothing is kept. ' +
        'Over the limit: 413. A body that ends early leaves the entry as it was.',
    },
    [400, 409, 413],
    ApiConsumes('application/octet-stream'),
    ApiBody({ schema: binary }),
    ApiHeader({ name: CHECKSUM_HEADER, required: false, description: 'Hex SHA-256 the body must have' }),
    ApiEnvelope(EntryDto),
  )
  @StreamedBody()
  async upload(@Param('id', IdPipe) id: number, @Param('entryId', IdPipe) entryId: number, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Ctx() ctx: RequestContext) {
    const streamed = streamedBodyOf(req) ?? { stream: req.raw, contentType: undefined, contentLength: 0 };
    const ticket = await refusedUnread(req, reply, () =>
      this.catalog.call(CatalogContracts.entries.files.openUpload, { datasetId: id, entryId, contentLength: streamed.contentLength }, ctx),
    );
    return transferFile(ticket, req, reply, { method: 'PUT', body: streamed, forward: UPLOAD_HEADERS });
  }

  @ApiRoute(
    'get',
    ':entryId/file',
    {
      public: true,
      summary: 'Download the entry’s file (streamed)',
      description:
        '`Range: bytes=…` → 206 (one range; an unsatisfiable one → 416). `ETag` is the SHA-256; `If-None-Match` → 304. ' +
        'Served as an attachment with the entry key’s file name.',
    },
    [416],
    ApiProduces('application/octet-stream'),
    ApiResponse({ status: 200, description: 'The file', content: { 'application/octet-stream': { schema: binary } } }),
    ApiResponse({ status: 206, description: 'The requested byte range', content: { 'application/octet-stream': { schema: binary } } }),
    ApiResponse({ status: 304, description: 'Not modified (If-None-Match matched the ETag)' }),
  )
  async download(@Param('id', IdPipe) id: number, @Param('entryId', IdPipe) entryId: number, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Ctx() ctx: RequestContext) {
    const ticket = await this.catalog.call(CatalogContracts.entries.files.openDownload, { datasetId: id, entryId }, ctx);
    return transferFile(ticket, req, reply, { method: req.method === 'HEAD' ? 'HEAD' : 'GET', forward: DOWNLOAD_HEADERS });
  }
}
