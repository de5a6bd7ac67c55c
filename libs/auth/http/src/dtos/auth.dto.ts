import {
  AccessTokenView,
  CreatedAccessToken,
  INVITATION_STATUSES,
  InvitationStatus,
  InvitationView,
  MemberView,
  OrganizationView,
  USER_TYPES,
  UserType,
  UserView,
} from '@alien/auth/contracts';
import { ABILITIES, Ability, ROLES, Role } from '@alien/identity';
import { NameField, SlugField } from '@alien/nest-http';
import { MAX_ID } from '@alien/slug';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsEmail,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';

const NOT_BLANK = /\S/;
const MAX_EXPIRES_IN_SEC = 5 * 365 * 24 * 3600;

export class RoleDto {
  @ApiProperty({ enum: ROLES }) slug: Role;
  @ApiProperty() organizationId: number;
}

export class UserDto implements UserView {
  @ApiProperty() id: number;
  @ApiProperty({ type: String, nullable: true }) email: string | null;
  @ApiProperty({ type: String, nullable: true }) firstName: string | null;
  @ApiProperty({ type: String, nullable: true }) lastName: string | null;
  @ApiProperty({ enum: USER_TYPES }) userType: UserType;
  @ApiProperty({ enum: ['active', 'deactivated'] }) status: 'active' | 'deactivated';
  @ApiProperty() isPlatformAdmin: boolean;
  @ApiProperty({ type: Number, nullable: true }) currentOrganizationId: number | null;
  @ApiProperty({ type: [RoleDto] }) roles: RoleDto[];
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class UpdateMeDto {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 100 })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsString()
  @MaxLength(100)
  firstName?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 100 })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsString()
  @MaxLength(100)
  lastName?: string | null;
}

export class OrganizationDto implements OrganizationView {
  @ApiProperty() id: number;
  @ApiProperty() name: string;
  @ApiProperty() slug: string;
  @ApiProperty({ type: Number, nullable: true }) createdBy: number | null;
  @ApiProperty({ enum: ROLES, nullable: true, description: "The caller's role" }) role: Role | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class CreateOrganizationDto {
  @NameField('Acme Research')
  name: string;

  @SlugField()
  slug?: string;
}

export class UpdateOrganizationDto {
  @NameField('Acme Research Lab', { optional: true })
  name?: string;

  @SlugField('New slug')
  slug?: string;
}

export class MemberDto implements MemberView {
  @ApiProperty() userId: number;
  @ApiProperty() organizationId: number;
  @ApiProperty({ type: String, nullable: true }) email: string | null;
  @ApiProperty({ type: String, nullable: true }) firstName: string | null;
  @ApiProperty({ type: String, nullable: true }) lastName: string | null;
  @ApiProperty({ enum: USER_TYPES }) userType: UserType;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ enum: ['active', 'deactivated'] }) status: 'active' | 'deactivated';
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class InvitationDto implements InvitationView {
  @ApiProperty() id: number;
  @ApiProperty() organizationId: number;
  @ApiProperty({ description: 'So the invitee knows what they are asked to join' }) organizationName: string;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ enum: INVITATION_STATUSES, description: '`expired`: still `invited` but past `expiresAt`' })
  status: InvitationStatus;
  @ApiProperty({ type: String, nullable: true, description: 'As the inviter sent it (null when invited by userId)' })
  email: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'As the inviter sent it (null when invited by email)' })
  userId: number | null;
  @ApiProperty({ type: Number, nullable: true, description: "The inviting user's id" }) invitedBy: number | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() expiresAt: string;
}

export class RevokedInvitationDto {
  @ApiProperty({ example: 7 }) id: number;
  @ApiProperty({ example: true }) revoked: true;
}

export class InviteMemberDto {
  @ApiPropertyOptional({ description: 'Invite by email (one of email or userId)', example: 'ada@example.org' })
  @ValidateIf((o: InviteMemberDto) => o.userId === undefined)
  @IsEmail({}, { message: 'email must be an email address (or give userId)' })
  @MaxLength(320)
  email?: string;

  @ApiPropertyOptional({ description: 'Invite by user id (one of email or userId)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  userId?: number;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role: Role;
}

export class CreateOrganizationUserDto {
  @ApiProperty({ enum: USER_TYPES, description: '`human`: a person who may sign in with OIDC; `service`: a machine account' })
  @IsIn(USER_TYPES)
  userType: UserType;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Required for a human account; must not belong to any user yet', example: 'ada@example.org' })
  @ValidateIf((o: CreateOrganizationUserDto, v) => o.userType === 'human' || (v !== undefined && v !== null))
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(320)
  email?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 100 })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsString()
  @MaxLength(100)
  firstName?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 100 })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsString()
  @MaxLength(100)
  lastName?: string | null;
}

export class UpdateMemberDto {
  @ApiPropertyOptional({ enum: ROLES })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({ enum: ['active', 'deactivated'] })
  @IsOptional()
  @IsIn(['active', 'deactivated'])
  status?: 'active' | 'deactivated';
}

export class AccessTokenDto implements AccessTokenView {
  @ApiProperty() id: number;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'Last four characters of the token (a hint, not the secret)', example: 'x9Qa' })
  lastFour: string;
  @ApiProperty({ enum: ABILITIES, isArray: true }) abilities: Ability[];
  @ApiProperty({ type: Number, nullable: true, description: 'The only organization the token may act in' })
  organizationId: number | null;
  @ApiProperty({ type: String, nullable: true }) expiresAt: string | null;
  @ApiProperty({ type: String, nullable: true }) lastUsedAt: string | null;
  @ApiProperty() createdAt: string;
}

export class CreatedAccessTokenDto extends AccessTokenDto implements CreatedAccessToken {
  @ApiProperty({ description: 'The secret. Shown once, never again.', example: 'oat_…' }) token: string;
}

export class CreateAccessTokenDto {
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'CI pipeline' })
  @IsString()
  @Length(1, 100)
  @Matches(NOT_BLANK, { message: 'name must not be blank' })
  name: string;

  @ApiPropertyOptional({ description: 'ISO-8601 expiry in the future (or use expiresIn)', example: '2027-01-31T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'expiresAt must be an ISO-8601 date-time' })
  expiresAt?: string;

  @ApiPropertyOptional({ description: 'Lifetime in seconds (or use expiresAt)', minimum: 60, maximum: MAX_EXPIRES_IN_SEC })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(MAX_EXPIRES_IN_SEC)
  expiresIn?: number;

  @ApiPropertyOptional({ enum: ABILITIES, isArray: true, default: ['read', 'write'] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ABILITIES.length)
  @IsIn(ABILITIES, { each: true })
  abilities?: Ability[];

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    description:
      'Restrict the token to one organization (recommended). Omitted: the organization this request acts in. null: unrestricted.',
  })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  organizationId?: number | null;
}

export class RevokedAccessTokenDto {
  @ApiProperty({ example: 7 }) id: number;
  @ApiProperty({ example: true }) revoked: true;
}

export class RemovedMemberDto {
  @ApiProperty({ example: 12 }) userId: number;
  @ApiProperty({ example: true }) removed: true;
}
