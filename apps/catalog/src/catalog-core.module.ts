import { EVENT_BUS_OPTIONS, EventBus } from '@alien/nest-service';
import { KeyRing } from '@alien/secrets';
import { DynamicModule, Global, Module } from '@nestjs/common';
import path from 'node:path';
import { CLUSTERS_CLIENT_OPTIONS, ClustersClient, ClustersClientOptions } from './clusters/clusters.client';
import { CatalogConfig } from './config';
import { FILES_OPTIONS, FILE_TICKETS } from './files/files.service';
import { FileTickets } from './files/file-tickets';
import { KEY_RING } from './shared/key-ring';
import { References } from './shared/references';
import { LocalStorage } from './storage/local-storage';
import { OBJECT_STORAGE, ObjectStorage } from './storage/object-storage';
import { S3Storage } from './storage/s3-storage';
import { STORAGE_GARBAGE_OPTIONS, StorageGarbage } from './storage/storage-garbage.service';

export function createObjectStorage(config: CatalogConfig): ObjectStorage {
  if (config.STORAGE_DRIVER === 'local') return new LocalStorage(path.resolve(config.STORAGE_DIR));
  return new S3Storage({
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    bucket: config.S3_BUCKET as string,
    keyPrefix: config.S3_KEY_PREFIX,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    credentials:
      config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY
        ? { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY }
        : undefined,
  });
}

/** What the catalog's features share, built once from configuration. */
@Global()
@Module({})
export class CatalogCoreModule {
  static forRoot(config: CatalogConfig): DynamicModule {
    const ring = new KeyRing(config.SECRETS_KEY_RING);
    return {
      module: CatalogCoreModule,
      providers: [
        { provide: KEY_RING, useValue: ring },
        { provide: FILE_TICKETS, useValue: new FileTickets(ring, config.FILE_TICKET_TTL_SEC * 1000) },
        { provide: OBJECT_STORAGE, useFactory: () => createObjectStorage(config) },
        {
          provide: STORAGE_GARBAGE_OPTIONS,
          useValue: { uploadLeaseSec: config.UPLOAD_LEASE_SEC, sweepIntervalMs: config.STORAGE_SWEEP_INTERVAL_MS },
        },
        { provide: FILES_OPTIONS, useValue: { maxBytes: config.MAX_ENTRY_FILE_BYTES, internalUrl: config.FILES_INTERNAL_URL, host: config.HOST } },
        {
          provide: CLUSTERS_CLIENT_OPTIONS,
          useValue: { nats: config, timeoutMs: config.ORCHESTRATION_RPC_TIMEOUT_MS } satisfies ClustersClientOptions,
        },
        // The catalog publishes no events of its own; it consumes auth's (organization deletions).
        { provide: EVENT_BUS_OPTIONS, useValue: { url: config.NATS_URL, prefix: config.NATS_SUBJECT_PREFIX, name: 'catalog', streams: [] } },
        EventBus,
        StorageGarbage,
        References,
        ClustersClient,
      ],
      exports: [KEY_RING, FILE_TICKETS, OBJECT_STORAGE, FILES_OPTIONS, EventBus, StorageGarbage, References, ClustersClient],
    };
  }
}
