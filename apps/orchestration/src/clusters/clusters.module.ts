import { Module } from '@nestjs/common';
import { ClusterAccessService } from './cluster-access.service';
import { ClusterHealthService } from './cluster-health.service';
import { ClustersHandler } from './clusters.handler';
import { ClustersService } from './clusters.service';
import { OrganizationDeletedConsumer } from './organization-deleted.consumer';

/** The cluster registry: CRUD, the access decision, the health loop, organization clean-up. */
@Module({
  controllers: [ClustersHandler],
  providers: [ClustersService, ClusterAccessService, ClusterHealthService, OrganizationDeletedConsumer],
  exports: [ClustersService, ClusterAccessService],
})
export class ClustersModule {}
