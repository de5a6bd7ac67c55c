import {
  AUTH_HEADER_PATTERN,
  AUTH_QUERY_PATTERN,
  CONNECTOR_VISIBILITIES,
  ConnectorAuth,
  ConnectorFields,
  ConnectorView,
  ConnectorVisibility,
  ENDPOINT_METHODS,
  EndpointBilling,
  EndpointFields,
  EndpointMethod,
  EndpointView,
  MAX_PRICE_CENTS,
  MAX_UNITS,
  OPERATION_ID_PATTERN,
  RESERVED_AUTH_HEADERS,
  UsageLine,
  UsageSummary,
} from '@alien/proxy/contracts';
import { MAX_ID, SLUG_PATTERN } from '@alien/slug';
import { baseUrlError, fixedPathError } from '@alien/upstream';
import { DescriptionField, IfPresent, SlugField, UpstreamSecretField } from '@alien/nest-http';
import { ApiProperty, ApiPropertyOptional, ApiPropertyOptions } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsString, Length, Matches, Max, Min, ValidateBy } from 'class-validator';

const NOT_BLANK = /\S/;

function authProblem(value: unknown): string | null {
  const auth = value as { type?: unknown; name?: unknown } | null;
  if (!auth || typeof auth !== 'object' || Array.isArray(auth)) return 'auth must be an object {type, name?}';
  const keys = Object.keys(auth);
  if (auth.type === 'bearer') return keys.every((k) => k === 'type') ? null : 'bearer auth takes no name';
  if (auth.type !== 'header' && auth.type !== 'query') return 'auth.type must be header, query or bearer';
  if (keys.some((k) => k !== 'type' && k !== 'name')) return 'auth has only type and name';
  if (typeof auth.name !== 'string') return `auth.name is required for ${auth.type} auth`;
  if (auth.type === 'header') {
    if (!AUTH_HEADER_PATTERN.test(auth.name)) return 'auth.name must be a header name';
    if (RESERVED_AUTH_HEADERS.includes(auth.name.toLowerCase())) return `the ${auth.name} header cannot carry the secret`;
    return null;
  }
  return AUTH_QUERY_PATTERN.test(auth.name) ? null : 'auth.name must be a query parameter name';
}

function billingProblem(value: unknown): string | null {
  const billing = value as { mode?: unknown; units?: unknown } | null;
  if (!billing || typeof billing !== 'object' || Array.isArray(billing)) return 'billing must be {mode: "fixed", units} or {mode: "upstream"}';
  const keys = Object.keys(billing);
  if (billing.mode === 'upstream') return keys.every((k) => k === 'mode') ? null : 'upstream billing takes its units from the answer';
  if (billing.mode !== 'fixed') return 'billing.mode must be fixed or upstream';
  if (keys.some((k) => k !== 'mode' && k !== 'units')) return 'billing has only mode and units';
  const units = billing.units;
  return Number.isInteger(units) && (units as number) >= 0 && (units as number) <= MAX_UNITS ? null : `billing.units must be an integer from 0 to ${MAX_UNITS}`;
}

/** Validates a whole object with one problem function (422 with the given rule name). */
function Check(rule: string, problem: (value: unknown, property: string) => string | null): PropertyDecorator {
  return ValidateBy({
    name: rule,
    validator: {
      validate: (value, args) => problem(value, args?.property ?? '') === null,
      defaultMessage: (args) => problem(args?.value, args?.property ?? '') ?? 'invalid',
    },
  });
}

// oneOf schemas: swagger's option types do not model them, the document does.
const AUTH_SCHEMA = {
  oneOf: [
    { type: 'object', required: ['type', 'name'], properties: { type: { enum: ['header'] }, name: { type: 'string', example: 'x-api-key' } } },
    { type: 'object', required: ['type', 'name'], properties: { type: { enum: ['query'] }, name: { type: 'string', example: 'key' } } },
    { type: 'object', required: ['type'], properties: { type: { enum: ['bearer'] } } },
  ],
} as unknown as ApiPropertyOptions;
const BILLING_SCHEMA = {
  oneOf: [
    { type: 'object', required: ['mode', 'units'], properties: { mode: { enum: ['fixed'] }, units: { type: 'integer', minimum: 0 } } },
    { type: 'object', required: ['mode'], properties: { mode: { enum: ['upstream'] } }, description: "units from the answer's x-billed-units" },
  ],
} as unknown as ApiPropertyOptions;

export class ConnectorDto implements ConnectorView {
  @ApiProperty({ example: 2 }) id: number;
  @ApiProperty({ example: 'DeepL' }) name: string;
  @ApiProperty({ example: 'deepl', pattern: SLUG_PATTERN.source }) slug: string;
  @ApiProperty({ type: String, nullable: true }) description: string | null;
  @ApiProperty({ ...AUTH_SCHEMA, description: 'Where the secret goes (never the secret)' } as ApiPropertyOptions) auth: ConnectorAuth;
  @ApiProperty({ enum: CONNECTOR_VISIBILITIES }) visibility: ConnectorVisibility;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
  @ApiPropertyOptional({ description: 'Platform admins only' }) baseUrl?: string;
  @ApiPropertyOptional({ description: 'Platform admins only' }) hasSecret?: boolean;
  @ApiPropertyOptional({ type: [Number], description: 'Platform admins only' }) organizationIds?: number[];
}

export class CreateConnectorDto implements ConnectorFields {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'DeepL' })
  @IsString()
  @Length(1, 200)
  @Matches(NOT_BLANK, { message: 'name must not be blank' })
  name: string;

  @SlugField()
  slug?: string;

  @DescriptionField()
  description?: string | null;

  @ApiProperty({ example: 'https://api.deepl.com' })
  @Check('isUrl', (v, p) => baseUrlError(v, p))
  baseUrl: string;

  @ApiProperty(AUTH_SCHEMA)
  @Check('auth', authProblem)
  auth: ConnectorAuth;

  @UpstreamSecretField('secret', 'a header or the query string', 'Write-only, encrypted at rest; null removes it')
  secret?: string | null;

  @ApiPropertyOptional({ enum: CONNECTOR_VISIBILITIES, default: 'public' })
  @IfPresent()
  @IsIn(CONNECTOR_VISIBILITIES)
  visibility?: ConnectorVisibility;

  @ApiPropertyOptional({ type: [Number], description: 'Who may use it when visibility is organizations' })
  @IfPresent()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(MAX_ID, { each: true })
  organizationIds?: number[];
}

export class UpdateConnectorDto implements Partial<ConnectorFields> {
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

  @ApiPropertyOptional()
  @IfPresent()
  @Check('isUrl', (v, p) => baseUrlError(v, p))
  baseUrl?: string;

  @ApiPropertyOptional(AUTH_SCHEMA)
  @IfPresent()
  @Check('auth', authProblem)
  auth?: ConnectorAuth;

  @UpstreamSecretField('secret', 'a header or the query string', 'Write-only, encrypted at rest; null removes it')
  secret?: string | null;

  @ApiPropertyOptional({ enum: CONNECTOR_VISIBILITIES })
  @IfPresent()
  @IsIn(CONNECTOR_VISIBILITIES)
  visibility?: ConnectorVisibility;

  @ApiPropertyOptional({ type: [Number] })
  @IfPresent()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(MAX_ID, { each: true })
  organizationIds?: number[];
}

export class EndpointDto implements EndpointView {
  @ApiProperty({ example: 4 }) id: number;
  @ApiProperty({ example: 2 }) connectorId: number;
  @ApiProperty({ example: 'translate' }) operationId: string;
  @ApiProperty({ type: String, nullable: true }) description: string | null;
  @ApiProperty({ enum: ENDPOINT_METHODS, description: 'Method used towards the third party' }) method: EndpointMethod;
  @ApiProperty({ example: '/v2/translate' }) path: string;
  @ApiProperty({ example: 2 }) unitPriceCents: number;
  @ApiProperty(BILLING_SCHEMA) billing: EndpointBilling;
  @ApiProperty({ example: '/external-apis/2/endpoints/4/proxy' }) proxyPath: string;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class CreateEndpointDto implements EndpointFields {
  @ApiProperty({ pattern: OPERATION_ID_PATTERN.source, example: 'translate' })
  @IsString()
  @Matches(OPERATION_ID_PATTERN, { message: `operationId must match ${OPERATION_ID_PATTERN.source}` })
  operationId: string;

  @DescriptionField()
  description?: string | null;

  @ApiProperty({ enum: ENDPOINT_METHODS })
  @IsIn(ENDPOINT_METHODS)
  method: EndpointMethod;

  @ApiProperty({ example: '/v2/translate', description: 'Appended to the connector base URL; no query string' })
  @Check('path', (v, p) => fixedPathError(v, p))
  path: string;

  @ApiProperty({ minimum: 0, maximum: MAX_PRICE_CENTS, example: 2 })
  @IsInt()
  @Min(0)
  @Max(MAX_PRICE_CENTS)
  unitPriceCents: number;

  @ApiProperty(BILLING_SCHEMA)
  @Check('billing', billingProblem)
  billing: EndpointBilling;
}

export class UpdateEndpointDto implements Partial<EndpointFields> {
  @ApiPropertyOptional({ pattern: OPERATION_ID_PATTERN.source })
  @IfPresent()
  @IsString()
  @Matches(OPERATION_ID_PATTERN, { message: `operationId must match ${OPERATION_ID_PATTERN.source}` })
  operationId?: string;

  @DescriptionField()
  description?: string | null;

  @ApiPropertyOptional({ enum: ENDPOINT_METHODS })
  @IfPresent()
  @IsIn(ENDPOINT_METHODS)
  method?: EndpointMethod;

  @ApiPropertyOptional()
  @IfPresent()
  @Check('path', (v, p) => fixedPathError(v, p))
  path?: string;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_PRICE_CENTS })
  @IfPresent()
  @IsInt()
  @Min(0)
  @Max(MAX_PRICE_CENTS)
  unitPriceCents?: number;

  @ApiPropertyOptional(BILLING_SCHEMA)
  @IfPresent()
  @Check('billing', billingProblem)
  billing?: EndpointBilling;
}

class UsageTotalsDto {
  @ApiProperty() calls: number;
  @ApiProperty() billedCalls: number;
  @ApiProperty() units: number;
  @ApiProperty() costCents: number;
}

class UsageLineDto implements UsageLine {
  @ApiProperty() connectorId: number;
  @ApiProperty() endpointId: number;
  @ApiProperty() operationId: string;
  @ApiProperty({ description: 'Every call, billed or not' }) calls: number;
  @ApiProperty({ description: 'Calls whose answer completed' }) billedCalls: number;
  @ApiProperty() units: number;
  @ApiProperty() costCents: number;
}

export class UsageSummaryDto implements UsageSummary {
  @ApiProperty() organizationId: number;
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiProperty({ type: UsageTotalsDto }) totals: UsageTotalsDto;
  @ApiProperty({ type: [UsageLineDto] }) byEndpoint: UsageLineDto[];
}
