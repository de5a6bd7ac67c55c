import { TimestampedEntity } from '@alien/persistence';
import { Column, Entity } from 'typeorm';

export type EndpointMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type BillingMode = 'fixed' | 'upstream';

@Entity({ name: 'endpoints' })
export class EndpointEntity extends TimestampedEntity {
  @Column({ type: 'integer', name: 'connector_id' })
  connectorId: number;

  @Column({ type: 'varchar', length: 100, name: 'operation_id' })
  operationId: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ type: 'varchar', length: 10 })
  method: EndpointMethod;

  @Column({ type: 'varchar', length: 500 })
  path: string;

  @Column({ type: 'integer', name: 'unit_price_cents' })
  unitPriceCents: number;

  @Column({ type: 'varchar', length: 20, name: 'billing_mode' })
  billingMode: BillingMode;

  /** Units per call when the mode is `fixed`. */
  @Column({ type: 'integer', name: 'billing_units', nullable: true })
  billingUnits: number | null;
}
