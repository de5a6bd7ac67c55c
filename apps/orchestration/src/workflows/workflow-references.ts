import { CatalogContracts } from '@alien/catalog/contracts';
import { ApiError, ValidationMessage } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import { Injectable } from '@nestjs/common';
import { PlatformClients } from '../shared/platform-clients';

export interface WorkflowReferenceFields {
  collectionId?: number | null;
  datasetId?: number | null;
  tagIds?: number[];
  /** Tags the workflow already has: not checked again. */
  savedTagIds?: number[];
}

/**
 * The catalog objects a workflow names, checked with the catalog as the caller sees it: a
 * collection or dataset the caller's organization cannot see is answered exactly like one that does
 * not exist (422 rule `exists` naming the field), so a workflow cannot point at another
 * organization's private collection, nor learn that it exists. Only the fields given are checked
 * (a PATCH that leaves them alone costs no catalog call). Catalog down → 503.
 */
@Injectable()
export class WorkflowReferences {
  constructor(private readonly clients: PlatformClients) {}

  async assertVisible(ctx: RequestContext, refs: WorkflowReferenceFields): Promise<void> {
    const messages: ValidationMessage[] = [];
    const missing = (field: string, what: string, id: number) => messages.push({ field, rule: 'exists', message: `${field}: no ${what} with id ${id} that you can see` });
    const checks: Promise<void>[] = [];
    const { collectionId, datasetId } = refs;
    if (typeof collectionId === 'number') {
      checks.push(this.found(() => this.clients.catalog(CatalogContracts.collections.get, { id: collectionId }, ctx)).then((ok) => void (ok || missing('collectionId', 'collection', collectionId))));
    }
    if (typeof datasetId === 'number') {
      checks.push(this.found(() => this.clients.catalog(CatalogContracts.datasets.get, { id: datasetId }, ctx)).then((ok) => void (ok || missing('datasetId', 'dataset', datasetId))));
    }
    const tagIds = refs.tagIds ?? [];
    const saved = new Set(refs.savedTagIds ?? []);
    const newTags = [...new Set(tagIds.filter((id) => !saved.has(id)))];
    if (newTags.length) {
      checks.push(
        this.clients.catalog(CatalogContracts.reference.tags.batch, { ids: newTags }, ctx).then((tags) => {
          const known = new Set([...saved, ...tags.map((t) => t.id)]);
          tagIds.forEach((id, i) => void (known.has(id) || missing(`tagIds.${i}`, 'tag', id)));
        }),
      );
    }
    await Promise.all(checks);
    if (messages.length) throw ApiError.validation(messages.sort((a, b) => a.field.localeCompare(b.field)));
  }

  /** Whether the call answers; a 404 (absent or invisible) is false, anything else is thrown. */
  private async found(call: () => Promise<unknown>): Promise<boolean> {
    try {
      await call();
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return false;
      throw error;
    }
  }
}
