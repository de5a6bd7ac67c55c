import { RefFilter, RefView } from '@alien/catalog/contracts';
import { ApiError, ValidationMessage } from '@alien/envelope';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

export type RefTable = 'tags' | 'licenses' | 'providers' | 'sources';

/** Reference-list lookups shared by datasets and AI models. */
@Injectable()
export class References {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * 422 naming each referenced id that does not exist (`licenseId`, `tagIds.1`), so a typo never
   * silently drops a link.
   */
  async assertExist(checks: { field: string; table: RefTable; ids: (number | null | undefined)[] }[], m: EntityManager | DataSource = this.db): Promise<void> {
    const messages: ValidationMessage[] = [];
    for (const check of checks) {
      const ids = check.ids.filter((id): id is number => typeof id === 'number');
      if (!ids.length) continue;
      const rows: { id: number }[] = await m.query(`SELECT "id" FROM "catalog"."${check.table}" WHERE "id" = ANY($1)`, [ids]);
      const found = new Set(rows.map((r) => r.id));
      check.ids.forEach((id, i) => {
        if (typeof id !== 'number' || found.has(id)) return;
        const field = check.ids.length > 1 || check.field.endsWith('Ids') ? `${check.field}.${i}` : check.field;
        messages.push({ field, rule: 'exists', message: `${field}: no ${check.table.replace(/s$/, '')} with id ${id}` });
      });
    }
    if (messages.length) throw ApiError.validation(messages);
  }

  async views(table: RefTable, ids: number[]): Promise<RefView[]> {
    if (!ids.length) return [];
    return this.db.query(`SELECT "id", "slug", "name" FROM "catalog"."${table}" WHERE "id" = ANY($1) ORDER BY "name", "id"`, [ids]);
  }

  /** A filter value as an id (a slug that matches nothing gives -1, so the filter matches nothing). */
  async filterId(table: RefTable, filter: RefFilter | undefined): Promise<number | undefined> {
    if (!filter) return undefined;
    if ('id' in filter) return filter.id;
    const rows: { id: number }[] = await this.db.query(`SELECT "id" FROM "catalog"."${table}" WHERE "slug" = $1`, [filter.slug]);
    return rows[0]?.id ?? -1;
  }
}
