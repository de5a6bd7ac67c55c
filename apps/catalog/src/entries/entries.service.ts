import { DeletedReply, EntryCreateRequest, EntryListRequest, EntryPatch, EntryRef, EntryView } from '@alien/catalog/contracts';
import { validateMetadata } from '@alien/catalog/metadata-schema';
import { ApiError, Page, ValidationMessage } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DatasetRow, DatasetsService } from '../datasets/datasets.service';
import { assertWriter } from '../shared/access';
import { SqlParams, containsPattern, returning, sqlDirection } from '../shared/sql';
import { StorageGarbage } from '../storage/storage-garbage.service';
import { ENTRY_COLUMNS, EntryRow, toEntryView } from './entry-view';
import { contentTypeError, entryKeyError } from './entry-rules';

const ORDER_COLUMNS = { key: 'e."key"', createdAt: 'e."created_at"', updatedAt: 'e."updated_at"', size: 'e."size"' } as const;

type Queryable = Pick<EntityManager, 'query'>;

/** The checks every entry write runs: key, content type, and metadata against the dataset's schema. */
export function entryProblems(dataset: DatasetRow, input: { key?: unknown; contentType?: unknown; metadata?: unknown }): ValidationMessage[] {
  const out: ValidationMessage[] = [];
  if (input.key !== undefined) {
    const key = entryKeyError(input.key);
    if (key) out.push(key);
  }
  const type = contentTypeError(input.contentType);
  if (type) out.push(type);
  if (input.metadata !== undefined) out.push(...validateMetadata({ fields: dataset.schemaFields }, input.metadata));
  return out;
}

@Injectable()
export class EntriesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly datasets: DatasetsService,
    private readonly garbage: StorageGarbage,
  ) {}

  /** The entry (of a dataset the caller may see), locked when asked. 404 when either is not there. */
  async row(m: Queryable, datasetId: number, entryId: number, lock = false): Promise<EntryRow> {
    const rows: EntryRow[] = await m.query(
      `SELECT ${ENTRY_COLUMNS} FROM "catalog"."entries" e WHERE e."id" = $1 AND e."dataset_id" = $2${lock ? ' FOR UPDATE' : ''}`,
      [entryId, datasetId],
    );
    if (!rows[0]) throw ApiError.notFound('Entry not found');
    return rows[0];
  }

  async list(ctx: RequestContext, req: EntryListRequest): Promise<Page<EntryView>> {
    const dataset = await this.datasets.visibleRow(ctx, req.datasetId);
    const q = new SqlParams();
    const where = [`e."dataset_id" = ${q.p(dataset.id)}`];
    if (req.status) where.push(`e."status" = ${q.p(req.status)}`);
    if (req.q) where.push(`e."key" ILIKE ${q.p(containsPattern(req.q))} ESCAPE '\\'`);
    const dir = sqlDirection(req.page.direction);
    const nulls = req.page.orderBy === 'size' ? (dir === 'ASC' ? ' NULLS FIRST' : ' NULLS LAST') : '';
    const rows: (EntryRow & { total: string })[] = await this.db.query(
      `SELECT ${ENTRY_COLUMNS}, count(*) OVER () AS "total" FROM "catalog"."entries" e WHERE ${where.join(' AND ')}
       ORDER BY ${ORDER_COLUMNS[req.page.orderBy]} ${dir}${nulls}, e."id" ${dir} LIMIT ${q.p(req.page.perPage)} OFFSET ${q.p((req.page.page - 1) * req.page.perPage)}`,
      q.values,
    );
    let total = Number(rows[0]?.total ?? 0);
    if (!rows.length && req.page.page > 1) {
      const counted: { n: string }[] = await this.db.query(`SELECT count(*) AS "n" FROM "catalog"."entries" e WHERE ${where.join(' AND ')}`, q.values.slice(0, -2));
      total = Number(counted[0]?.n ?? 0);
    }
    return { items: rows.map((r) => toEntryView(r, dataset.schemaVersion)), total, page: req.page.page, perPage: req.page.perPage };
  }

  async get(ctx: RequestContext, ref: EntryRef): Promise<EntryView> {
    const dataset = await this.datasets.visibleRow(ctx, ref.datasetId);
    return toEntryView(await this.row(this.db, dataset.id, ref.entryId), dataset.schemaVersion);
  }

  async create(ctx: RequestContext, req: EntryCreateRequest): Promise<EntryView> {
    const dataset = await this.datasets.visibleRow(ctx, req.datasetId);
    assertWriter(ctx, dataset, 'Dataset');
    const metadata = req.metadata ?? {};
    const problems = entryProblems(dataset, { key: req.key, contentType: req.contentType, metadata });
    if (problems.length) throw ApiError.validation(problems);
    await this.assertKeyFree(this.db, dataset.id, req.key);
    const rows: EntryRow[] = await this.db.query(
      `INSERT INTO "catalog"."entries" AS e ("dataset_id", "key", "content_type", "metadata", "schema_version")
       VALUES ($1, $2, $3, $4, $5) RETURNING ${ENTRY_COLUMNS}`,
      [dataset.id, req.key, req.contentType ?? null, JSON.stringify(metadata), dataset.schemaVersion],
    );
    return toEntryView(rows[0] as EntryRow, dataset.schemaVersion);
  }

  async update(ctx: RequestContext, ref: EntryRef, patch: EntryPatch): Promise<EntryView> {
    return this.db.transaction(async (m) => {
      const dataset = await this.datasets.visibleRow(ctx, ref.datasetId, m);
      assertWriter(ctx, dataset, 'Dataset');
      const entry = await this.row(m, dataset.id, ref.entryId, true);
      const problems = entryProblems(dataset, patch);
      if (problems.length) throw ApiError.validation(problems);
      const q = new SqlParams();
      const set: string[] = [`"updated_at" = now()`];
      if (patch.key !== undefined && patch.key !== entry.key) {
        await this.assertKeyFree(m, dataset.id, patch.key);
        set.push(`"key" = ${q.p(patch.key)}`);
      }
      if (patch.contentType !== undefined) set.push(`"content_type" = ${q.p(patch.contentType)}`);
      // Metadata checked against the current schema, or processing finished under it: up to date again.
      const current = () => set.push(`"schema_version" = ${q.p(dataset.schemaVersion)}`);
      if (patch.metadata !== undefined) {
        set.push(`"metadata" = ${q.p(JSON.stringify(patch.metadata))}`);
        current();
      }
      if (patch.status !== undefined) {
        if (entry.status === 'pending') throw ApiError.conflict('The entry has no file yet: upload it first', 'no_file');
        set.push(`"status" = ${q.p(patch.status)}`);
        if (patch.status === 'ready' && patch.metadata === undefined) current();
      }
      const rows = await returning<EntryRow>(
        m,
        `UPDATE "catalog"."entries" AS e SET ${set.join(', ')} WHERE e."id" = ${q.p(entry.id)} RETURNING ${ENTRY_COLUMNS}`,
        q.values,
      );
      return toEntryView(rows[0] as EntryRow, dataset.schemaVersion);
    });
  }

  /** Deletes the entry and (after the commit) its file. */
  async remove(ctx: RequestContext, ref: EntryRef): Promise<DeletedReply> {
    const objects = await this.db.transaction(async (m) => {
      const dataset = await this.datasets.visibleRow(ctx, ref.datasetId, m);
      assertWriter(ctx, dataset, 'Dataset');
      const entry = await this.row(m, dataset.id, ref.entryId, true);
      const marked = await this.garbage.mark(m, [entry.object_id], 'deleted');
      await m.query(`DELETE FROM "catalog"."entries" WHERE "id" = $1`, [entry.id]);
      return marked;
    });
    await this.garbage.purge(objects);
    return { id: ref.entryId, deleted: true };
  }

  async assertKeyFree(m: Queryable, datasetId: number, key: string): Promise<void> {
    const taken: unknown[] = await m.query(`SELECT 1 FROM "catalog"."entries" WHERE "dataset_id" = $1 AND "key" = $2`, [datasetId, key]);
    if (taken.length) throw ApiError.conflict(`The dataset already has an entry with key "${key}"`, 'key_taken');
  }
}
