import {
  CHECKSUM_HEADER,
  EntryRef,
  EntryView,
  FILE_CONTENT_TYPE_HEADER,
  FileTicket,
} from '@alien/catalog/contracts';
import { ApiError } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import busboy from 'busboy';
import type { FastifyReply } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { PinoLogger } from 'nestjs-pino';
import { DataSource, EntityManager } from 'typeorm';
import { DatasetRow, DatasetsService } from '../datasets/datasets.service';
import { EntriesService, entryProblems } from '../entries/entries.service';
import { ENTRY_COLUMNS, EntryRow, toEntryView } from '../entries/entry-view';
import { fileNameOf } from '../entries/entry-rules';
import { assertWriter } from '../shared/access';
import { returning } from '../shared/sql';
import { OBJECT_STORAGE, ObjectNotFoundError, ObjectStorage, newObjectId } from '../storage/object-storage';
import { StorageGarbage } from '../storage/storage-garbage.service';
import { FileTickets, TicketRequest } from './file-tickets';
import { contentDisposition, etagOf, ifNoneMatchHits, ifRangeHolds, parseRange } from './http-files';
import { Meter, PayloadTooLargeError, UploadTruncatedError } from './meter';

export const FILES_OPTIONS = Symbol('FILES_OPTIONS');
export const FILE_TICKETS = Symbol('FILE_TICKETS');

export interface FilesOptions {
  maxBytes: number;
  /** How the gateway reaches this process's HTTP port; unset: loopback on the port it listens on. */
  internalUrl?: string;
  host: string;
}

/** Paths of the file port (the service's own HTTP server, next to /health). */
export const FILE_PORT_PATHS = { upload: '/internal/files/upload', download: '/internal/files/download', create: '/internal/files/create' } as const;

/** Multipart framing and fields (metadata ≤ 1 MiB) allowed on top of the file itself. */
const MULTIPART_ALLOWANCE = 2 * 1024 * 1024;
const SHA256_HEX = /^[0-9a-f]{64}$/;

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, `Entry files may be at most ${maxBytes} bytes`, 'file_too_large');
}

function declaredLength(req: IncomingMessage): number | null {
  const raw = req.headers['content-length'];
  return raw === undefined ? null : Number(raw);
}

/** Turns a failed transfer into what the client should hear. */
function transferError(error: unknown, maxBytes: number): unknown {
  if (error instanceof PayloadTooLargeError) return tooLarge(maxBytes);
  if (error instanceof UploadTruncatedError) return new ApiError(400, 'The upload ended before the whole body arrived; nothing was kept', 'upload_truncated');
  return error;
}

@Injectable()
export class FilesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly datasets: DatasetsService,
    private readonly entries: EntriesService,
    private readonly garbage: StorageGarbage,
    @Inject(OBJECT_STORAGE) private readonly storage: ObjectStorage,
    @Inject(FILE_TICKETS) private readonly tickets: FileTickets,
    @Inject(FILES_OPTIONS) private readonly options: FilesOptions,
    private readonly adapterHost: HttpAdapterHost,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(FilesService.name);
  }

  // ── NATS: authorise, then hand out a ticket for the file port ────────────────────────────────

  async openUpload(ctx: RequestContext, req: EntryRef & { contentLength: number | null }): Promise<FileTicket> {
    const dataset = await this.datasets.visibleRow(ctx, req.datasetId);
    assertWriter(ctx, dataset, 'Dataset');
    await this.entries.row(this.db, dataset.id, req.entryId);
    if (req.contentLength !== null && req.contentLength > this.options.maxBytes) throw tooLarge(this.options.maxBytes);
    return this.ticket(FILE_PORT_PATHS.upload, ctx, { op: 'upload', datasetId: dataset.id, entryId: req.entryId, maxBytes: this.options.maxBytes });
  }

  async openDownload(ctx: RequestContext, req: EntryRef): Promise<FileTicket> {
    const dataset = await this.datasets.visibleRow(ctx, req.datasetId);
    const entry = await this.entries.row(this.db, dataset.id, req.entryId);
    if (!entry.object_id || !entry.sha256 || entry.size === null) throw ApiError.notFound('The entry has no file yet', 'no_file');
    return this.ticket(FILE_PORT_PATHS.download, ctx, {
      op: 'download',
      datasetId: dataset.id,
      entryId: entry.id,
      objectId: entry.object_id,
      size: Number(entry.size),
      sha256: entry.sha256,
      contentType: entry.content_type,
      fileName: fileNameOf(entry.key),
    });
  }

  async openCreate(ctx: RequestContext, req: { datasetId: number; contentLength: number | null }): Promise<FileTicket> {
    const dataset = await this.datasets.visibleRow(ctx, req.datasetId);
    assertWriter(ctx, dataset, 'Dataset');
    if (req.contentLength !== null && req.contentLength > this.options.maxBytes + MULTIPART_ALLOWANCE) throw tooLarge(this.options.maxBytes);
    return this.ticket(FILE_PORT_PATHS.create, ctx, { op: 'create', datasetId: dataset.id, maxBytes: this.options.maxBytes });
  }

  private ticket(path: string, ctx: RequestContext, claims: TicketRequest): FileTicket {
    const ticket = this.tickets.issue({
      ...claims,
      userId: ctx.identity.userId,
      organizationId: ctx.identity.organizationId,
      requestId: ctx.requestId,
    });
    return { url: `${this.baseUrl()}${path}`, ticket };
  }

  private baseUrl(): string {
    if (this.options.internalUrl) return this.options.internalUrl.replace(/\/+$/, '');
    const address = this.adapterHost.httpAdapter.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const host = ['0.0.0.0', '::', ''].includes(this.options.host) ? '127.0.0.1' : this.options.host;
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  // ── The file port (HTTP): bytes stream through, never whole in memory ─────────────────────────

  /** `PUT …/file`: the body becomes the entry's file, or nothing at all. */
  async upload(ticket: string | string[] | undefined, req: IncomingMessage): Promise<EntryView> {
    const claims = this.tickets.open(ticket, 'upload');
    const declared = declaredLength(req);
    if (declared !== null && declared > claims.maxBytes) throw tooLarge(claims.maxBytes);
    const checksum = this.checksumHeader(req);
    const dataset = await this.datasetById(this.db, claims.datasetId);
    const entry = await this.entries.row(this.db, dataset.id, claims.entryId);
    const contentType = this.uploadContentType(req) ?? entry.content_type ?? 'application/octet-stream';

    const objectId = newObjectId();
    await this.garbage.lease(objectId);
    let committed: { view: EntryView; replaced: string[] };
    try {
      const meter = await this.receive(req, objectId, contentType, claims.maxBytes);
      if (checksum && checksum !== meter.sha256) {
        throw ApiError.invalid(CHECKSUM_HEADER, 'checksum', `The body's SHA-256 is ${meter.sha256}, not ${checksum}; nothing was kept`);
      }
      committed = await this.db.transaction(async (m) => {
        const current = await this.datasetById(m, claims.datasetId);
        const locked = await this.entries.row(m, current.id, claims.entryId, true);
        await this.releaseLease(m, objectId);
        const replaced = await this.garbage.mark(m, [locked.object_id], 'replaced');
        const rows = await returning<EntryRow>(
          m,
          `UPDATE "catalog"."entries" AS e SET "object_id" = $1, "size" = $2, "sha256" = $3, "content_type" = $4, "status" = 'uploaded',
             "updated_at" = now() WHERE e."id" = $5 RETURNING ${ENTRY_COLUMNS}`,
          [objectId, meter.bytes, meter.sha256, contentType, locked.id],
        );
        return { view: toEntryView(rows[0] as EntryRow, current.schemaVersion), replaced };
      });
    } catch (error) {
      await this.garbage.abandon(objectId);
      this.logger.info({ entryId: claims.entryId, requestId: claims.requestId, reason: (error as Error)?.name }, 'entry file upload not kept');
      throw transferError(error, claims.maxBytes);
    }
    await this.garbage.purge(committed.replaced);
    this.logger.info({ entryId: claims.entryId, requestId: claims.requestId, size: committed.view.size, objectId }, 'entry file stored');
    return committed.view;
  }

  /** `GET …/file`: the stored bytes, with ranges, entity tags and a safe file name. */
  async download(ticket: string | string[] | undefined, req: IncomingMessage, reply: FastifyReply): Promise<FastifyReply> {
    const c = this.tickets.open(ticket, 'download');
    const etag = etagOf(c.sha256);
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    reply.headers({ etag, 'cache-control': 'private, no-cache', 'accept-ranges': 'bytes' });
    if (ifNoneMatchHits(header('if-none-match'), etag)) return reply.code(304).send();
    let range = parseRange(header('range'), c.size);
    if (!ifRangeHolds(header('if-range'), etag)) range = { kind: 'full' };
    if (range.kind === 'unsatisfiable') {
      reply.header('content-range', `bytes */${c.size}`);
      throw new ApiError(416, `The requested range is outside the file (${c.size} bytes)`, 'range_not_satisfiable');
    }
    const partial = range.kind === 'partial' ? range : null;
    let body: NodeJS.ReadableStream | string = '';
    if (req.method !== 'HEAD' && c.size > 0) {
      try {
        body = await this.storage.read(c.objectId, partial ?? undefined);
      } catch (error) {
        if (error instanceof ObjectNotFoundError) throw ApiError.notFound('The file is gone (the entry changed meanwhile)', 'file_not_found');
        throw error;
      }
    }
    reply.headers({
      'content-type': c.contentType ?? 'application/octet-stream',
      'content-length': String(partial ? partial.end - partial.start + 1 : c.size),
      'content-disposition': contentDisposition(c.fileName),
      // Whatever was uploaded (HTML, SVG…) is never rendered or sniffed as ours.
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
    });
    if (partial) reply.header('content-range', `bytes ${partial.start}-${partial.end}/${c.size}`);
    return reply.code(partial ? 206 : 200).send(body);
  }

  /** Multipart `POST /datasets/{id}/entries`: fields `key` (default: the file's name), `contentType`, `metadata` (JSON), then `file`. */
  async createWithFile(ticket: string | string[] | undefined, req: IncomingMessage): Promise<EntryView> {
    const claims = this.tickets.open(ticket, 'create');
    const transportType = req.headers[FILE_CONTENT_TYPE_HEADER];
    if (typeof transportType !== 'string' || !/^multipart\/form-data\s*;.*boundary=/i.test(transportType)) {
      throw new ApiError(415, 'Send multipart/form-data with the fields key, contentType, metadata and then file', 'unsupported_media_type');
    }
    const declared = declaredLength(req);
    if (declared !== null && declared > claims.maxBytes + MULTIPART_ALLOWANCE) throw tooLarge(claims.maxBytes);
    const dataset = await this.datasetById(this.db, claims.datasetId);

    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { 'content-type': transportType },
        limits: { files: 1, fields: 10, parts: 12, fieldSize: 1024 * 1024, fileSize: claims.maxBytes, headerPairs: 20 },
      });
    } catch {
      throw new ApiError(400, 'The multipart body cannot be parsed', 'bad_multipart');
    }
    const fields: Record<string, string> = {};
    let stored: Promise<{ meter: Meter; objectId: string; key: string; contentType: string; metadata: Record<string, unknown> }> | undefined;
    let meter: Meter | undefined;
    let objectId: string | undefined;
    let lateField: string | undefined;
    /** Why the request already failed: the file part's work stops at its next step instead of storing on. */
    let failure: unknown;

    const outcome = new Promise<EntryView>((resolve, reject) => {
      let settled = false;
      const finish = (error: unknown, view?: EntryView) => {
        if (settled) return;
        settled = true;
        if (error) {
          failure = error;
          req.unpipe(parser);
          meter?.destroy(error instanceof Error ? error : new Error(String(error)));
          reject(error);
        } else resolve(view as EntryView);
      };
      const truncated = () => finish(new UploadTruncatedError('client went away'));
      req.once('aborted', truncated);
      req.once('error', truncated);
      req.once('close', () => {
        if (!req.complete) truncated();
      });
      parser.on('error', () => finish(new ApiError(400, 'The multipart body cannot be parsed', 'bad_multipart')));
      parser.on('partsLimit', () => finish(ApiError.invalid('body', 'maxLength', 'Too many multipart parts')));
      parser.on('filesLimit', () => finish(ApiError.invalid('file', 'maxLength', 'Send exactly one file')));
      parser.on('fieldsLimit', () => finish(ApiError.invalid('body', 'maxLength', 'Too many fields')));
      parser.on('field', (name, value, info) => {
        if (stored) lateField ??= name;
        if (info.valueTruncated) return finish(ApiError.invalid(name, 'maxLength', `${name} may be at most 1 MiB`));
        if (!['key', 'contentType', 'metadata'].includes(name)) return finish(ApiError.invalid(name, 'unknownField', `${name} is not a field of an entry`));
        fields[name] = value;
      });
      parser.on('file', (name, stream, info) => {
        // busboy fails the part's stream when the form ends inside it ("Unexpected end of form"); an
        // 'error' nobody listens to would take the whole process down.
        stream.on('error', () => {
          const cut = new UploadTruncatedError('the multipart body ended inside the file part');
          meter?.destroy(cut);
          finish(cut);
        });
        if (name !== 'file') {
          stream.resume();
          return finish(ApiError.invalid(name, 'unknownField', `Send the file in the part named "file", not "${name}"`));
        }
        stored = (async () => {
          const key = fields['key'] ?? info.filename ?? '';
          const contentType = fields['contentType'] ?? (info.mimeType && info.mimeType !== 'application/octet-stream' ? info.mimeType : 'application/octet-stream');
          let metadata: unknown = {};
          if (fields['metadata'] !== undefined) {
            try {
              metadata = JSON.parse(fields['metadata']);
            } catch {
              throw ApiError.invalid('metadata', 'json', 'metadata must be a JSON object');
            }
          }
          const problems = entryProblems(dataset, { key, contentType, metadata });
          if (problems.length) throw ApiError.validation(problems);
          await this.entries.assertKeyFree(this.db, dataset.id, key);
          if (failure) throw failure;
          objectId = newObjectId();
          await this.garbage.lease(objectId);
          // The part may have failed while we waited (a form that ends inside it): piping a dead stream
          // would leave the store waiting for bytes forever.
          if (failure) throw failure;
          meter = new Meter(claims.maxBytes);
          stream.once('limit', () => meter?.destroy(new PayloadTooLargeError('file too large')));
          stream.pipe(meter);
          await this.storage.put(objectId, meter, contentType);
          return { meter, objectId, key, contentType, metadata: metadata as Record<string, unknown> };
        })();
        stored.catch((error: unknown) => {
          stream.resume();
          finish(error);
        });
      });
      parser.on('close', () => {
        if (!stored) return finish(ApiError.invalid('file', 'required', 'Send the file in a part named "file" (after the other fields)'));
        stored
          .then(async (s) => {
            if (lateField) throw ApiError.invalid(lateField, 'order', 'Send key, contentType and metadata before the file');
            finish(null, await this.commitCreated(dataset.id, s));
          })
          .catch((error: unknown) => finish(error));
      });
      req.pipe(parser);
    });

    try {
      const view = await outcome;
      this.logger.info({ entryId: view.id, requestId: claims.requestId, size: view.size, objectId }, 'entry created with its file');
      return view;
    } catch (error) {
      // The file part's work may still be under way (leasing, storing): let it stop before cleaning up.
      await stored?.catch(() => undefined);
      if (objectId) await this.garbage.abandon(objectId);
      this.logger.info({ datasetId: claims.datasetId, requestId: claims.requestId, reason: (error as Error)?.name }, 'multipart entry not kept');
      throw transferError(error, claims.maxBytes);
    }
  }

  private async commitCreated(
    datasetId: number,
    s: { meter: Meter; objectId: string; key: string; contentType: string; metadata: Record<string, unknown> },
  ): Promise<EntryView> {
    return this.db.transaction(async (m) => {
      const dataset = await this.datasetById(m, datasetId, true);
      await this.releaseLease(m, s.objectId);
      await this.entries.assertKeyFree(m, dataset.id, s.key);
      const rows: EntryRow[] = await m.query(
        `INSERT INTO "catalog"."entries" AS e ("dataset_id", "key", "content_type", "size", "sha256", "metadata", "status", "schema_version", "object_id")
         VALUES ($1, $2, $3, $4, $5, $6, 'uploaded', $7, $8) RETURNING ${ENTRY_COLUMNS}`,
        [dataset.id, s.key, s.contentType, s.meter.bytes, s.meter.sha256, JSON.stringify(s.metadata), dataset.schemaVersion, s.objectId],
      );
      return toEntryView(rows[0] as EntryRow, dataset.schemaVersion);
    });
  }

  /** Streams the request body into a new object, counting and hashing it on the way. */
  private receive(req: IncomingMessage, objectId: string, contentType: string, maxBytes: number): Promise<Meter> {
    const meter = new Meter(maxBytes);
    const truncated = () => meter.destroy(new UploadTruncatedError('client went away'));
    req.once('aborted', truncated);
    req.once('error', truncated);
    req.once('close', () => {
      if (!req.complete) truncated();
    });
    req.pipe(meter);
    return this.storage.put(objectId, meter, contentType).then(() => {
      if (meter.sha256 === null) throw new UploadTruncatedError('body did not end');
      return meter;
    });
  }

  private async releaseLease(m: Pick<EntityManager, 'query'>, objectId: string): Promise<void> {
    if (!(await this.garbage.release(m, objectId))) {
      throw new ApiError(409, 'The upload took longer than the upload lease; nothing was kept', 'upload_expired');
    }
  }

  private async datasetById(m: Pick<EntityManager, 'query'>, id: number, lock = false): Promise<DatasetRow> {
    const rows: DatasetRow[] = await m.query(
      `SELECT "id", "organization_id" AS "organizationId", "cluster_id" AS "clusterId", "slug", "visibility",
         "schema_fields" AS "schemaFields", "schema_version" AS "schemaVersion" FROM "catalog"."datasets" WHERE "id" = $1${lock ? ' FOR SHARE' : ''}`,
      [id],
    );
    if (!rows[0]) throw ApiError.notFound('Dataset not found');
    return rows[0];
  }

  private checksumHeader(req: IncomingMessage): string | null {
    const raw = req.headers[CHECKSUM_HEADER];
    if (raw === undefined) return null;
    const value = (Array.isArray(raw) ? raw[0] : raw)?.trim().toLowerCase() ?? '';
    if (!SHA256_HEX.test(value)) throw ApiError.invalid(CHECKSUM_HEADER, 'regex', `${CHECKSUM_HEADER} must be 64 hex characters (SHA-256)`);
    return value;
  }

  private uploadContentType(req: IncomingMessage): string | null {
    const raw = req.headers[FILE_CONTENT_TYPE_HEADER];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value === undefined || value === '') return null;
    const problem = entryProblems({ schemaFields: {} } as DatasetRow, { contentType: value })[0];
    if (problem) throw ApiError.invalid('content-type', problem.rule, 'content-type must be a media type such as application/pdf');
    return value;
  }
}
