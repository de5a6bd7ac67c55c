import { ServiceClientFor } from '@alien/nest-http';
import { Injectable } from '@nestjs/common';

/** The catalog service over NATS: `catalog.call(CatalogContracts.reference.tags.get, {id}, ctx)`. */
@Injectable()
export class CatalogClient extends ServiceClientFor('catalog') {}
