import { EntryStatus, EntryView } from '@alien/catalog/contracts';
import { iso, toNumber } from '../shared/sql';

export const ENTRY_COLUMNS = `e."id", e."dataset_id", e."key", e."content_type", e."size", e."sha256", e."metadata", e."status",
  e."schema_version", e."object_id", e."created_at", e."updated_at"`;

export interface EntryRow {
  id: number;
  dataset_id: number;
  key: string;
  content_type: string | null;
  size: string | null;
  sha256: string | null;
  metadata: Record<string, unknown>;
  status: EntryStatus;
  schema_version: number;
  object_id: string | null;
  created_at: Date;
  updated_at: Date;
}

export function toEntryView(row: EntryRow, datasetSchemaVersion: number): EntryView {
  return {
    id: row.id,
    datasetId: row.dataset_id,
    key: row.key,
    contentType: row.content_type,
    size: toNumber(row.size),
    sha256: row.sha256,
    metadata: row.metadata,
    status: row.status,
    schemaVersion: row.schema_version,
    needsReprocessing: row.schema_version < datasetSchemaVersion,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}
