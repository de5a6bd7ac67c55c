import { TimestampedEntity } from '@alien/persistence';
import { Column, Entity } from 'typeorm';

/** Columns all four reference lists share. */
export abstract class ReferenceEntity extends TimestampedEntity {
  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 100 })
  slug: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ type: 'varchar', length: 2048, nullable: true })
  url: string | null;
}

@Entity({ name: 'tags' })
export class TagEntity extends ReferenceEntity {}

@Entity({ name: 'providers' })
export class ProviderEntity extends ReferenceEntity {}

@Entity({ name: 'sources' })
export class SourceEntity extends ReferenceEntity {}

@Entity({ name: 'licenses' })
export class LicenseEntity extends ReferenceEntity {
  @Column({ type: 'varchar', length: 100, name: 'spdx_id', nullable: true })
  spdxId: string | null;
}
