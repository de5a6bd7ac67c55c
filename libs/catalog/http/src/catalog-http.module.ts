import { Module } from '@nestjs/common';
import { AiModelsController } from './ai-models/ai-models.controller';
import { CatalogClient } from './catalog.client';
import { CollectionsController } from './collections/collections.controller';
import { DatasetsController } from './datasets/datasets.controller';
import { EntriesController } from './entries/entries.controller';
import { REFERENCE_CONTROLLERS } from './reference-lists/reference-lists.controller';

/** The catalog domain's HTTP routes; the gateway imports this module (it provides the ServiceBus). */
@Module({
  controllers: [...REFERENCE_CONTROLLERS, DatasetsController, EntriesController, CollectionsController, AiModelsController],
  providers: [CatalogClient],
})
export class CatalogHttpModule {}
