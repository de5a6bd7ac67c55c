import { ApiError, PageQuery, PageQueryRules, ValidationMessage, parsePageQuery, parseSearch } from '@alien/envelope';
import { parseBatchQuery, parseId, parseSlug } from '@alien/slug';
import { ArgumentMetadata, Injectable, PipeTransform, ValidationError, ValidationPipe, ValidationPipeOptions } from '@nestjs/common';

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
  // class-validator's own name for @IsISO8601's constraint.
  isIso8601: 'date',
  min: 'min',
  max: 'max',
  minLength: 'minLength',
  maxLength: 'maxLength',
  isLength: 'length',
  arrayMaxSize: 'maxLength',
  arrayMinSize: 'minLength',
  whitelistValidation: 'unknownField',
};

export function toValidationMessages(errors: ValidationError[], parent = ''): ValidationMessage[] {
  const out: ValidationMessage[] = [];
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const constraints = Object.entries(error.constraints ?? {});
    if (error.value === undefined && constraints.length) {
      // A missing field fails every rule it has (string, length, pattern…): say the one thing that matters.
      out.push({ field, rule: 'required', message: `${field} is required` });
    } else {
      for (const [constraint, message] of constraints) out.push({ field, rule: RULES[constraint] ?? constraint, message });
    }
    if (error.children?.length) out.push(...toValidationMessages(error.children, field));
  }
  return out;
}

/** Deeper JSON than any of our DTOs needs; class-transformer recurses, so unbounded depth overflowed the stack (500). */
export const MAX_BODY_DEPTH = 32;

const NUL = '\u0000';

/**
 * Checks what class-validator cannot: nesting depth (walked iteratively, never recursing) and NUL
 * characters in strings and keys, which Postgres refuses in text and jsonb columns. Returns the first problem found.
 */
export function inspectBody(body: unknown): ValidationMessage | null {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value: body, depth: 0, path: '' }];
  while (stack.length) {
    const { value, depth, path } = stack.pop() as { value: unknown; depth: number; path: string };
    if (typeof value === 'string') {
      if (value.includes(NUL)) {
        const field = path || 'body';
        return { field, rule: 'string', message: `${field} must not contain NUL characters` };
      }
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_BODY_DEPTH) {
      return { field: path || 'body', rule: 'maxDepth', message: `The body must not nest deeper than ${MAX_BODY_DEPTH} levels` };
    }
    for (const [key, child] of Object.entries(value)) {
      // Keys too: Postgres refuses NUL anywhere in jsonb (free-form inputs are stored as they come).
      const name = key.includes(NUL) ? key.replaceAll(NUL, '\\u0000') : key;
      const childPath = path ? `${path}.${name}` : name;
      if (name !== key) return { field: childPath, rule: 'string', message: `${childPath}: keys must not contain NUL characters` };
      stack.push({ value: child, depth: depth + 1, path: childPath });
    }
  }
  return null;
}

/**
 * Keys that name members of `Object.prototype` (`constructor`, `toString`, `valueOf`…) or `prototype`:
 * class-transformer skips them when it copies an object (they look like methods of the copy) and Nest
 * strips `constructor` and `prototype`, so without care such keys vanish from free-form JSON (entry
 * metadata, a dataset schema's fields, a run's input) without a word.
 */
const SHADOWED_KEYS: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/** Whether any object in the body has a key of SHADOWED_KEYS (walked iteratively). */
export function usesShadowedKeys(body: unknown): boolean {
  const stack: unknown[] = [body];
  while (stack.length) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null) continue;
    for (const [key, child] of Object.entries(value)) {
      if (SHADOWED_KEYS.has(key)) return true;
      stack.push(child);
    }
  }
  return false;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  // Object.prototype of any realm (a root prototype), or none; class instances sit one level further down.
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** JSON-shaped data of our own making (not an instance of a DTO class): replaced wholesale by what was sent. */
function isPlainData(value: unknown): boolean {
  if (value === undefined || typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) return value.every(isPlainData);
  return isPlainObject(value);
}

/**
 * Puts back what the client sent under a DTO's properties when they are free-form JSON (our DTOs
 * declare nested objects as plain objects, never as classes), and any top-level key the copy dropped
 * (so that whitelisting refuses it as an unknown field instead of ignoring it).
 */
function restoreSent(entity: Record<string, unknown>, sent: Record<string, unknown>): void {
  for (const key of Object.keys(sent)) {
    if (key === 'constructor') continue;
    const value = sent[key];
    const own = Object.prototype.hasOwnProperty.call(entity, key);
    if (!own || (typeof value === 'object' && value !== null && isPlainData(entity[key]))) entity[key] = value;
  }
}

/**
 * Validates request bodies only. Path and query parameters go through the explicit pipes below, which
 * must see the raw strings (a global transform would turn "1e9999" into Infinity before they look).
 */
class BodyValidationPipe extends ValidationPipe {
  /** A copy of the body as sent, while `super.transform()` runs (synchronously up to `validate()`). */
  private sent: Record<string, unknown> | undefined;

  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'body') return Promise.resolve(value);
    const problem = inspectBody(value);
    if (problem) return Promise.reject(ApiError.validation([problem]));
    const nulls = nullsNotAllowed(value, metadata.metatype);
    if (nulls.length) return Promise.reject(ApiError.validation(nulls));
    if (!isPlainObject(value) || !usesShadowedKeys(value)) return super.transform(value, metadata);
    if (Object.prototype.hasOwnProperty.call(value, 'constructor')) {
      return Promise.reject(ApiError.validation([{ field: 'constructor', rule: 'unknownField', message: 'property constructor should not exist' }]));
    }
    this.sent = structuredClone(value);
    try {
      return super.transform(value, metadata);
    } finally {
      this.sent = undefined;
    }
  }

  protected override validate(object: object, validatorOptions?: ValidationPipeOptions): Promise<ValidationError[]> | ValidationError[] {
    const sent = this.sent;
    this.sent = undefined;
    if (sent && !isPlainObject(object)) restoreSent(object as Record<string, unknown>, sent);
    return super.validate(object, validatorOptions);
  }
}

/** Where @nestjs/swagger keeps a DTO property's documented schema (nullable included). */
const SWAGGER_PROPERTY = 'swagger/apiModelProperties';

/**
 * `null` is a value only for fields documented `nullable` (it clears them). Everywhere else it is
 * refused here: optional fields (PartialType, IsOptional) would otherwise let `{"name": null}` through
 * to the service, which then failed (a 500) or stored a null the schema forbids.
 */
export function nullsNotAllowed(body: unknown, metatype: ArgumentMetadata['metatype']): ValidationMessage[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !metatype?.prototype) return [];
  const out: ValidationMessage[] = [];
  for (const [field, v] of Object.entries(body)) {
    if (v !== null) continue;
    const documented = Reflect.getMetadata(SWAGGER_PROPERTY, metatype.prototype, field) as { nullable?: boolean } | undefined;
    // Unknown fields are the whitelist's business (422 unknownField).
    if (documented && documented.nullable !== true) out.push({ field, rule: 'nullable', message: `${field} must not be null` });
  }
  return out;
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
      if (q?.includes(NUL)) throw ApiError.invalid('q', 'string', 'q must not contain NUL characters');
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      messages.push(...(e.messages ?? []));
    }
    if (messages.length || !page) throw ApiError.validation(messages);
    return q === undefined ? { page } : { page, q };
  }
}

/** What a ListQueryPipe hands to a controller: `query: ListQuery<typeof tagsQuery>`. */
export type ListQuery<P> = P extends ListQueryPipe<infer O> ? { page: PageQuery<O>; q?: string } : never;

/** PATCH bodies must change something: `{}` is 422 `body` `required`. */
export function nonEmptyPatch<T extends object>(body: T): T {
  if (Object.keys(body).length === 0) throw ApiError.invalid('body', 'required', 'Send at least one field to change');
  return body;
}
