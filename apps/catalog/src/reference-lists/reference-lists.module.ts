import { Module } from '@nestjs/common';
import { REFERENCE_HANDLERS } from './reference-lists.handler';
import { ReferenceListsService } from './reference-lists.service';

@Module({
  controllers: REFERENCE_HANDLERS,
  providers: [ReferenceListsService],
  exports: [ReferenceListsService],
})
export class ReferenceListsModule {}
