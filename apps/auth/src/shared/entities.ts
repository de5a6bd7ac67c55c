import { UserType } from '@alien/auth/contracts';
import { Ability, Role } from '@alien/identity';
import { TimestampedEntity } from '@alien/persistence';
import {
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';

export type Status = 'active' | 'deactivated';

@Entity({ name: 'organizations' })
export class OrganizationEntity extends TimestampedEntity {
  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 100 })
  slug: string;

  @Column({ type: 'integer', name: 'created_by', nullable: true })
  createdBy: number | null;
}

@Entity({ name: 'users' })
export class UserEntity extends TimestampedEntity {
  @Column({ type: 'varchar', length: 320, nullable: true })
  email: string | null;

  @Column({ type: 'varchar', length: 100, name: 'first_name', nullable: true })
  firstName: string | null;

  @Column({ type: 'varchar', length: 100, name: 'last_name', nullable: true })
  lastName: string | null;

  @Column({ type: 'varchar', length: 500, name: 'oidc_issuer', nullable: true })
  oidcIssuer: string | null;

  @Column({ type: 'varchar', length: 255, name: 'oidc_subject', nullable: true })
  oidcSubject: string | null;

  @Column({ type: 'integer', name: 'current_organization_id', nullable: true })
  currentOrganizationId: number | null;

  @Column({ type: 'boolean', name: 'is_platform_admin', default: false })
  isPlatformAdmin: boolean;

  @Column({ type: 'varchar', length: 20, default: 'active' })
  status: Status;

  @Column({ type: 'varchar', length: 20, name: 'user_type', default: 'human' })
  userType: UserType;

  /** Invitations addressed to this email reach the user only when it is verified (or operator-made). */
  @Column({ type: 'boolean', name: 'email_verified', default: false })
  emailVerified: boolean;
}

@Entity({ name: 'memberships' })
export class MembershipEntity extends TimestampedEntity {
  @Column({ type: 'integer', name: 'organization_id' })
  organizationId: number;

  @Column({ type: 'integer', name: 'user_id' })
  userId: number;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;

  @Column({ type: 'varchar', length: 20 })
  role: Role;

  @Column({ type: 'varchar', length: 20, default: 'active' })
  status: Status;
}

@Entity({ name: 'access_tokens' })
export class AccessTokenEntity {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'ALWAYS' })
  id: number;

  @Column({ type: 'integer', name: 'user_id' })
  userId: number;

  @Column({ type: 'integer', name: 'organization_id', nullable: true })
  organizationId: number | null;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'char', length: 64, name: 'token_hash' })
  tokenHash: string;

  @Column({ type: 'char', length: 4, name: 'last_four' })
  lastFour: string;

  @Column({ type: 'varchar', length: 20, array: true })
  abilities: Ability[];

  @Column({ type: 'timestamptz', name: 'expires_at', nullable: true })
  expiresAt: Date | null;

  @Column({ type: 'timestamptz', name: 'last_used_at', nullable: true })
  lastUsedAt: Date | null;

  @Column({ type: 'timestamptz', name: 'revoked_at', nullable: true })
  revokedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;
}

/** Stored statuses; `expired` is only ever computed from `expiresAt`. */
export type StoredInvitationStatus = 'invited' | 'accepted' | 'declined' | 'revoked';

@Entity({ name: 'invitations' })
export class InvitationEntity extends TimestampedEntity {
  @Column({ type: 'integer', name: 'organization_id' })
  organizationId: number;

  @ManyToOne(() => OrganizationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id' })
  organization?: OrganizationEntity;

  /** Lower-cased, as sent; null when invited by user id. */
  @Column({ type: 'varchar', length: 320, nullable: true })
  email: string | null;

  /** As sent; no foreign key (the user may not exist). Null when invited by email. */
  @Column({ type: 'integer', name: 'user_id', nullable: true })
  userId: number | null;

  @Column({ type: 'varchar', length: 20 })
  role: Role;

  @Column({ type: 'varchar', length: 20, default: 'invited' })
  status: StoredInvitationStatus;

  @Column({ type: 'integer', name: 'invited_by', nullable: true })
  invitedBy: number | null;

  @Column({ type: 'timestamptz', name: 'expires_at' })
  expiresAt: Date;

  /** When it was accepted, declined or revoked. */
  @Column({ type: 'timestamptz', name: 'closed_at', nullable: true })
  closedAt: Date | null;
}

export const AUTH_ENTITIES = [OrganizationEntity, UserEntity, MembershipEntity, AccessTokenEntity, InvitationEntity];
