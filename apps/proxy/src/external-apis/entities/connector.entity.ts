import { TimestampedEntity } from '@alien/persistence';
import { Column, Entity } from 'typeorm';

export type ConnectorAuthType = 'header' | 'query' | 'bearer';
export type ConnectorVisibility = 'public' | 'organizations';

@Entity({ name: 'connectors' })
export class ConnectorEntity extends TimestampedEntity {
  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 100 })
  slug: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ type: 'varchar', length: 2048, name: 'base_url' })
  baseUrl: string;

  @Column({ type: 'varchar', length: 20, name: 'auth_type' })
  authType: ConnectorAuthType;

  /** Header or query parameter name that carries the secret (null for bearer). */
  @Column({ type: 'varchar', length: 100, name: 'auth_name', nullable: true })
  authName: string | null;

  /** KeyRing ciphertext bound to `connector:<id>`. */
  @Column({ type: 'text', name: 'secret_sealed', nullable: true })
  sealedSecret: string | null;

  @Column({ type: 'varchar', length: 20, default: 'public' })
  visibility: ConnectorVisibility;

  @Column({ type: 'integer', array: true, name: 'organization_ids', default: () => "'{}'" })
  organizationIds: number[];
}
