import { RefFilter } from '@alien/catalog/contracts';
import { ApiError, ValidationMessage } from '@alien/envelope';
import { ListQueryPipe } from '@alien/nest-http';
import { idError, slugError } from '@alien/slug';
import { PipeTransform } from '@nestjs/common';

/** Collects 422 messages from several parsers so a request hears about every bad parameter at once. */
export class QueryErrors {
  readonly messages: ValidationMessage[] = [];

  run<T>(parse: () => T): T | undefined {
    try {
      return parse();
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      this.messages.push(...(e.messages ?? [{ field: 'query', rule: 'invalid', message: e.message }]));
      return undefined;
    }
  }

  add(message: ValidationMessage | null): void {
    if (message) this.messages.push(message);
  }

  throwIfAny(): void {
    if (this.messages.length) throw ApiError.validation(this.messages);
  }
}

function single(raw: unknown, field: string): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string') throw ApiError.invalid(field, 'string', `${field} must be given once`);
  return raw;
}

/** `?tag=3` (an id) or `?tag=climate` (a slug). */
export function idOrSlugParam(raw: unknown, field: string): RefFilter | undefined {
  const value = single(raw, field);
  if (value === undefined) return undefined;
  if (/^-?[0-9]+$/.test(value)) {
    const error = idError(field, value);
    if (error) throw ApiError.validation([error]);
    return { id: Number(value) };
  }
  const error = slugError(field, value);
  if (error) throw ApiError.validation([{ ...error, message: `${field} must be an id or a slug (${error.message})` }]);
  return { slug: value };
}

export function idParam(raw: unknown, field: string): number | undefined {
  const value = single(raw, field);
  if (value === undefined) return undefined;
  const error = idError(field, value);
  if (error) throw ApiError.validation([error]);
  return Number(value);
}

export function enumParam<T extends string>(raw: unknown, field: string, values: readonly T[]): T | undefined {
  const value = single(raw, field);
  if (value === undefined) return undefined;
  if (!(values as readonly string[]).includes(value)) throw ApiError.invalid(field, 'enum', `${field} must be one of: ${values.join(', ')}`);
  return value as T;
}

/** A list pipe plus the route's own filters: `filters(query, errors)` returns them, errors collect. */
export class FilteredListPipe<O extends string, F extends object> implements PipeTransform {
  constructor(
    private readonly base: ListQueryPipe<O>,
    private readonly filters: (query: Record<string, unknown>, errors: QueryErrors) => F,
  ) {}

  transform(query: Record<string, unknown>) {
    const errors = new QueryErrors();
    const list = errors.run(() => this.base.transform(query));
    const filters = this.filters(query, errors);
    errors.throwIfAny();
    return { ...(list as NonNullable<typeof list>), ...filters };
  }
}
