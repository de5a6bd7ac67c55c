import { SLUG_MAX_LENGTH, SLUG_PATTERN } from '@alien/slug';
import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';

/** A required display name: 1–200 characters, not blank. */
export function NameField(example: string, options: { optional?: boolean } = {}): PropertyDecorator {
  return applyDecorators(
    options.optional ? ApiPropertyOptional({ minLength: 1, maxLength: 200, example }) : ApiProperty({ minLength: 1, maxLength: 200, example }),
    ...(options.optional ? [IsOptional()] : []),
    IsString(),
    Length(1, 200),
    Matches(/\S/, { message: 'name must not be blank' }),
  );
}

/** An optional slug (`^[a-z0-9_-]+$`, ≤ 100), derived from the name when omitted at creation. */
export function SlugField(description = 'Derived from name when omitted'): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ pattern: SLUG_PATTERN.source, description }),
    IsOptional(),
    IsString(),
    MaxLength(SLUG_MAX_LENGTH),
    Matches(SLUG_PATTERN, { message: `slug must match ${SLUG_PATTERN.source}` }),
  );
}
