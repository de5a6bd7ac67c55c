import { DatasetSchema, FIELD_TYPES, FieldSpec, FieldType } from '@alien/catalog/contracts';
import { ApiError, ValidationMessage } from '@alien/envelope';

/** Field names: identifiers, so every cluster's Data API and every SDK can use them as they are. */
export const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const MAX_FIELDS = 200;
export const MAX_SCHEMA_DEPTH = 5;
const SPEC_KEYS = new Set(['type', 'required', 'description', 'items', 'fields']);
/** ISO 8601: a date, or a date-time with seconds (fraction optional) and a zone. */
const DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseFields(input: unknown, path: string, depth: number, out: ValidationMessage[]): Record<string, FieldSpec> {
  if (!isObject(input)) {
    out.push({ field: path, rule: 'object', message: `${path} must be an object of field definitions` });
    return {};
  }
  const entries = Object.entries(input);
  if (entries.length > MAX_FIELDS) {
    out.push({ field: path, rule: 'maxLength', message: `${path} may define at most ${MAX_FIELDS} fields` });
    return {};
  }
  const fields: Record<string, FieldSpec> = {};
  for (const [name, spec] of entries) {
    const at = `${path}.${name}`;
    if (!FIELD_NAME.test(name)) {
      out.push({ field: at, rule: 'regex', message: `field names must match ${FIELD_NAME.source}` });
      continue;
    }
    const parsed = parseSpec(spec, at, depth, out);
    if (parsed) fields[name] = parsed;
  }
  return fields;
}

function parseSpec(input: unknown, path: string, depth: number, out: ValidationMessage[]): FieldSpec | null {
  if (!isObject(input)) {
    out.push({ field: path, rule: 'object', message: `${path} must be an object like {"type": "string"}` });
    return null;
  }
  for (const key of Object.keys(input)) {
    if (!SPEC_KEYS.has(key)) out.push({ field: `${path}.${key}`, rule: 'unknownField', message: `${path}.${key} is not a field property` });
  }
  const type = input['type'];
  if (typeof type !== 'string' || !(FIELD_TYPES as readonly string[]).includes(type)) {
    out.push({ field: `${path}.type`, rule: 'enum', message: `${path}.type must be one of: ${FIELD_TYPES.join(', ')}` });
    return null;
  }
  const spec: FieldSpec = { type: type as FieldType };
  if (input['required'] !== undefined) {
    if (typeof input['required'] !== 'boolean') out.push({ field: `${path}.required`, rule: 'boolean', message: `${path}.required must be true or false` });
    else spec.required = input['required'];
  }
  if (input['description'] !== undefined) {
    const d = input['description'];
    if (typeof d !== 'string' || d.length > 1000) {
      out.push({ field: `${path}.description`, rule: 'string', message: `${path}.description must be a string of at most 1000 characters` });
    } else spec.description = d;
  }
  if (input['items'] !== undefined) {
    if (type !== 'array') out.push({ field: `${path}.items`, rule: 'unknownField', message: `${path}.items is only for arrays` });
    else if (depth >= MAX_SCHEMA_DEPTH) out.push({ field: `${path}.items`, rule: 'maxDepth', message: `schemas nest at most ${MAX_SCHEMA_DEPTH} levels` });
    else {
      const items = parseSpec(input['items'], `${path}.items`, depth + 1, out);
      if (items) {
        if (items.required !== undefined) {
          out.push({ field: `${path}.items.required`, rule: 'unknownField', message: 'array items cannot be required' });
        }
        spec.items = items;
      }
    }
  }
  if (input['fields'] !== undefined) {
    if (type !== 'object') out.push({ field: `${path}.fields`, rule: 'unknownField', message: `${path}.fields is only for objects` });
    else if (depth >= MAX_SCHEMA_DEPTH) out.push({ field: `${path}.fields`, rule: 'maxDepth', message: `schemas nest at most ${MAX_SCHEMA_DEPTH} levels` });
    else spec.fields = parseFields(input['fields'], `${path}.fields`, depth + 1, out);
  }
  return spec;
}

/**
 * Checks a dataset schema `{"fields": {"<name>": {"type", "required"?, "items"?, "fields"?}}}` and returns
 * it normalised; 422 listing every problem (field path, rule) otherwise.
 */
export function parseDatasetSchema(input: unknown, path = 'schema'): DatasetSchema {
  const out: ValidationMessage[] = [];
  let fields: Record<string, FieldSpec> = {};
  if (!isObject(input)) out.push({ field: path, rule: 'object', message: `${path} must be an object with "fields"` });
  else {
    for (const key of Object.keys(input)) {
      // `version` is managed by the catalog; a schema copied from a view may carry it and it is ignored.
      if (key === 'version') {
        if (!Number.isSafeInteger(input['version'])) out.push({ field: `${path}.version`, rule: 'number', message: `${path}.version is managed by the catalog; omit it` });
      } else if (key !== 'fields') {
        out.push({ field: `${path}.${key}`, rule: 'unknownField', message: `${path}.${key} is not part of a schema (only "fields")` });
      }
    }
    fields = input['fields'] === undefined ? {} : parseFields(input['fields'], `${path}.fields`, 1, out);
  }
  if (out.length) throw ApiError.validation(out);
  return { fields };
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function isValidDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const [y, m, d] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d && !Number.isNaN(Date.parse(value));
}

function checkValue(spec: FieldSpec, value: unknown, path: string, out: ValidationMessage[]): void {
  const wrong = (what: string): void => void out.push({ field: path, rule: 'type', message: `${path} must be ${what} (got ${typeName(value)})` });
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string') wrong('a string');
      return;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) wrong('a number');
      return;
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) wrong('an integer');
      return;
    case 'boolean':
      if (typeof value !== 'boolean') wrong('true or false');
      return;
    case 'date':
      if (typeof value !== 'string') wrong('an ISO 8601 date string');
      else if (!isValidDate(value)) out.push({ field: path, rule: 'date', message: `${path} must be an ISO 8601 date (2024-05-31 or 2024-05-31T12:00:00Z)` });
      return;
    case 'array':
      if (!Array.isArray(value)) return wrong('an array');
      if (spec.items) value.forEach((item, i) => checkValue(spec.items as FieldSpec, item, `${path}.${i}`, out));
      return;
    case 'object':
      if (!isObject(value)) return wrong('an object');
      if (spec.fields) checkObject(spec.fields, value, path, out);
      return;
  }
}

function checkObject(fields: Record<string, FieldSpec>, value: Record<string, unknown>, path: string, out: ValidationMessage[]): void {
  for (const [name, spec] of Object.entries(fields)) {
    // Own values only: a field named `toString` that is absent must not find Object.prototype's.
    const v = Object.prototype.hasOwnProperty.call(value, name) ? value[name] : undefined;
    if (v === undefined || v === null) {
      if (spec.required) out.push({ field: `${path}.${name}`, rule: 'required', message: `${path}.${name} is required` });
      continue;
    }
    checkValue(spec, v, `${path}.${name}`, out);
  }
  for (const name of Object.keys(value)) {
    if (!Object.prototype.hasOwnProperty.call(fields, name)) {
      out.push({ field: `${path}.${name}`, rule: 'unknownField', message: `${path}.${name} is not a field of the dataset's schema` });
    }
  }
}

/**
 * Validates entry metadata against a dataset schema: every message names the field (`metadata.year`)
 * and the rule (`required`, `type`, `date`, `unknownField`). Empty when it conforms. A null value
 * counts as absent.
 */
export function validateMetadata(schema: DatasetSchema, metadata: unknown, path = 'metadata'): ValidationMessage[] {
  const out: ValidationMessage[] = [];
  if (!isObject(metadata)) {
    out.push({ field: path, rule: 'object', message: `${path} must be an object` });
    return out;
  }
  checkObject(schema.fields, metadata, path, out);
  return out;
}

/** The same JSON with object keys sorted (so `{a,b}` and `{b,a}` compare equal). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => value[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Whether two schemas define the same fields (what bumps `schema.version` when it is false). */
export function sameFields(a: DatasetSchema, b: DatasetSchema): boolean {
  return canonicalJson(a.fields) === canonicalJson(b.fields);
}
