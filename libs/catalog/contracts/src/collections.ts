import { Page } from '@alien/envelope';
import { rpc } from '@alien/contracts';
import { BatchQuery, IdOrSlug } from '@alien/slug';
import { ClusterStatus } from '@alien/orchestration/contracts';
import { DatasetOrderBy, DatasetView } from './datasets';
import { DeletedReply, ListRequest, Visibility } from './views';

export interface CollectionView {
  id: number;
  name: string;
  slug: string;
  description: string | null;
  visibility: Visibility;
  organizationId: number;
  /** Datasets of the collection the caller can see. */
  datasetCount: number;
  createdAt: string;
  updatedAt: string;
}

export const COLLECTION_ORDER_BY = ['name', 'createdAt', 'updatedAt'] as const;
export type CollectionOrderBy = (typeof COLLECTION_ORDER_BY)[number];

export type CollectionListRequest = ListRequest<CollectionOrderBy, { visibility?: Visibility }>;

/** By id, or by slug (`organizationId` picks when several visible collections share it). */
export type CollectionGetRequest = IdOrSlug & { organizationId?: number };

export interface CollectionWrite {
  name: string;
  slug?: string;
  description?: string | null;
  visibility?: Visibility;
}

/** What a client needs to fan a search out over the collection's datasets through the cluster proxy. */
export interface CollectionRoutingView {
  collectionId: number;
  clusters: {
    clusterId: number;
    slug: string;
    status: ClusterStatus;
    proxyPath: string;
    datasets: { id: number; slug: string }[];
  }[];
}

export const CollectionContracts = {
  list: rpc<CollectionListRequest, Page<CollectionView>>('catalog.collection.list.v1'),
  get: rpc<CollectionGetRequest, CollectionView>('catalog.collection.get.v1'),
  batch: rpc<BatchQuery, CollectionView[]>('catalog.collection.batch.v1'),
  create: rpc<CollectionWrite, CollectionView>('catalog.collection.create.v1'),
  update: rpc<{ id: number; patch: Partial<CollectionWrite> }, CollectionView>('catalog.collection.update.v1'),
  remove: rpc<{ id: number }, DeletedReply>('catalog.collection.delete.v1'),
  listDatasets: rpc<ListRequest<DatasetOrderBy, { id: number }>, Page<DatasetView>>('catalog.collection.list-datasets.v1'),
  addDatasets: rpc<{ id: number; datasetIds: number[] }, CollectionView>('catalog.collection.add-datasets.v1'),
  removeDataset: rpc<{ id: number; datasetId: number }, CollectionView>('catalog.collection.remove-dataset.v1'),
  routing: rpc<{ id: number }, CollectionRoutingView>('catalog.collection.routing.v1'),
} as const;
