import { ApiError, Page, PageQuery, ValidationMessage } from '@alien/envelope';
import { Identity, RequestContext } from '@alien/identity';
import { findPage, likePattern, saveWithUniqueSlug } from '@alien/persistence';
import {
  AUTH_HEADER_PATTERN,
  AUTH_QUERY_PATTERN,
  CONNECTOR_AUTH_TYPES,
  CONNECTOR_ORDER_BY,
  CONNECTOR_VISIBILITIES,
  ConnectorFields,
  ConnectorView,
  RESERVED_AUTH_HEADERS,
} from '@alien/proxy/contracts';
import { KeyRing } from '@alien/secrets';
import { IdOrSlug, MAX_ID } from '@alien/slug';
import { baseUrlError, headerValueError, normalizeBaseUrl } from '@alien/upstream';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, SelectQueryBuilder } from 'typeorm';
import { ConnectorEntity } from './entities/connector.entity';
import { secretAad, toConnectorView } from './external-api-views';

const ORDER: Record<(typeof CONNECTOR_ORDER_BY)[number], string> = { id: 'id', name: 'name', slug: 'slug', createdAt: 'createdAt' };
const MAX_ORGANIZATIONS = 1_000;

/**
 * Who may see and call a connector, as SQL over alias `c` (one rule for lists, lookups and the proxy):
 * platform admins every one; a caller acting in an organization the public ones and those listing it;
 * nobody else.
 */
export function connectorVisibility(identity: Identity, alias = 'c', param = 'org'): { sql: string; params: Record<string, unknown> } {
  if (identity.isPlatformAdmin) return { sql: 'TRUE', params: {} };
  if (identity.userId === null || identity.organizationId === null) return { sql: 'FALSE', params: {} };
  return {
    sql: `(${alias}.visibility = 'public' OR ${alias}.organization_ids @> ARRAY[:${param}]::integer[])`,
    params: { [param]: identity.organizationId },
  };
}

export function requirePlatformAdmin(ctx: RequestContext): void {
  if (ctx.identity.userId === null) throw ApiError.unauthenticated('Authentication required');
  if (!ctx.identity.isPlatformAdmin) throw ApiError.forbidden('Only platform admins manage external APIs');
}

/** External-API connectors: platform admins write; callers see what connectorVisibility allows. */
@Injectable()
export class ConnectorsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly secrets: KeyRing,
  ) {}

  private visible(ctx: RequestContext): SelectQueryBuilder<ConnectorEntity> {
    const rule = connectorVisibility(ctx.identity);
    return this.db.getRepository(ConnectorEntity).createQueryBuilder('c').where(rule.sql, rule.params);
  }

  async list(ctx: RequestContext, req: { page: PageQuery; q?: string }): Promise<Page<ConnectorView>> {
    if (ctx.identity.userId === null) throw ApiError.unauthenticated('Authentication required');
    const qb = this.visible(ctx);
    if (req.q) qb.andWhere(`c.name ILIKE :q ESCAPE '\\'`, { q: likePattern(req.q) });
    return findPage(qb, req.page, ORDER, (c) => toConnectorView(c, ctx));
  }

  async get(ctx: RequestContext, key: IdOrSlug): Promise<ConnectorView> {
    return toConnectorView(await this.find(ctx, key), ctx);
  }

  /** A connector the caller may see (404 otherwise, existence never confirmed). */
  async find(ctx: RequestContext, key: IdOrSlug): Promise<ConnectorEntity> {
    if (ctx.identity.userId === null) throw ApiError.unauthenticated('Authentication required');
    const qb = this.visible(ctx);
    if ('id' in key) qb.andWhere('c.id = :id', { id: key.id });
    else qb.andWhere('c.slug = :slug', { slug: key.slug });
    const connector = await qb.getOne();
    if (!connector) throw ApiError.notFound('External API not found');
    return connector;
  }

  async create(ctx: RequestContext, req: ConnectorFields): Promise<ConnectorView> {
    requirePlatformAdmin(ctx);
    validateConnector(req, true);
    // A derived slug moves on to `-2`, `-3`… (or `external-api-<random>`); only a chosen one can be 409.
    const isTaken = (slug: string) => this.db.getRepository(ConnectorEntity).existsBy({ slug });
    const saved = await saveWithUniqueSlug({ explicit: req.slug, name: req.name, fallback: 'external-api', what: 'external API', isTaken }, (slug) =>
      this.insert(req, slug),
    );
    return toConnectorView(await this.reload(saved.id), ctx);
  }

  private insert(req: ConnectorFields, slug: string): Promise<ConnectorEntity> {
    return this.db.transaction(async (m) => {
      const repo = m.getRepository(ConnectorEntity);
      const row = await repo.save(
        repo.create({
          name: req.name.trim(),
          slug,
          description: req.description ?? null,
          baseUrl: normalizeBaseUrl(req.baseUrl),
          authType: req.auth.type,
          authName: req.auth.type === 'bearer' ? null : req.auth.name,
          sealedSecret: null,
          visibility: req.visibility ?? 'public',
          organizationIds: unique(req.organizationIds ?? []),
        }),
      );
      if (req.secret) {
        row.sealedSecret = this.secrets.seal(req.secret, secretAad(row.id));
        await repo.update({ id: row.id }, { sealedSecret: row.sealedSecret });
      }
      return row;
    });
  }

  async update(ctx: RequestContext, id: number, patch: Partial<ConnectorFields>): Promise<ConnectorView> {
    requirePlatformAdmin(ctx);
    validateConnector(patch, false);
    const current = await this.reload(id);
    const repo = this.db.getRepository(ConnectorEntity);
    const changes: Partial<ConnectorEntity> = {};
    if (patch.slug !== undefined && patch.slug !== current.slug) {
      if (await repo.existsBy({ slug: patch.slug })) throw ApiError.conflict(`An external API with slug "${patch.slug}" exists`, 'slug_taken');
      changes.slug = patch.slug;
    }
    if (patch.name !== undefined) changes.name = patch.name.trim();
    if (patch.description !== undefined) changes.description = patch.description;
    if (patch.baseUrl !== undefined) changes.baseUrl = normalizeBaseUrl(patch.baseUrl);
    if (patch.auth !== undefined) {
      changes.authType = patch.auth.type;
      changes.authName = patch.auth.type === 'bearer' ? null : patch.auth.name;
    }
    if (patch.secret !== undefined) changes.sealedSecret = patch.secret ? this.secrets.seal(patch.secret, secretAad(id)) : null;
    if (patch.visibility !== undefined) changes.visibility = patch.visibility;
    if (patch.organizationIds !== undefined) changes.organizationIds = unique(patch.organizationIds);
    if (Object.keys(changes).length) await repo.update({ id }, changes);
    return toConnectorView(await this.reload(id), ctx);
  }

  async remove(ctx: RequestContext, id: number): Promise<{ id: number; deleted: true }> {
    requirePlatformAdmin(ctx);
    const result = await this.db.getRepository(ConnectorEntity).delete({ id });
    if (!result.affected) throw ApiError.notFound('External API not found');
    return { id, deleted: true };
  }

  /** An organization was deleted: it leaves every connector's list (idempotent). */
  async removeOrganization(organizationId: number): Promise<void> {
    await this.db.query(
      `UPDATE "proxy"."connectors" SET "organization_ids" = array_remove("organization_ids", $1), "updated_at" = now()
        WHERE "organization_ids" @> ARRAY[$1]::integer[]`,
      [organizationId],
    );
  }

  private async reload(id: number): Promise<ConnectorEntity> {
    const row = await this.db.getRepository(ConnectorEntity).findOneBy({ id });
    if (!row) throw ApiError.notFound('External API not found');
    return row;
  }
}

function unique(ids: number[]): number[] {
  return [...new Set(ids)].sort((a, b) => a - b);
}

/** The service checks what the edge checked (422): other callers than the gateway may come. */
export function validateConnector(req: Partial<ConnectorFields>, creating: boolean): void {
  const messages: ValidationMessage[] = [];
  const bad = (field: string, rule: string, message: string) => messages.push({ field, rule, message });
  if (creating || req.name !== undefined) {
    if (typeof req.name !== 'string' || !/\S/.test(req.name) || req.name.length > 200) bad('name', 'required', 'name is required (1-200 characters)');
  }
  if (creating || req.baseUrl !== undefined) {
    const problem = baseUrlError(req.baseUrl);
    if (problem) bad('baseUrl', 'url', problem);
  }
  if (creating || req.auth !== undefined) {
    const auth = req.auth as { type?: unknown; name?: unknown } | undefined;
    if (!auth || typeof auth !== 'object' || !(CONNECTOR_AUTH_TYPES as readonly unknown[]).includes(auth.type)) {
      bad('auth.type', 'enum', `auth.type must be one of: ${CONNECTOR_AUTH_TYPES.join(', ')}`);
    } else if (auth.type === 'bearer') {
      if (auth.name !== undefined) bad('auth.name', 'unknownField', 'bearer auth takes no name');
    } else if (auth.type === 'header') {
      if (typeof auth.name !== 'string' || !AUTH_HEADER_PATTERN.test(auth.name)) bad('auth.name', 'regex', 'auth.name must be a header name');
      else if (RESERVED_AUTH_HEADERS.includes(auth.name.toLowerCase())) bad('auth.name', 'reserved', `the ${auth.name} header cannot carry the secret`);
    } else if (typeof auth.name !== 'string' || !AUTH_QUERY_PATTERN.test(auth.name)) {
      bad('auth.name', 'regex', 'auth.name must be a query parameter name');
    }
  }
  if (req.visibility !== undefined && !(CONNECTOR_VISIBILITIES as readonly string[]).includes(req.visibility)) {
    bad('visibility', 'enum', `visibility must be one of: ${CONNECTOR_VISIBILITIES.join(', ')}`);
  }
  const orgs = req.organizationIds;
  if (orgs !== undefined) {
    if (!Array.isArray(orgs) || orgs.length > MAX_ORGANIZATIONS) bad('organizationIds', 'maxLength', `at most ${MAX_ORGANIZATIONS} organizations`);
    else if (orgs.some((id) => !Number.isInteger(id) || id < 1 || id > MAX_ID)) bad('organizationIds', 'number', 'organization ids are positive integers');
  }
  if (req.secret !== undefined && req.secret !== null && (typeof req.secret !== 'string' || req.secret.length < 1 || req.secret.length > 4096)) {
    bad('secret', 'length', 'secret must be 1-4096 characters');
  }
  const secretProblem = headerValueError(req.secret, 'secret');
  if (secretProblem) bad('secret', 'regex', secretProblem);
  if (messages.length) throw ApiError.validation(messages);
}
