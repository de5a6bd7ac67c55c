import { STATUS_MESSAGES } from '@alien/envelope';
import { INestApplication, Type, applyDecorators } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  DocumentBuilder,
  OpenAPIObject,
  SwaggerModule,
  getSchemaPath,
} from '@nestjs/swagger';

export class PageMetaDto {
  @ApiProperty({ example: 1 }) currentPage: number;
  @ApiProperty({ example: 42 }) total: number;
  @ApiProperty({ example: 20 }) perPage: number;
  @ApiProperty({ example: 3 }) lastPage: number;
}

export class ValidationMessageDto {
  @ApiProperty({ example: 'slug' }) field: string;
  @ApiProperty({ example: 'regex' }) rule: string;
  @ApiProperty({ example: 'slug must match ^[a-z0-9_-]+$' }) message: string;
}

export class ErrorBodyDto {
  @ApiProperty({ example: 404 }) status: number;
  @ApiPropertyOptional({ example: 'not_found', description: 'Stable machine-readable error code' }) code?: string;
  @ApiPropertyOptional({ type: [ValidationMessageDto], description: 'Only on 422' })
  messages?: ValidationMessageDto[];
}

/** What DELETE routes answer: the id and what happened to it. */
export class DeletedDto {
  @ApiProperty({ example: 7 }) id: number;
  @ApiProperty({ example: true }) deleted: boolean;
}

export class ErrorEnvelopeDto {
  @ApiProperty({ example: false }) success: false;
  @ApiProperty({ example: 'Resource not found' }) message: string;
  @ApiProperty({ type: ErrorBodyDto }) error: ErrorBodyDto;
}

/** `{"success":true,"data":<Dto>}` (or `data: [Dto]` with `isArray`). */
export function ApiEnvelope(model: Type<unknown>, options: { status?: number; isArray?: boolean; description?: string } = {}) {
  const data = options.isArray ? { type: 'array', items: { $ref: getSchemaPath(model) } } : { $ref: getSchemaPath(model) };
  return applyDecorators(
    ApiExtraModels(model),
    ApiResponse({
      status: options.status ?? 200,
      description: options.description ?? 'Success envelope',
      schema: {
        type: 'object',
        required: ['success', 'data'],
        properties: { success: { type: 'boolean', example: true }, data },
      },
    }),
  );
}

/** `{"success":true,"meta":{…},"data":[<Dto>]}`. */
export function ApiPaginated(model: Type<unknown>) {
  return applyDecorators(
    ApiExtraModels(model, PageMetaDto),
    ApiResponse({
      status: 200,
      description: 'Paginated envelope',
      schema: {
        type: 'object',
        required: ['success', 'meta', 'data'],
        properties: {
          success: { type: 'boolean', example: true },
          meta: { $ref: getSchemaPath(PageMetaDto) },
          data: { type: 'array', items: { $ref: getSchemaPath(model) } },
        },
      },
    }),
  );
}

/** Documents the error envelopes a route can answer with. */
export function ApiErrors(...statuses: number[]) {
  return applyDecorators(
    ApiExtraModels(ErrorEnvelopeDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: `${STATUS_MESSAGES[status] ?? 'Error'} (error envelope${status === 422 ? ' with messages' : ''})`,
        schema: { $ref: getSchemaPath(ErrorEnvelopeDto) },
      }),
    ),
  );
}

export function buildOpenApiDocument(app: INestApplication, publicUrl: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Alien Platform API')
    .setDescription(
      [
        'Every response is an envelope: `{"success":true,"data":…}`, paginated lists add `meta`, errors are',
        '`{"success":false,"message":…,"error":{"status":…}}` and validation failures list',
        '`error.messages[{field, rule, message}]` with status 422.',
        '',
        'Authenticate with `Authorization: Bearer oat_…` (API token) or an OIDC JWT',
        '(`Authorization: Bearer <jwt>` or `x-oauth-access-token`). `x-organization-id` selects the organization.',
        'Public routes work without credentials; invalid credentials are always 401.',
      ].join('\n'),
    )
    .setVersion('1')
    .addServer(publicUrl)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: '`oat_…` API token or OIDC JWT' }, 'bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) => `${controller}_${method}`,
    extraModels: [ErrorEnvelopeDto],
  });
  // Any route can also answer what is not listed (500, 503 when a service or NATS is down, 504 when a
  // service is too slow, 413/415 on bodies): say that it is the same error envelope.
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const) {
      const operation = item[method];
      if (operation && !operation.responses['default']) {
        operation.responses['default'] = {
          description: 'Any other error (e.g. 503 service unavailable, 504 service timeout): error envelope',
          content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorEnvelopeDto) } } },
        };
      }
    }
  }
  return document;
}
