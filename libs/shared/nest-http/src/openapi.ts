import { STATUS_MESSAGES } from '@alien/envelope';
import { Type, applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';

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

