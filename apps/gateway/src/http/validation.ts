import { ApiError, PageQuery, PageQueryRules, ValidationMessage, parsePageQuery, parseSearch } from '@alien/envelope';
import { parseBatchQuery, parseId, parseSlug } from '@alien/slug';
import { ArgumentMetadata, Injectable, PipeTransform, ValidationError, ValidationPipe } from '@nestjs/common';

/** class-validator constraint → the rule name clients see in `messages[].rule`. */
const RULES: Record<string, string> = {
  isDefined: 'required',
  isNotEmpty: 'required',
  matches: 'regex',
  isString: 'string',
  isInt: 'number',
  isNumber: 'number',
  isBoolean: 'boolean',
  isEmail: 'email',
  isUrl: 'url',
  isIn: 'enum',
  isEnum: 'enum',
  isArray: 'array',
  isObject: 'object',
  isDateString: 'date',
  isISO8601: 'date',
  min: 'min',
  max: 'max',
  minLength: 'minLength',
  maxLength: 'maxLength',
  arrayMaxSize: 'maxLength',
  arrayMinSize: 'minLength',
  whitelistValidation: 'unknownField',
};

export function toValidationMessages(errors: ValidationError[], parent = ''): ValidationMessage[] {
  const out: ValidationMessage[] = [];
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    for (const [constraint, message] of Object.entries(error.constraints ?? {})) {
      out.push({ field, rule: RULES[constraint] ?? constraint, message });
    }
    if (error.children?.length) out.push(...toValidationMessages(error.children, field));
  }
  return out;
}

/**
 * Validates request bodies only. Path and query parameters go through the explicit pipes below, which
 * must see the raw strings (a global transform would turn "1e9999" into Infinity before they look).
 */
class BodyValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'body') return Promise.resolve(value);
    return super.transform(value, metadata);
  }
}

/** Body validation: unknown fields are refused, every failure comes back as one 422 envelope. */
export function createValidationPipe(): ValidationPipe {
  return new BodyValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validateCustomDecorators: false,
    stopAtFirstError: false,
    exceptionFactory: (errors) => ApiError.validation(toValidationMessages(errors)),
  });
}

/** `@Param('id', IdPipe)`: positive int4, else 422 (`number`, `min`, `max`). */
@Injectable()
export class IdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    return parseId(value);
  }
}

/** `@Param('slug', SlugPipe)`: `^[a-z0-9_-]+$`, else 422 rule `regex`. */
@Injectable()
export class SlugPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    return parseSlug(value);
  }
}

/** `@Query(BatchPipe)`: `ids=1,2` or `slugs=a,b`, at most 100. */
@Injectable()
export class BatchPipe implements PipeTransform {
  transform(query: Record<string, unknown>) {
    return parseBatchQuery(query);
  }
}

/** `@Query(new ListQueryPipe(rules))`: page, perPage, orderBy, direction and `q`. */
export class ListQueryPipe<O extends string> implements PipeTransform {
  constructor(private readonly rules: PageQueryRules<O>) {}

  transform(query: Record<string, unknown>): { page: PageQuery<O>; q?: string } {
    const messages: ValidationMessage[] = [];
    let page: PageQuery<O> | undefined;
    let q: string | undefined;
    try {
      page = parsePageQuery(query, this.rules);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      messages.push(...(e.messages ?? []));
    }
    try {
      q = parseSearch(query['q']);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      messages.push(...(e.messages ?? []));
    }
    if (messages.length || !page) throw ApiError.validation(messages);
    return q === undefined ? { page } : { page, q };
  }
}
