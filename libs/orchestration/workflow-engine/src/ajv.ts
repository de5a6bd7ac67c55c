import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { ValidationIssue } from './errors';
import type { JsonSchema } from './graph';

/**
 * One ajv for node schemas and client schemas: every error reported, schema defaults applied,
 * scalar types coerced ("10" → 10) the way form-built params arrive. Validate clones: coercion and
 * defaults write into the data.
 */
export const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true, coerceTypes: true });
addFormats(ajv);

const byObject = new WeakMap<object, ValidateFunction>();
const byText = new Map<string, ValidateFunction>();
const COMPILED_LIMIT = 500;

/** Compiles a schema once (per object, then per distinct text); throws when the schema is invalid. */
export function compileSchema(schema: JsonSchema): ValidateFunction {
  let fn = byObject.get(schema);
  if (fn) return fn;
  const key = JSON.stringify(schema);
  fn = byText.get(key);
  if (!fn) {
    fn = ajv.compile(schema);
    if (byText.size >= COMPILED_LIMIT) byText.clear();
    byText.set(key, fn);
  }
  byObject.set(schema, fn);
  return fn;
}

/** `/a/0/b` → `.a[0].b` */
function pointerToPath(pointer: string): string {
  if (!pointer) return '';
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
    .join('');
}

/** ajv errors as issues: `field` is `base` + the failing property path. */
export function issuesFromAjv(errors: ErrorObject[] | null | undefined, base: string, describe: (path: string) => string): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const seen = new Set<string>();
  const all = errors ?? [];
  // Errors of the branches of an anyOf/oneOf are summed up by the anyOf error itself.
  const groups = all.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const groupOf = (e: ErrorObject) => groups.find((g) => g !== e && e.schemaPath.startsWith(`${g.schemaPath}/`));
  for (const error of all) {
    if (groupOf(error)) continue;
    let path = pointerToPath(error.instancePath);
    if (error.keyword === 'required') path += `.${String((error.params as { missingProperty: string }).missingProperty)}`;
    if (error.keyword === 'additionalProperties') path += `.${String((error.params as { additionalProperty: string }).additionalProperty)}`;
    const field = `${base}${path}`;
    const key = `${field}\u0000${error.keyword}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const branches = all.filter((e) => groupOf(e) === error);
    const alternatives = branches.every((e) => e.keyword === 'required')
      ? branches.map((e) => (e.params as { missingProperty: string }).missingProperty)
      : [];
    const message =
      error.keyword === 'required'
        ? 'is required'
        : error.keyword === 'additionalProperties'
          ? 'is not allowed'
          : alternatives.length
            ? `needs one of: ${alternatives.join(', ')}`
            : (error.message ?? 'is invalid');
    out.push({ field, rule: error.keyword, message: `${describe(path)} ${message}` });
  }
  return out;
}
