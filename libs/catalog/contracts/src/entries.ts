import { Page } from '@alien/envelope';
import { rpc } from '@alien/contracts';
import { DeletedReply, ListRequest } from './views';

export const ENTRY_STATUSES = ['pending', 'uploaded', 'processing', 'ready', 'failed'] as const;
export type EntryStatus = (typeof ENTRY_STATUSES)[number];
/** What PATCH may set: `pending` and `uploaded` follow from the file itself. */
export const ENTRY_PATCH_STATUSES = ['processing', 'ready', 'failed'] as const;

export const ENTRY_KEY_MAX_LENGTH = 1024;

/** One document of a dataset: its metadata and (once uploaded) its file. */
export interface EntryView {
  id: number;
  datasetId: number;
  /** A file name, unique within the dataset (`reports/2024.pdf`). Never a storage path. */
  key: string;
  contentType: string | null;
  size: number | null;
  sha256: string | null;
  metadata: Record<string, unknown>;
  status: EntryStatus;
  /** The dataset schema version the metadata (or processing) last matched. */
  schemaVersion: number;
  /** The dataset's schema changed since: the entry should be processed again. */
  needsReprocessing: boolean;
  createdAt: string;
  updatedAt: string;
}

export const ENTRY_ORDER_BY = ['key', 'createdAt', 'updatedAt', 'size'] as const;
export type EntryOrderBy = (typeof ENTRY_ORDER_BY)[number];

export type EntryListRequest = ListRequest<EntryOrderBy, { datasetId: number; status?: EntryStatus }>;

export interface EntryCreateRequest {
  datasetId: number;
  key: string;
  contentType?: string | null;
  metadata?: Record<string, unknown>;
}

export interface EntryPatch {
  key?: string;
  contentType?: string | null;
  metadata?: Record<string, unknown>;
  status?: (typeof ENTRY_PATCH_STATUSES)[number];
}

export interface EntryRef {
  datasetId: number;
  entryId: number;
}

/**
 * Where the gateway streams file bytes: the catalog's own HTTP port (`url`), with a short-lived sealed
 * `ticket` proving that the catalog authorised this operation for this caller. Bytes never go over NATS.
 */
export interface FileTicket {
  url: string;
  ticket: string;
}

/** Header carrying a FileTicket's `ticket` from the gateway to the catalog's file port. */
export const FILE_TICKET_HEADER = 'x-alien-file-ticket';
/** The client's own Content-Type, forwarded next to the transport type (bytes are sent as octet-stream). */
export const FILE_CONTENT_TYPE_HEADER = 'x-alien-content-type';
/** Optional client header: the hex SHA-256 the uploaded bytes must have (mismatch → 422, nothing kept). */
export const CHECKSUM_HEADER = 'x-checksum-sha256';

export const EntryContracts = {
  list: rpc<EntryListRequest, Page<EntryView>>('catalog.entry.list.v1'),
  get: rpc<EntryRef, EntryView>('catalog.entry.get.v1'),
  create: rpc<EntryCreateRequest, EntryView>('catalog.entry.create.v1'),
  update: rpc<EntryRef & { patch: EntryPatch }, EntryView>('catalog.entry.update.v1'),
  remove: rpc<EntryRef, DeletedReply>('catalog.entry.delete.v1'),
  files: {
    /** Authorises a `PUT …/file`; `contentLength` (when the client declared one) is checked against the limit. */
    openUpload: rpc<EntryRef & { contentLength: number | null }, FileTicket>('catalog.entry-file.open-upload.v1'),
    /** Authorises a `GET …/file` (404 while the entry has no file). */
    openDownload: rpc<EntryRef, FileTicket>('catalog.entry-file.open-download.v1'),
    /** Authorises a multipart `POST /datasets/{id}/entries` (metadata and file in one request). */
    openCreate: rpc<{ datasetId: number; contentLength: number | null }, FileTicket>('catalog.entry-file.open-create.v1'),
  },
} as const;
