import { Module } from '@nestjs/common';
import { AiModelsHandler } from './ai-models/ai-models.handler';
import { AiModelsService } from './ai-models/ai-models.service';
import { CredentialsService } from './ai-models/credentials.service';
import { CollectionsHandler } from './collections/collections.handler';
import { CollectionsService } from './collections/collections.service';
import { DatasetsHandler } from './datasets/datasets.handler';
import { DatasetsService } from './datasets/datasets.service';
import { EntriesHandler } from './entries/entries.handler';
import { EntriesService } from './entries/entries.service';
import { FilesController } from './files/files.controller';
import { FilesHandler } from './files/files.handler';
import { FilesService } from './files/files.service';
import { OrganizationDeletionListener } from './organizations/organization-deletion.listener';

/** Datasets, entries and their files, collections, AI models and their credentials. */
@Module({
  controllers: [DatasetsHandler, EntriesHandler, FilesHandler, FilesController, CollectionsHandler, AiModelsHandler],
  providers: [DatasetsService, EntriesService, FilesService, CollectionsService, AiModelsService, CredentialsService, OrganizationDeletionListener],
})
export class CatalogFeaturesModule {}
