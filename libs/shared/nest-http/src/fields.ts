import { SLUG_MAX_LENGTH, SLUG_PATTERN } from '@alien/slug';
import { HEADER_SAFE_VALUE } from '@alien/upstream';
import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length, Matches, MaxLength, ValidateIf } from 'class-validator';

/**
 * Validate the field when it was sent at all: `null` is then a value and fails the field's rules
 * (IsOptional would let `{"name": null}` through to the service).
 */
export const IfPresent = () => ValidateIf((_: unknown, v: unknown) => v !== undefined);

/** Validate the field when it holds a value: `null` is accepted (it clears a nullable field). */
export const IfSet = () => ValidateIf((_: unknown, v: unknown) => v !== undefined && v !== null);

/** A required display name: 1–200 characters, not blank (optional on PATCH: absent, never null).  */
export function NameField(example: string, options: { optional?: boolean } = {}): PropertyDecorator {
  return applyDecorators(
    options.optional ? ApiPropertyOptional({ minLength: 1, maxLength: 200, example }) : ApiProperty({ minLength: 1, maxLength: 200, example }),
    ...(options.optional ? [IfPresent()] : []),
    IsString(),
    Length(1, 200),
    Matches(/\S/, { message: 'name must not be blank' }),
  );
}

/** An optional slug (`^[a-z0-9_-]+$`, ≤ 100), derived from the name when omitted at creation. */
export function SlugField(description = 'Derived from name when omitted'): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ pattern: SLUG_PATTERN.source, description }),
    IfPresent(),
    IsString(),
    MaxLength(SLUG_MAX_LENGTH),
    Matches(SLUG_PATTERN, { message: `slug must match ${SLUG_PATTERN.source}` }),
  );
}

/** An optional markdown/plain description, ≤ `max` characters; `null` clears it. */
export function DescriptionField(max = 2000): PropertyDecorator {
  return applyDecorators(ApiPropertyOptional({ type: String, nullable: true, maxLength: max }), IfSet(), IsString(), MaxLength(max));
}

/**
 * A write-only secret the platform sends upstream (a header, or a query parameter): 1–4096 printable
 * ASCII characters, so it can travel there; `null` removes it. Never shown in a response.
 */
export function UpstreamSecretField(name: string, sentIn: string, description: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: String, nullable: true, writeOnly: true, maxLength: 4096, description }),
    IfSet(),
    IsString(),
    Length(1, 4096),
    Matches(HEADER_SAFE_VALUE, { message: `${name} must be printable ASCII (it is sent in ${sentIn})` }),
  );
}
