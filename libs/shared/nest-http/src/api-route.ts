import { HEADERS } from '@alien/identity';
import { SLUG_PATTERN } from '@alien/slug';
import { Delete, Get, HttpCode, Patch, Post, Put, Type, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiParam, ApiQuery, ApiSecurity } from '@nestjs/swagger';
import { ApiEnvelope, ApiErrors, ApiPaginated, DeletedDto } from './openapi';
import { PlatformAdmin, Public } from './route-access';

/** What every composed route decorator takes. */
export interface RouteOptions {
  summary: string;
  description?: string;
  /** Path relative to the controller (each kind has a default: `':id'`, `'slug/:slug'`, …). */
  path?: string;
  /** Anonymous callers are let in (they see public resources); bad credentials are still 401. */
  public?: boolean;
  /** Platform admins only (403 for everyone else). */
  platformAdmin?: boolean;
  /** Error statuses documented on top of the kind's defaults. */
  errors?: number[];
  /** Query parameters beyond the kind's own. */
  query?: { name: string; description?: string; schema?: Record<string, unknown>; enum?: readonly string[] }[];
}

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
const VERBS = { get: Get, post: Post, put: Put, patch: Patch, delete: Delete } as const;

/** Path parameters documented from their names: `:slug` is a slug, every other one a positive id. */
function pathParams(path: string): MethodDecorator[] {
  return [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map(([, name]) =>
    name === 'slug' || name?.endsWith('Slug')
      ? ApiParam({ name: name as string, schema: { type: 'string', pattern: SLUG_PATTERN.source } })
      : ApiParam({ name: name as string, schema: { type: 'integer', minimum: 1 } }),
  );
}

/**
 * Security as OpenAPI sees it: private routes need the bearer credential; public ones accept none or
 * one (`security: [{}, {bearer: []}]`). Every authenticated route may pick its organization.
 */
function access(options: RouteOptions): MethodDecorator[] {
  const out: MethodDecorator[] = [];
  if (options.public) out.push(Public(), ApiSecurity({}));
  if (options.platformAdmin) out.push(PlatformAdmin());
  out.push(
    ApiBearerAuth('bearer'),
    ApiHeader({
      name: HEADERS.organizationId,
      required: false,
      description: 'The organization the request acts in (you must be a member); default: the token’s, else your current one',
      schema: { type: 'integer', minimum: 1 },
    }),
  );
  return out;
}

function uniqueSorted(statuses: number[]): number[] {
  return [...new Set(statuses)].sort((a, b) => a - b);
}

/** The building block: verb + path + summary + access + documented params and errors. */
export function ApiRoute(
  method: Method,
  defaultPath: string,
  options: RouteOptions,
  defaultErrors: number[],
  ...responses: MethodDecorator[]
): MethodDecorator {
  const path = options.path ?? defaultPath;
  const errors = [...defaultErrors, ...(options.errors ?? [])];
  // Bad credentials are 401 on every route, public ones included.
  errors.push(401);
  if (options.platformAdmin || (method !== 'get' && !options.public)) errors.push(403);
  if (path.includes(':')) errors.push(404, 422);
  return applyDecorators(
    VERBS[method](path),
    ApiOperation({ summary: options.summary, ...(options.description ? { description: options.description } : {}) }),
    ...access(options),
    ...pathParams(path),
    ...(options.query ?? []).map((q) => ApiQuery({ required: false, ...q, enum: q.enum as string[] | undefined })),
    ...responses,
    ApiErrors(...uniqueSorted(errors)),
  );
}

const BODY_ERRORS = [400, 413, 415, 422];

/** `GET /x` — a paginated list with `page`, `perPage`, `orderBy`, `direction` (and `q` unless `search: false`). */
export function ApiList(model: Type<unknown>, options: RouteOptions & { orderBy: readonly string[]; search?: boolean }) {
  return ApiRoute(
    'get',
    '',
    options,
    [422],
    ...(options.search === false ? [] : [ApiQuery({ name: 'q', required: false, schema: { type: 'string', maxLength: 200 } })]),
    ApiQuery({ name: 'page', required: false, schema: { type: 'integer', minimum: 1, default: 1 } }),
    ApiQuery({ name: 'perPage', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } }),
    ApiQuery({ name: 'orderBy', required: false, enum: [...options.orderBy] }),
    ApiQuery({ name: 'direction', required: false, enum: ['asc', 'desc'] }),
    ApiPaginated(model),
  );
}

/** `GET /x/{id}`. */
export function ApiGetById(model: Type<unknown>, options: RouteOptions) {
  return ApiRoute('get', ':id', options, [], ApiEnvelope(model));
}

/** `GET /x/slug/{slug}`. */
export function ApiGetBySlug(model: Type<unknown>, options: RouteOptions) {
  return ApiRoute('get', 'slug/:slug', options, [], ApiEnvelope(model));
}

/** `GET /x/batch?ids=1,2` or `?slugs=a,b`: request order kept, unknown or invisible ones omitted, ≤ 100. */
export function ApiBatch(model: Type<unknown>, options: RouteOptions) {
  return ApiRoute(
    'get',
    'batch',
    { ...options, description: options.description ?? 'Request order kept, unknown ones omitted, at most 100.' },
    [422],
    ApiQuery({ name: 'ids', required: false, example: '1,2,3' }),
    ApiQuery({ name: 'slugs', required: false, example: 'a,b' }),
    ApiEnvelope(model, { isArray: true }),
  );
}

/** `POST /x` → 201 with the created resource. */
export function ApiCreate(model: Type<unknown>, options: RouteOptions) {
  return ApiRoute('post', '', options, [...BODY_ERRORS, 409], ApiEnvelope(model, { status: 201 }));
}

/** `PATCH /x/{id}` → 200 with the changed resource. */
export function ApiUpdate(model: Type<unknown>, options: RouteOptions) {
  return ApiRoute('patch', ':id', options, [...BODY_ERRORS, 409], ApiEnvelope(model));
}

/** `DELETE /x/{id}` → 200 `{id, deleted: true}` (or the given model). */
export function ApiDelete(options: RouteOptions, model: Type<unknown> = DeletedDto) {
  return ApiRoute('delete', ':id', options, [], HttpCode(200), ApiEnvelope(model));
}

/** `POST /x/{id}/<action>` (no resource created) → 200 with the given model. */
export function ApiAction(model: Type<unknown>, options: RouteOptions & { path: string; body?: boolean }) {
  return ApiRoute('post', options.path, options, options.body ? BODY_ERRORS : [], HttpCode(200), ApiEnvelope(model));
}
