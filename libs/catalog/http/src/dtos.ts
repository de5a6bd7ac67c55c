import {
  AiModelView,
  CollectionRoutingView,
  CollectionView,
  CredentialReadView,
  CredentialsStatus,
  DATASET_TYPES,
  DatasetSchema,
  DatasetSchemaView,
  DatasetType,
  DatasetView,
  ENTRY_KEY_MAX_LENGTH,
  ENTRY_PATCH_STATUSES,
  ENTRY_STATUSES,
  EntryStatus,
  EntryView,
  MODEL_TYPES,
  ModelCredentials,
  ModelType,
  PRICING_TYPES,
  PricingType,
  RefView,
  VISIBILITIES,
  Visibility,
} from '@alien/catalog/contracts';
import { CLUSTER_STATUSES, ClusterStatus } from '@alien/orchestration/contracts';
import { NameField, SlugField } from '@alien/nest-http';
import { MAX_ID } from '@alien/slug';
import { refusedAddressReason } from '@alien/upstream';
import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
} from 'class-validator';

/** Model endpoints may be internal hosts, never link-local (cloud metadata) or unspecified addresses. */
function apiUrlHostProblem(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  let host: string;
  try {
    host = new URL(value).hostname;
  } catch {
    return null;
  }
  const reason = refusedAddressReason(host);
  return reason ? `apiUrl must not point at ${host}: ${reason}` : null;
}

const notNull = (_: object, v: unknown) => v !== null && v !== undefined;
const MAX_TAGS = 50;
const MAX_INT = 2_147_483_647;
const DESCRIPTION_MAX = 100_000;
// eslint-disable-next-line no-control-regex
const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;

// ── Shared ─────────────────────────────────────────────────────────────────────────────────────

export class RefDto implements RefView {
  @ApiProperty({ example: 3 }) id: number;
  @ApiProperty({ example: 'climate' }) slug: string;
  @ApiProperty({ example: 'Climate' }) name: string;
}

function OptionalId(description: string): PropertyDecorator {
  return (target, key) => {
    ApiPropertyOptional({ type: Number, nullable: true, minimum: 1, description })(target, key);
    ValidateIf(notNull)(target, key);
    IsInt()(target, key);
    Min(1)(target, key);
    Max(MAX_ID)(target, key);
  };
}

function TagIds(): PropertyDecorator {
  return (target, key) => {
    ApiPropertyOptional({ type: [Number], maxItems: MAX_TAGS, example: [1, 4] })(target, key);
    IsOptional()(target, key);
    IsArray()(target, key);
    ArrayMaxSize(MAX_TAGS)(target, key);
    IsInt({ each: true })(target, key);
    Min(1, { each: true })(target, key);
    Max(MAX_ID, { each: true })(target, key);
  };
}

function Description(): PropertyDecorator {
  return (target, key) => {
    ApiPropertyOptional({ type: String, nullable: true, maxLength: DESCRIPTION_MAX, description: 'Markdown' })(target, key);
    ValidateIf(notNull)(target, key);
    IsString()(target, key);
    MaxLength(DESCRIPTION_MAX)(target, key);
  };
}

function VisibilityField(): PropertyDecorator {
  return (target, key) => {
    ApiPropertyOptional({ enum: VISIBILITIES, default: 'private' })(target, key);
    IsOptional()(target, key);
    IsIn(VISIBILITIES)(target, key);
  };
}

// ── Datasets ───────────────────────────────────────────────────────────────────────────────────

const SCHEMA_EXAMPLE = { fields: { title: { type: 'string', required: true }, year: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } } } };

export class DatasetSchemaDto implements DatasetSchemaView {
  @ApiProperty({ example: 2, description: 'Starts at 1; grows by one whenever `fields` change' }) version: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'object' },
    example: SCHEMA_EXAMPLE.fields,
    description: 'Field name → {"type": string|number|integer|boolean|date|array|object, "required"?, "items"?, "fields"?}',
  })
  fields: DatasetSchemaView['fields'];
}

export class DatasetDto implements DatasetView {
  @ApiProperty({ example: 42 }) id: number;
  @ApiProperty({ example: 'European parliament speeches' }) name: string;
  @ApiProperty({ example: 'european-parliament-speeches' }) slug: string;
  @ApiProperty({ type: String, nullable: true, description: 'Markdown' }) description: string | null;
  @ApiProperty({ enum: DATASET_TYPES }) type: DatasetType;
  @ApiProperty({ type: DatasetSchemaDto }) schema: DatasetSchemaDto;
  @ApiProperty({ type: 'object', additionalProperties: true, example: {} }) pipeline: Record<string, unknown>;
  @ApiProperty({ enum: VISIBILITIES }) visibility: Visibility;
  @ApiProperty({ type: Number, nullable: true }) licenseId: number | null;
  @ApiProperty({ type: Number, nullable: true }) providerId: number | null;
  @ApiProperty({ type: Number, nullable: true }) sourceId: number | null;
  @ApiProperty({ type: [Number] }) tagIds: number[];
  @ApiProperty({ type: RefDto, nullable: true }) license: RefDto | null;
  @ApiProperty({ type: RefDto, nullable: true }) provider: RefDto | null;
  @ApiProperty({ type: RefDto, nullable: true }) source: RefDto | null;
  @ApiProperty({ type: [RefDto] }) tags: RefDto[];
  @ApiProperty({ example: 5 }) clusterId: number;
  @ApiProperty({ example: 0, description: 'Integer cents' }) accessPrice: number;
  @ApiProperty({ example: 7 }) organizationId: number;
  @ApiProperty({ example: 1200 }) entryCount: number;
  @ApiProperty({ example: '2026-11-29T08:00:00.000Z' }) createdAt: string;
  @ApiProperty({ example: '2026-11-29T08:00:00.000Z' }) updatedAt: string;
}

export class CreateDatasetDto {
  @NameField('European parliament speeches')
  name: string;

  @SlugField('Derived from name when omitted; unique within the cluster')
  slug?: string;

  @Description()
  description?: string | null;

  @ApiProperty({ enum: DATASET_TYPES })
  @IsIn(DATASET_TYPES)
  type: DatasetType;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: SCHEMA_EXAMPLE, description: 'Metadata schema of the entries' })
  @IsOptional()
  @IsObject()
  schema?: DatasetSchema;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: {} })
  @IsOptional()
  @IsObject()
  pipeline?: Record<string, unknown>;

  @VisibilityField()
  visibility?: Visibility;

  @OptionalId('A license (GET /licenses)')
  licenseId?: number | null;

  @OptionalId('A provider (GET /providers)')
  providerId?: number | null;

  @OptionalId('A source (GET /sources)')
  sourceId?: number | null;

  @TagIds()
  tagIds?: number[];

  @ApiProperty({ example: 5, description: 'A cluster visible to your organization' })
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  clusterId: number;

  @ApiPropertyOptional({ example: 0, minimum: 0, description: 'Integer cents' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_INT)
  accessPrice?: number;
}

/** Everything but `clusterId` (a dataset does not move between clusters: 422 unknownField). */
export class UpdateDatasetDto extends PartialType(OmitType(CreateDatasetDto, ['clusterId'] as const)) {}

// ── Entries ────────────────────────────────────────────────────────────────────────────────────

export class EntryDto implements EntryView {
  @ApiProperty({ example: 9 }) id: number;
  @ApiProperty({ example: 42 }) datasetId: number;
  @ApiProperty({ example: 'speeches/2024-05-31.txt' }) key: string;
  @ApiProperty({ type: String, nullable: true, example: 'text/plain' }) contentType: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 18230 }) size: number | null;
  @ApiProperty({ type: String, nullable: true, example: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' }) sha256: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { title: 'Opening session', year: 2024 } }) metadata: Record<string, unknown>;
  @ApiProperty({ enum: ENTRY_STATUSES }) status: EntryStatus;
  @ApiProperty({ example: 2 }) schemaVersion: number;
  @ApiProperty({ example: false }) needsReprocessing: boolean;
  @ApiProperty({ example: '2026-11-29T08:00:00.000Z' }) createdAt: string;
  @ApiProperty({ example: '2026-11-29T08:00:00.000Z' }) updatedAt: string;
}

function EntryKey(optional: boolean): PropertyDecorator {
  return (target, key) => {
    const doc = { maxLength: ENTRY_KEY_MAX_LENGTH, example: 'speeches/2024-05-31.txt', description: 'A file name, unique within the dataset' };
    (optional ? ApiPropertyOptional(doc) : ApiProperty(doc))(target, key);
    if (optional) IsOptional()(target, key);
    IsString()(target, key);
    Length(1, ENTRY_KEY_MAX_LENGTH)(target, key);
  };
}

export class CreateEntryDto {
  @EntryKey(false)
  key: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'text/plain' })
  @ValidateIf(notNull)
  @IsString()
  @MaxLength(255)
  contentType?: string | null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { title: 'Opening session', year: 2024 } })
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;
}

export class UpdateEntryDto {
  @EntryKey(true)
  key?: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'text/plain' })
  @ValidateIf(notNull)
  @IsString()
  @MaxLength(255)
  contentType?: string | null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;

  @ApiPropertyOptional({ enum: ENTRY_PATCH_STATUSES, description: 'Processing progress; needs a file' })
  @IsOptional()
  @IsIn(ENTRY_PATCH_STATUSES)
  status?: (typeof ENTRY_PATCH_STATUSES)[number];
}

// ── Collections ────────────────────────────────────────────────────────────────────────────────

export class CollectionDto implements CollectionView {
  @ApiProperty({ example: 3 }) id: number;
  @ApiProperty({ example: 'Parliaments' }) name: string;
  @ApiProperty({ example: 'parliaments' }) slug: string;
  @ApiProperty({ type: String, nullable: true }) description: string | null;
  @ApiProperty({ enum: VISIBILITIES }) visibility: Visibility;
  @ApiProperty({ example: 7 }) organizationId: number;
  @ApiProperty({ example: 4, description: 'Datasets of the collection you can see' }) datasetCount: number;
  @ApiProperty({ example: '2026-11-29T08:00:00.000Z' }) createdAt: string;
  @ApiProperty({ example: '2026-11-29T08:00:00.000Z' }) updatedAt: string;
}

export class CreateCollectionDto {
  @NameField('Parliaments')
  name: string;

  @SlugField('Derived from name when omitted; unique within your organization')
  slug?: string;

  @Description()
  description?: string | null;

  @VisibilityField()
  visibility?: Visibility;
}

export class UpdateCollectionDto extends PartialType(CreateCollectionDto) {}

export class AddDatasetsDto {
  @ApiProperty({ type: [Number], minItems: 1, maxItems: 100, example: [42, 43] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(MAX_ID, { each: true })
  datasetIds: number[];
}

export class RoutingDatasetDto {
  @ApiProperty({ example: 42 }) id: number;
  @ApiProperty({ example: 'european-parliament-speeches' }) slug: string;
}

export class RoutingClusterDto {
  @ApiProperty({ example: 5 }) clusterId: number;
  @ApiProperty({ example: 'eu-west' }) slug: string;
  @ApiProperty({ enum: CLUSTER_STATUSES }) status: ClusterStatus;
  @ApiProperty({ example: '/clusters/5/proxy' }) proxyPath: string;
  @ApiProperty({ type: [RoutingDatasetDto] }) datasets: RoutingDatasetDto[];
}

export class CollectionRoutingDto implements CollectionRoutingView {
  @ApiProperty({ example: 3 }) collectionId: number;
  @ApiProperty({ type: [RoutingClusterDto] }) clusters: RoutingClusterDto[];
}

// ── AI models ──────────────────────────────────────────────────────────────────────────────────

export class AiModelDto implements AiModelView {
  @ApiProperty({ example: 12 }) id: number;
  @ApiProperty({ example: 'GPT-4o mini' }) name: string;
  @ApiProperty({ example: 'gpt-4o-mini' }) slug: string;
  @ApiProperty({ type: String, nullable: true }) description: string | null;
  @ApiProperty({ type: String, nullable: true, example: '2024-07-18' }) version: string | null;
  @ApiProperty({ enum: MODEL_TYPES }) modelType: ModelType;
  @ApiProperty({ type: Number, nullable: true }) providerId: number | null;
  @ApiProperty({ type: RefDto, nullable: true }) provider: RefDto | null;
  @ApiProperty({ example: 'https://api.openai.com/v1', description: 'OpenAI-compatible base URL' }) apiUrl: string;
  @ApiProperty({ enum: PRICING_TYPES }) pricingType: PricingType;
  @ApiProperty({ type: Number, nullable: true, example: 0.00000015 }) pricePerInputToken: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 0.0000006 }) pricePerOutputToken: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 128000 }) contextWindow: number | null;
  @ApiProperty({ type: [Number] }) tagIds: number[];
  @ApiProperty({ type: [RefDto] }) tags: RefDto[];
  @ApiProperty({ enum: VISIBILITIES }) visibility: Visibility;
  @ApiProperty({ type: Number, nullable: true, description: 'null: provided by the platform' }) organizationId: number | null;
  @ApiProperty({ description: 'Whether an API key is provisioned (GET …/credentials returns it)' }) hasCredentials: boolean;
  @ApiProperty({ example: '2026-11-29T08:00:00.000Z' }) createdAt: string;
  @ApiProperty({ example: '2026-11-29T08:00:00.000Z' }) updatedAt: string;
}

function Price(): PropertyDecorator {
  return (target, key) => {
    ApiPropertyOptional({ type: Number, nullable: true, minimum: 0, example: 0.00000015 })(target, key);
    ValidateIf(notNull)(target, key);
    IsNumber({ allowNaN: false, allowInfinity: false })(target, key);
    Min(0)(target, key);
    Max(1_000_000)(target, key);
  };
}

export class CreateAiModelDto {
  @NameField('GPT-4o mini')
  name: string;

  @SlugField('Derived from name when omitted; unique per owner (the platform or one organization)')
  slug?: string;

  @Description()
  description?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 100, example: '2024-07-18' })
  @ValidateIf(notNull)
  @IsString()
  @MaxLength(100)
  version?: string | null;

  @ApiProperty({ enum: MODEL_TYPES })
  @IsIn(MODEL_TYPES)
  modelType: ModelType;

  @OptionalId('A provider (GET /providers)')
  providerId?: number | null;

  @ApiProperty({ example: 'https://api.openai.com/v1', description: 'OpenAI-compatible base URL' })
  @IsString()
  @MaxLength(2048)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  @ValidateBy({
    name: 'url',
    validator: {
      validate: (value: unknown) => apiUrlHostProblem(value) === null,
      defaultMessage: (args) => apiUrlHostProblem(args?.value) ?? 'apiUrl is not allowed',
    },
  })
  apiUrl: string;

  @ApiProperty({ enum: PRICING_TYPES })
  @IsIn(PRICING_TYPES)
  pricingType: PricingType;

  @Price()
  pricePerInputToken?: number | null;

  @Price()
  pricePerOutputToken?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 1, example: 128000 })
  @ValidateIf(notNull)
  @IsInt()
  @Min(1)
  @Max(MAX_INT)
  contextWindow?: number | null;

  @TagIds()
  tagIds?: number[];

  @VisibilityField()
  visibility?: Visibility;

  @ApiPropertyOptional({ type: Number, nullable: true, description: 'null: a platform model (platform admins); omitted: your organization (admins)' })
  @ValidateIf(notNull)
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  organizationId?: number | null;
}

/** Everything but the owner (`organizationId`), which never changes. */
export class UpdateAiModelDto extends PartialType(OmitType(CreateAiModelDto, ['organizationId'] as const)) {}

export class PutCredentialsDto {
  @ApiProperty({ example: 'sk-…', maxLength: 4096, description: 'Stored encrypted; replaces the previous key at once' })
  @IsString()
  @Length(1, 4096)
  @Matches(NO_CONTROL, { message: 'apiKey must not contain control characters' })
  apiKey: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: '2027-01-01T00:00:00Z' })
  @ValidateIf(notNull)
  @IsISO8601({ strict: true })
  expiresAt?: string | null;
}

export class CredentialsStatusDto implements CredentialsStatus {
  @ApiProperty({ example: 12 }) modelId: number;
  @ApiProperty({ example: true }) provisioned: true;
  @ApiProperty({ type: String, nullable: true }) expiresAt: string | null;
  @ApiProperty({ example: '2026-11-29T08:00:00.000Z' }) updatedAt: string;
}

export class CredentialsDto implements ModelCredentials {
  @ApiProperty({ example: 'https://api.openai.com/v1' }) apiUrl: string;
  @ApiProperty({ example: 'sk-…' }) apiKey: string;
  @ApiProperty({ type: String, nullable: true }) expiresAt: string | null;
}

export class RevokedDto {
  @ApiProperty({ example: 12 }) id: number;
  @ApiProperty({ example: true }) revoked: true;
}

export class CredentialReadDto implements CredentialReadView {
  @ApiProperty() id: number;
  @ApiProperty() modelId: number;
  @ApiProperty({ type: Number, nullable: true }) userId: number | null;
  @ApiProperty({ type: Number, nullable: true }) organizationId: number | null;
  @ApiProperty({ type: Number, nullable: true }) tokenId: number | null;
  @ApiProperty({ enum: ['http', 'worker'] }) via: 'http' | 'worker';
  @ApiProperty({ type: String, nullable: true }) requestId: string | null;
  @ApiProperty() createdAt: string;
}
