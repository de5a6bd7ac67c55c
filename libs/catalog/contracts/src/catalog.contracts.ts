import { Page, PageQuery } from '@alien/envelope';
import { BatchQuery, IdOrSlug } from '@alien/slug';
import { healthContract, rpc } from '@alien/contracts';
import { AiModelContracts } from './ai-models';
import { CollectionContracts } from './collections';
import { DatasetContracts } from './datasets';
import { EntryContracts } from './entries';
import { DeletedReply } from './views';

/** The four reference lists catalog owns: URL segment → singular subject name. */
export const REFERENCE_KINDS = {
  tags: 'tag',
  providers: 'provider',
  licenses: 'license',
  sources: 'source',
} as const;
export type ReferenceKind = keyof typeof REFERENCE_KINDS;

export const REFERENCE_ORDER_BY = ['id', 'name', 'slug', 'createdAt', 'updatedAt'] as const;
export type ReferenceOrderBy = (typeof REFERENCE_ORDER_BY)[number];

export interface ReferenceItem {
  id: number;
  name: string;
  slug: string;
  description: string | null;
  url: string | null;
  /** Licenses only: the SPDX identifier (e.g. "CC-BY-4.0"); null elsewhere. */
  spdxId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ReferenceListRequest {
  q?: string;
  page: PageQuery<ReferenceOrderBy>;
}

export interface ReferenceCreateRequest {
  name: string;
  slug?: string;
  description?: string | null;
  url?: string | null;
  spdxId?: string | null;
}

export interface ReferenceUpdateRequest {
  id: number;
  patch: Partial<ReferenceCreateRequest>;
}

function referenceContracts(kind: ReferenceKind) {
  const base = `catalog.${REFERENCE_KINDS[kind]}`;
  return {
    list: rpc<ReferenceListRequest, Page<ReferenceItem>>(`${base}.list.v1`),
    get: rpc<IdOrSlug, ReferenceItem>(`${base}.get.v1`),
    batch: rpc<BatchQuery, ReferenceItem[]>(`${base}.batch.v1`),
    create: rpc<ReferenceCreateRequest, ReferenceItem>(`${base}.create.v1`),
    update: rpc<ReferenceUpdateRequest, ReferenceItem>(`${base}.update.v1`),
    remove: rpc<{ id: number }, DeletedReply>(`${base}.delete.v1`),
  };
}

export const CatalogContracts = {
  health: healthContract('catalog'),
  reference: {
    tags: referenceContracts('tags'),
    providers: referenceContracts('providers'),
    licenses: referenceContracts('licenses'),
    sources: referenceContracts('sources'),
  },
  datasets: DatasetContracts,
  entries: EntryContracts,
  collections: CollectionContracts,
  aiModels: AiModelContracts,
} as const;
