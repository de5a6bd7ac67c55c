import { Module } from '@nestjs/common';
import { CatalogClient } from './catalog.client';
import { REFERENCE_CONTROLLERS } from './reference-lists/reference-lists.controller';

/** The catalog domain's HTTP routes; the gateway imports this module (it provides the ServiceBus). */
@Module({
  controllers: [...REFERENCE_CONTROLLERS],
  providers: [CatalogClient],
})
export class CatalogHttpModule {}
