import { Page } from '@alien/envelope';
import { rpc } from '@alien/contracts';
import { BatchQuery, IdOrSlug } from '@alien/slug';
import { DeletedReply, ListRequest, RefFilter, RefView, Visibility } from './views';

export const DATASET_TYPES = ['text', 'audio', 'voice', 'images'] as const;
export type DatasetType = (typeof DATASET_TYPES)[number];

export const FIELD_TYPES = ['string', 'number', 'integer', 'boolean', 'date', 'array', 'object'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** One metadata field of a dataset's schema. `items` describes array elements, `fields` an object's. */
export interface FieldSpec {
  type: FieldType;
  required?: boolean;
  description?: string;
  items?: FieldSpec;
  fields?: Record<string, FieldSpec>;
}

export interface DatasetSchema {
  fields: Record<string, FieldSpec>;
}

/** The schema as the view shows it: `version` starts at 1 and grows by one whenever `fields` change. */
export interface DatasetSchemaView extends DatasetSchema {
  version: number;
}

export interface DatasetView {
  id: number;
  name: string;
  slug: string;
  /** Markdown. */
  description: string | null;
  type: DatasetType;
  schema: DatasetSchemaView;
  pipeline: Record<string, unknown>;
  visibility: Visibility;
  licenseId: number | null;
  providerId: number | null;
  sourceId: number | null;
  tagIds: number[];
  license: RefView | null;
  provider: RefView | null;
  source: RefView | null;
  tags: RefView[];
  clusterId: number;
  /** Integer cents. */
  accessPrice: number;
  organizationId: number;
  entryCount: number;
  createdAt: string;
  updatedAt: string;
}

export const DATASET_ORDER_BY = ['name', 'createdAt', 'updatedAt', 'relevance'] as const;
export type DatasetOrderBy = (typeof DATASET_ORDER_BY)[number];

export interface DatasetFilters {
  tag?: RefFilter;
  provider?: RefFilter;
  license?: RefFilter;
  source?: RefFilter;
  type?: DatasetType;
  visibility?: Visibility;
  clusterId?: number;
}

export type DatasetListRequest = ListRequest<DatasetOrderBy, DatasetFilters>;

/** By id, or by slug (then `clusterId` picks among datasets sharing the slug on several clusters). */
export type DatasetGetRequest = IdOrSlug & { clusterId?: number };

export interface DatasetWrite {
  name: string;
  slug?: string;
  description?: string | null;
  type: DatasetType;
  schema?: DatasetSchema;
  pipeline?: Record<string, unknown>;
  visibility?: Visibility;
  licenseId?: number | null;
  providerId?: number | null;
  sourceId?: number | null;
  tagIds?: number[];
  clusterId: number;
  accessPrice?: number;
}

export type DatasetPatch = Partial<Omit<DatasetWrite, 'clusterId'>>;

export const DatasetContracts = {
  list: rpc<DatasetListRequest, Page<DatasetView>>('catalog.dataset.list.v1'),
  get: rpc<DatasetGetRequest, DatasetView>('catalog.dataset.get.v1'),
  batch: rpc<BatchQuery, DatasetView[]>('catalog.dataset.batch.v1'),
  create: rpc<DatasetWrite, DatasetView>('catalog.dataset.create.v1'),
  update: rpc<{ id: number; patch: DatasetPatch }, DatasetView>('catalog.dataset.update.v1'),
  remove: rpc<{ id: number }, DeletedReply>('catalog.dataset.delete.v1'),
} as const;
