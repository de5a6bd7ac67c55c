import { ApiError, Page, ValidationMessage } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import { EventBus } from '@alien/nest-service';
import {
  CLUSTER_ORDER_BY,
  ClusterFields,
  ClusterListRequest,
  ClusterRef,
  ClusterView,
  DEFAULT_HEALTH_PATH,
  DeletedCluster,
  MAX_CLUSTER_SHARES,
  OrchestrationEvents,
} from '@alien/orchestration/contracts';
import { findPage, likePattern, saveWithUniqueSlug } from '@alien/persistence';
import { KeyRing } from '@alien/secrets';
import { BatchQuery, IdOrSlug, MAX_ID, orderByRequest } from '@alien/slug';
import { baseUrlError, fixedPathError, headerValueError, normalizeBaseUrl } from '@alien/upstream';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, SelectQueryBuilder } from 'typeorm';
import { ClusterHealthService } from './cluster-health.service';
import { clusterStatus, credentialAad, managesCluster, returnedRows, toClusterRef, toClusterView } from './cluster-views';
import { ClusterEntity } from './entities/cluster.entity';

const ORDER: Record<(typeof CLUSTER_ORDER_BY)[number], string> = {
  id: 'id',
  name: 'name',
  slug: 'slug',
  createdAt: 'createdAt',
  updatedAt: 'updatedAt',
  lastSeenAt: 'lastSeenAt',
};

/** Slugs are unique per organization: the caller's own cluster wins over one shared with it. */
const OWN_FIRST = 'CASE WHEN c.organization_id = :org THEN 0 ELSE 1 END';

const notFound = () => ApiError.notFound('Cluster not found');

/**
 * The cluster registry. Visibility: a cluster is seen by its organization and by the organizations it
 * is shared with (anyone else: 404, existence never confirmed); owners and admins of the owning
 * organization manage it (everyone else who sees it: 403).
 */
@Injectable()
export class ClustersService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: EventBus,
    private readonly secrets: KeyRing,
    private readonly health: ClusterHealthService,
  ) {}

  /** The clusters `organizationId` may use: its own and those shared with it. */
  visibleTo(organizationId: number, alias = 'c'): SelectQueryBuilder<ClusterEntity> {
    return this.db
      .getRepository(ClusterEntity)
      .createQueryBuilder(alias)
      .where(`(${alias}.organization_id = :org OR ${alias}.shared_with_organization_ids @> ARRAY[:org]::integer[])`, { org: organizationId });
  }

  async list(ctx: RequestContext, req: ClusterListRequest): Promise<Page<ClusterView>> {
    const org = ctx.identity.organizationId;
    if (org === null) return { items: [], total: 0, page: req.page.page, perPage: req.page.perPage };
    const qb = this.visibleTo(org);
    if (req.q) qb.andWhere(`c.name ILIKE :q ESCAPE '\\'`, { q: likePattern(req.q) });
    if (req.status === 'suspended') qb.andWhere('c.suspended = true');
    else if (req.status) qb.andWhere('c.suspended = false AND c.health_status = :status', { status: req.status });
    return findPage(qb, req.page, ORDER, (c) => toClusterView(c, ctx));
  }

  async get(ctx: RequestContext, key: IdOrSlug): Promise<ClusterView> {
    return toClusterView(await this.find(ctx, key), ctx);
  }

  async batch(ctx: RequestContext, query: BatchQuery): Promise<ClusterView[]> {
    const org = ctx.identity.organizationId;
    if (org === null) return [];
    if ('ids' in query) {
      const rows = await this.visibleTo(org).andWhere('c.id IN (:...ids)', { ids: query.ids }).getMany();
      return orderByRequest(query.ids, rows, (c) => c.id).map((c) => toClusterView(c, ctx));
    }
    const rows = await this.visibleTo(org)
      .andWhere('c.slug IN (:...slugs)', { slugs: query.slugs })
      .orderBy(OWN_FIRST, 'ASC')
      .addOrderBy('c.id', 'ASC')
      .getMany();
    // One cluster per slug: the caller's own first, then the oldest shared one.
    const first = new Map<string, ClusterEntity>();
    for (const c of rows) if (!first.has(c.slug)) first.set(c.slug, c);
    return orderByRequest(query.slugs, [...first.values()], (c) => c.slug).map((c) => toClusterView(c, ctx));
  }

  /** `orchestration.cluster.visible.v1`: the ids among `ids` the caller's organization may use, in request order. */
  async visible(ctx: RequestContext, ids: number[]): Promise<ClusterRef[]> {
    const org = ctx.identity.organizationId;
    const wanted = (Array.isArray(ids) ? ids : []).filter((id) => Number.isInteger(id) && id >= 1 && id <= MAX_ID);
    if (org === null || !wanted.length) return [];
    const rows = await this.visibleTo(org).andWhere('c.id IN (:...ids)', { ids: [...new Set(wanted)] }).getMany();
    return orderByRequest([...new Set(wanted)], rows, (c) => c.id).map(toClusterRef);
  }

  /** A visible cluster by id, or by slug (the caller's organization's own first, then shared ones). */
  async find(ctx: RequestContext, key: IdOrSlug): Promise<ClusterEntity> {
    const org = ctx.identity.organizationId;
    if (org === null) throw notFound();
    const qb = this.visibleTo(org);
    if ('id' in key) qb.andWhere('c.id = :id', { id: key.id });
    else qb.andWhere('c.slug = :slug', { slug: key.slug }).orderBy(OWN_FIRST, 'ASC').addOrderBy('c.id', 'ASC');
    const cluster = await qb.getOne();
    if (!cluster) throw notFound();
    return cluster;
  }

  /** A cluster the caller manages: invisible → 404, visible but not an owner/admin of its organization → 403. */
  async findManaged(ctx: RequestContext, id: number): Promise<ClusterEntity> {
    const cluster = await this.find(ctx, { id });
    if (!managesCluster(ctx, cluster)) throw ApiError.forbidden('Only owners and admins of the cluster’s organization can do this');
    return cluster;
  }

  async create(ctx: RequestContext, req: ClusterFields): Promise<ClusterView> {
    const org = ctx.identity.organizationId;
    if (org === null || ctx.identity.userId === null) {
      throw ApiError.forbidden('Act in an organization to register a cluster', 'organization_required');
    }
    if (!managesCluster(ctx, { organizationId: org })) throw ApiError.forbidden('Only owners and admins can register clusters');
    this.validate(req, org, true);
    // A derived slug moves on to `-2`, `-3`… (or `cluster-<random>` for a name without a Latin
    // spelling); only a slug the client chose can be 409.
    const isTaken = (slug: string) => this.db.getRepository(ClusterEntity).existsBy({ organizationId: org, slug });
    const cluster = await saveWithUniqueSlug(
      { explicit: req.slug, name: req.name, fallback: 'cluster', what: 'cluster of your organization', isTaken },
      (slug) => this.insert(ctx, org, req, slug),
    );
    await this.publish('clusterCreated', cluster);
    return toClusterView(await this.reload(cluster.id), ctx);
  }

  async update(ctx: RequestContext, id: number, patch: Partial<ClusterFields>): Promise<ClusterView> {
    const current = await this.findManaged(ctx, id);
    this.validate(patch, current.organizationId, false);
    await this.db.transaction(async (m) => {
      const repo = m.getRepository(ClusterEntity);
      const changes: Partial<ClusterEntity> = {};
      if (patch.slug !== undefined && patch.slug !== current.slug) {
        await this.assertSlugFree(m, current.organizationId, patch.slug);
        changes.slug = patch.slug;
      }
      if (patch.name !== undefined) changes.name = patch.name.trim();
      if (patch.description !== undefined) changes.description = patch.description;
      if (patch.region !== undefined) changes.region = patch.region;
      if (patch.sharedWithOrganizationIds !== undefined) changes.sharedWithOrganizationIds = uniqueIds(patch.sharedWithOrganizationIds);
      if (patch.suspended !== undefined) changes.suspended = patch.suspended;
      if (patch.credential !== undefined) {
        changes.sealedCredential = patch.credential ? this.secrets.seal(patch.credential, credentialAad(id)) : null;
      }
      const baseUrl = patch.baseUrl !== undefined ? normalizeBaseUrl(patch.baseUrl) : current.baseUrl;
      const healthPath = patch.healthPath ?? current.healthPath;
      if (baseUrl !== current.baseUrl || healthPath !== current.healthPath) {
        // Another target: what the last check said no longer holds.
        Object.assign(changes, { baseUrl, healthPath, healthStatus: 'pending', lastCheckError: null, nextCheckAt: this.health.nextCheckAt() });
      }
      if (Object.keys(changes).length) await repo.update({ id }, changes);
    });
    const updated = await this.reload(id);
    await this.publish('clusterUpdated', updated);
    return toClusterView(updated, ctx);
  }

  /** Runs a health check now (managers only) and returns the cluster as it stands afterwards. */
  async check(ctx: RequestContext, id: number): Promise<ClusterView> {
    const { cluster } = await this.health.checkAndRecord(await this.findManaged(ctx, id));
    return toClusterView(cluster, ctx);
  }

  async remove(ctx: RequestContext, id: number): Promise<DeletedCluster> {
    const cluster = await this.findManaged(ctx, id);
    await this.db.getRepository(ClusterEntity).delete({ id });
    await this.publish('clusterDeleted', cluster);
    return { id, deleted: true };
  }

  /**
   * An organization was deleted (auth's event, delivered at least once): its clusters go, and it
   * leaves every share list. Idempotent, so a redelivery changes nothing.
   */
  async removeOrganization(organizationId: number): Promise<{ deleted: number; unshared: number }> {
    const { deleted, unshared } = await this.db.transaction(async (m) => {
      const repo = m.getRepository(ClusterEntity);
      const owned = await repo.findBy({ organizationId });
      if (owned.length) await repo.delete(owned.map((c) => c.id));
      const result: unknown = await m.query(
        `UPDATE "orchestration"."clusters"
            SET "shared_with_organization_ids" = array_remove("shared_with_organization_ids", $1), "updated_at" = now()
          WHERE "shared_with_organization_ids" @> ARRAY[$1]::integer[]
        RETURNING "id"`,
        [organizationId],
      );
      const ids = returnedRows<{ id: number }>(result).map((r) => r.id);
      const shared = ids.length ? await repo.findBy({ id: In(ids) }) : [];
      return { deleted: owned, unshared: shared };
    });
    for (const c of deleted) await this.publish('clusterDeleted', c);
    for (const c of unshared) await this.publish('clusterUpdated', c);
    return { deleted: deleted.length, unshared: unshared.length };
  }

  private insert(ctx: RequestContext, org: number, req: ClusterFields, slug: string): Promise<ClusterEntity> {
    return this.db.transaction(async (m) => {
      const repo = m.getRepository(ClusterEntity);
      const saved = await repo.save(
        repo.create({
          organizationId: org,
          createdBy: ctx.identity.userId,
          name: req.name.trim(),
          slug,
          description: req.description ?? null,
          baseUrl: normalizeBaseUrl(req.baseUrl),
          region: req.region ?? null,
          healthPath: req.healthPath ?? DEFAULT_HEALTH_PATH,
          sealedCredential: null,
          sharedWithOrganizationIds: uniqueIds(req.sharedWithOrganizationIds ?? []),
          suspended: req.suspended ?? false,
          healthStatus: 'pending',
          nextCheckAt: this.health.nextCheckAt(),
        }),
      );
      // The id is part of the associated data, so the credential is sealed once the row exists.
      if (req.credential) {
        saved.sealedCredential = this.secrets.seal(req.credential, credentialAad(saved.id));
        await repo.update({ id: saved.id }, { sealedCredential: saved.sealedCredential });
      }
      return saved;
    });
  }

  async reload(id: number): Promise<ClusterEntity> {
    const cluster = await this.db.getRepository(ClusterEntity).findOneBy({ id });
    if (!cluster) throw notFound();
    return cluster;
  }

  async publish(kind: 'clusterCreated' | 'clusterUpdated' | 'clusterDeleted', c: ClusterEntity): Promise<void> {
    await this.events.publish(OrchestrationEvents[kind], { clusterId: c.id, organizationId: c.organizationId, status: clusterStatus(c) });
  }

  private async assertSlugFree(m: EntityManager, organizationId: number, slug: string): Promise<void> {
    if (await m.getRepository(ClusterEntity).existsBy({ organizationId, slug })) {
      throw ApiError.conflict(`Your organization already has a cluster with slug "${slug}"`, 'slug_taken');
    }
  }

  /** The service checks what the edge checked (other callers than the gateway may come). */
  private validate(req: Partial<ClusterFields>, ownOrganizationId: number, creating: boolean): void {
    const messages: ValidationMessage[] = [];
    if (creating || req.baseUrl !== undefined) {
      const problem = baseUrlError(req.baseUrl);
      if (problem) messages.push({ field: 'baseUrl', rule: 'url', message: problem });
    }
    if (req.healthPath !== undefined) {
      const problem = fixedPathError(req.healthPath, 'healthPath', { query: true });
      if (problem) messages.push({ field: 'healthPath', rule: 'path', message: problem });
    }
    const credentialProblem = headerValueError(req.credential, 'credential');
    if (credentialProblem) messages.push({ field: 'credential', rule: 'regex', message: credentialProblem });
    const shares = req.sharedWithOrganizationIds;
    if (shares !== undefined) {
      if (!Array.isArray(shares) || shares.length > MAX_CLUSTER_SHARES) {
        messages.push({ field: 'sharedWithOrganizationIds', rule: 'maxLength', message: `at most ${MAX_CLUSTER_SHARES} organizations` });
      } else if (shares.some((id) => !Number.isInteger(id) || id < 1 || id > MAX_ID)) {
        messages.push({ field: 'sharedWithOrganizationIds', rule: 'number', message: 'organization ids are positive integers' });
      } else if (shares.includes(ownOrganizationId)) {
        messages.push({ field: 'sharedWithOrganizationIds', rule: 'notOwn', message: 'the owning organization always has access; do not list it' });
      }
    }
    if (messages.length) throw ApiError.validation(messages);
  }
}

function uniqueIds(ids: number[]): number[] {
  return [...new Set(ids)].sort((a, b) => a - b);
}
