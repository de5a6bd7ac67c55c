import { CLUSTER_STATUSES, ClusterFields, ClusterStatus, ClusterView, DEFAULT_HEALTH_PATH, MAX_CLUSTER_SHARES } from '@alien/orchestration/contracts';
import { SLUG_MAX_LENGTH, SLUG_PATTERN, MAX_ID } from '@alien/slug';
import { baseUrlError, fixedPathError } from '@alien/upstream';
import { DescriptionField, IfPresent, IfSet, SlugField, UpstreamSecretField } from '@alien/nest-http';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidationOptions,
} from 'class-validator';

/** http/https, a host, no userinfo, query or fragment (422 rule `url`). */
export function IsUpstreamBaseUrl(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isUrl',
      validator: {
        validate: (value) => baseUrlError(value) === null,
        defaultMessage: (args) => baseUrlError(args?.value, args?.property) ?? 'invalid URL',
      },
    },
    options,
  );
}

/** A path starting with `/` that cannot climb out of the base URL (422 rule `path`). */
export function IsUpstreamPath(options?: ValidationOptions & { query?: boolean }): PropertyDecorator {
  return ValidateBy(
    {
      name: 'path',
      validator: {
        validate: (value, args) => fixedPathError(value, args?.property ?? 'path', { query: options?.query }) === null,
        defaultMessage: (args) => fixedPathError(args?.value, args?.property ?? 'path', { query: options?.query }) ?? 'invalid path',
      },
    },
    options,
  );
}

/** Present → validated, even when null (null is refused by the validators that follow). */
/** Present and not null → validated (null clears the field). */
const NOT_BLANK = /\S/;

export class ClusterDto implements ClusterView {
  @ApiProperty({ example: 5 }) id: number;
  @ApiProperty({ example: 'EU research cluster' }) name: string;
  @ApiProperty({ example: 'eu-research', pattern: SLUG_PATTERN.source }) slug: string;
  @ApiProperty({ type: String, nullable: true }) description: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'eu-west-1' }) region: string | null;
  @ApiProperty({ enum: CLUSTER_STATUSES, description: 'pending: never checked · online/offline: last health check · suspended: until unsuspended' })
  status: ClusterStatus;
  @ApiProperty({ example: 3, description: 'The owning organization' }) organizationId: number;
  @ApiProperty({ example: '/clusters/5/proxy', description: 'Prefix of the Data API through the platform' }) proxyPath: string;
  @ApiProperty({ type: String, nullable: true, description: 'Last successful health check' }) lastSeenAt: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
  @ApiPropertyOptional({ description: 'Owners and admins of the owning organization only', example: 'https://data.example.org' })
  baseUrl?: string;
  @ApiPropertyOptional({ description: 'Owners and admins of the owning organization only', example: '/health' })
  healthPath?: string;
  @ApiPropertyOptional({ description: 'Owners and admins of the owning organization only; the credential itself is never returned' })
  hasCredential?: boolean;
  @ApiPropertyOptional({ type: [Number], description: 'Owners and admins of the owning organization only' })
  sharedWithOrganizationIds?: number[];
}

/** Fields of POST /clusters (every one optional but name and baseUrl). */
export class CreateClusterDto implements ClusterFields {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'EU research cluster' })
  @IsString()
  @Length(1, 200)
  @Matches(NOT_BLANK, { message: 'name must not be blank' })
  name: string;

  @ApiPropertyOptional({ pattern: SLUG_PATTERN.source, description: 'Unique in your organization; derived from name when omitted' })
  @IfPresent()
  @IsString()
  @MaxLength(SLUG_MAX_LENGTH)
  @Matches(SLUG_PATTERN, { message: `slug must match ${SLUG_PATTERN.source}` })
  slug?: string;

  @DescriptionField()
  description?: string | null;

  @ApiProperty({ example: 'https://data.example.org', description: 'http or https, a host, no user:password@, no query; requests go to baseUrl + the rest of the proxy path' })
  @IsUpstreamBaseUrl()
  baseUrl: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 100, example: 'eu-west-1' })
  @IfSet()
  @IsString()
  @MaxLength(100)
  region?: string | null;

  @ApiPropertyOptional({ default: DEFAULT_HEALTH_PATH, description: 'Polled by the health loop; 2xx means online' })
  @IfPresent()
  @IsUpstreamPath({ query: true })
  healthPath?: string;

  @UpstreamSecretField('credential', 'an HTTP header', 'Secret the platform presents to the cluster as `Authorization: Bearer …`. Write-only, encrypted at rest.')
  credential?: string | null;

  @ApiPropertyOptional({ type: [Number], maxItems: MAX_CLUSTER_SHARES, description: 'Other organizations whose members may use the cluster' })
  @IfPresent()
  @IsArray()
  @ArrayMaxSize(MAX_CLUSTER_SHARES)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(MAX_ID, { each: true })
  sharedWithOrganizationIds?: number[];

  @ApiPropertyOptional({ default: false, description: 'A suspended cluster answers 503 through the proxy until unsuspended' })
  @IfPresent()
  @IsBoolean()
  suspended?: boolean;
}

/** PATCH /clusters/{id}: any subset; null clears description, region and credential. */
export class UpdateClusterDto implements Partial<ClusterFields> {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200 })
  @IfPresent()
  @IsString()
  @Length(1, 200)
  @Matches(NOT_BLANK, { message: 'name must not be blank' })
  name?: string;

  @SlugField('A new slug')
  slug?: string;

  @DescriptionField()
  description?: string | null;

  @ApiPropertyOptional({ example: 'https://data.example.org' })
  @IfPresent()
  @IsUpstreamBaseUrl()
  baseUrl?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 100 })
  @IfSet()
  @IsString()
  @MaxLength(100)
  region?: string | null;

  @ApiPropertyOptional()
  @IfPresent()
  @IsUpstreamPath({ query: true })
  healthPath?: string;

  @UpstreamSecretField('credential', 'an HTTP header', 'null removes it')
  credential?: string | null;

  @ApiPropertyOptional({ type: [Number], maxItems: MAX_CLUSTER_SHARES, description: 'Replaces the list' })
  @IfPresent()
  @IsArray()
  @ArrayMaxSize(MAX_CLUSTER_SHARES)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(MAX_ID, { each: true })
  sharedWithOrganizationIds?: number[];

  @ApiPropertyOptional()
  @IfPresent()
  @IsBoolean()
  suspended?: boolean;
}
