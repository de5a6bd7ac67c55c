import { TimestampedEntity } from '@alien/persistence';
import { Column, Entity } from 'typeorm';

export type HealthStatus = 'pending' | 'online' | 'offline';

@Entity({ name: 'clusters' })
export class ClusterEntity extends TimestampedEntity {
  @Column({ type: 'integer', name: 'organization_id' })
  organizationId: number;

  @Column({ type: 'integer', name: 'created_by', nullable: true })
  createdBy: number | null;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 100 })
  slug: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ type: 'varchar', length: 2048, name: 'base_url' })
  baseUrl: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  region: string | null;

  @Column({ type: 'varchar', length: 500, name: 'health_path' })
  healthPath: string;

  /** KeyRing ciphertext bound to `cluster:<id>`; never leaves orchestration and the proxy in clear. */
  @Column({ type: 'text', name: 'credential_sealed', nullable: true })
  sealedCredential: string | null;

  @Column({ type: 'integer', array: true, name: 'shared_with_organization_ids', default: () => "'{}'" })
  sharedWithOrganizationIds: number[];

  @Column({ type: 'boolean', default: false })
  suspended: boolean;

  /** What the last health check said; the view shows `suspended` instead while suspended. */
  @Column({ type: 'varchar', length: 20, name: 'health_status', default: 'pending' })
  healthStatus: HealthStatus;

  @Column({ type: 'timestamptz', name: 'last_seen_at', nullable: true })
  lastSeenAt: Date | null;

  @Column({ type: 'timestamptz', name: 'last_checked_at', nullable: true })
  lastCheckedAt: Date | null;

  /** When the health loop checks next (one interval after creation, a change or the last check). */
  @Column({ type: 'timestamptz', name: 'next_check_at' })
  nextCheckAt: Date;

  /** Why the last check failed (for the logs and operators; not part of any view). */
  @Column({ type: 'varchar', length: 500, name: 'last_check_error', nullable: true })
  lastCheckError: string | null;
}
