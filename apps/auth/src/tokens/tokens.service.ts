import { AccessTokenView, AuthEvents, CreateTokenRequest, CreatedAccessToken, Principal, TOKEN_ORDER_BY } from '@alien/auth/contracts';
import { ApiError, Page, PageQuery } from '@alien/envelope';
import { ABILITIES, RequestContext, generateAccessToken, hashAccessToken, lastFour, sameHash } from '@alien/identity';
import { EventBus } from '@alien/nest-service';
import { findPage } from '@alien/persistence';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, IsNull } from 'typeorm';
import { callerId, OrganizationAccess } from '../shared/access';
import { AccessTokenEntity, UserEntity } from '../shared/entities';
import { toTokenView } from '../shared/views';
import { UsersService } from '../users/users.service';

export const TOKEN_QUOTA = Symbol('TOKEN_QUOTA');

const ORDER: Record<(typeof TOKEN_ORDER_BY)[number], string> = {
  createdAt: 'createdAt',
  name: 'name',
  expiresAt: 'expiresAt',
  lastUsedAt: 'lastUsedAt',
  id: 'id',
};

/** `expiresAt` (in the future) or `expiresIn` seconds from now, never both; neither: no expiry. */
export function tokenExpiry(req: Pick<CreateTokenRequest, 'expiresAt' | 'expiresIn'>, now = Date.now()): Date | null {
  if (req.expiresAt !== undefined && req.expiresIn !== undefined) {
    throw ApiError.invalid('expiresIn', 'exclusive', 'Give either expiresAt or expiresIn, not both');
  }
  if (req.expiresIn !== undefined) return new Date(now + req.expiresIn * 1000);
  if (req.expiresAt === undefined) return null;
  const at = Date.parse(req.expiresAt);
  if (!(at > now)) throw ApiError.invalid('expiresAt', 'after', 'expiresAt must be in the future');
  return new Date(at);
}

@Injectable()
export class TokensService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: UsersService,
    private readonly access: OrganizationAccess,
    private readonly events: EventBus,
    @Inject(TOKEN_QUOTA) private readonly quota: number,
  ) {}

  /** Looks a token up by its hash; unknown, revoked, expired or a deactivated user → 401. */
  async verify(tokenHash: string): Promise<Principal> {
    if (!/^[0-9a-f]{64}$/.test(tokenHash)) throw ApiError.unauthenticated('Invalid token', 'invalid_token');
    const token = await this.db.getRepository(AccessTokenEntity).findOneBy({ tokenHash });
    if (!token || !sameHash(token.tokenHash, tokenHash)) throw ApiError.unauthenticated('Invalid token', 'invalid_token');
    if (token.revokedAt) throw ApiError.unauthenticated('This token has been revoked', 'invalid_token');
    if (token.expiresAt && token.expiresAt.getTime() <= Date.now()) {
      throw ApiError.unauthenticated('This token has expired', 'invalid_token');
    }
    const user = await this.db.getRepository(UserEntity).findOneBy({ id: token.userId });
    if (!user) throw ApiError.unauthenticated('Invalid token', 'invalid_token');
    return this.users.principal(user, token);
  }

  async create(ctx: RequestContext, req: CreateTokenRequest): Promise<CreatedAccessToken> {
    const userId = callerId(ctx);
    const caller = ctx.identity;
    const abilities = req.abilities ?? [...ABILITIES];
    const expiresAt = tokenExpiry(req);
    // A token never mints a more powerful token than itself.
    if (caller.authMethod === 'token' && abilities.some((a) => !caller.abilities.includes(a))) {
      throw ApiError.forbidden('A token cannot create a token with abilities it does not have');
    }
    // Omitted: restricted to the organization the request acts in (the recommended default).
    const organizationId = req.organizationId === undefined ? caller.organizationId : req.organizationId;
    if (caller.restrictedOrganizationId !== null && organizationId !== caller.restrictedOrganizationId) {
      throw ApiError.forbidden('This token may only create tokens restricted to its own organization');
    }
    if (organizationId !== null) await this.access.membership(ctx, organizationId);

    const secret = generateAccessToken();
    const saved = await this.db.transaction(async (m) => {
      // Serialise creations per user so the quota holds under concurrency.
      await m.query('SELECT 1 FROM "auth"."users" WHERE "id" = $1 FOR UPDATE', [userId]);
      const [{ count }] = await m.query(
        `SELECT count(*)::int AS count FROM "auth"."access_tokens"
         WHERE "user_id" = $1 AND "revoked_at" IS NULL AND ("expires_at" IS NULL OR "expires_at" > now())`,
        [userId],
      );
      if (count >= this.quota) {
        throw ApiError.conflict(
          `You already have ${this.quota} active tokens, the maximum; revoke one first`,
          'token_quota_exceeded',
        );
      }
      return m.getRepository(AccessTokenEntity).save({
        userId,
        organizationId,
        name: req.name.trim(),
        tokenHash: hashAccessToken(secret),
        lastFour: lastFour(secret),
        abilities: [...new Set(abilities)],
        expiresAt,
      });
    });
    const row = await this.db.getRepository(AccessTokenEntity).findOneByOrFail({ id: saved.id });
    return { ...toTokenView(row), token: secret };
  }

  /**
   * The tokens a caller may see and manage: their own, and for a caller authenticated by a token
   * restricted to one organization, only the tokens restricted to that same organization.
   */
  private visibleTokens(ctx: RequestContext, alias?: string): { where: string; params: Record<string, unknown> } {
    const c = (column: string) => (alias ? `${alias}.${column}` : column);
    const restricted = ctx.identity.restrictedOrganizationId;
    const own = `${c('user_id')} = :userId AND ${c('revoked_at')} IS NULL`;
    return restricted === null
      ? { where: own, params: { userId: callerId(ctx) } }
      : { where: `${own} AND ${c('organization_id')} = :restricted`, params: { userId: callerId(ctx), restricted } };
  }

  list(ctx: RequestContext, page: PageQuery): Promise<Page<AccessTokenView>> {
    const visible = this.visibleTokens(ctx, 't');
    const qb = this.db.getRepository(AccessTokenEntity).createQueryBuilder('t').where(visible.where, visible.params);
    return findPage(qb, page, ORDER, toTokenView);
  }

  async get(ctx: RequestContext, id: number): Promise<AccessTokenView> {
    const visible = this.visibleTokens(ctx, 't');
    const token = await this.db
      .getRepository(AccessTokenEntity)
      .createQueryBuilder('t')
      .where(`t.id = :id AND ${visible.where}`, { ...visible.params, id })
      .getOne();
    if (!token) throw ApiError.notFound('Access token not found');
    return toTokenView(token);
  }

  async revoke(ctx: RequestContext, id: number): Promise<{ id: number; revoked: true }> {
    const userId = callerId(ctx);
    const visible = this.visibleTokens(ctx);
    const result = await this.db
      .getRepository(AccessTokenEntity)
      .createQueryBuilder()
      .update()
      .set({ revokedAt: () => 'now()' })
      .where(`id = :id AND ${visible.where}`, { ...visible.params, id })
      .execute();
    if (!result.affected) throw ApiError.notFound('Access token not found');
    await this.events.publish(AuthEvents.tokenRevoked, { tokenId: id, userId });
    return { id, revoked: true };
  }

  /** Batched `lastUsedAt` updates reported by gateways (at most once a minute per token per gateway). */
  async touch(tokenIds: number[]): Promise<void> {
    const ids = tokenIds.filter((id) => Number.isInteger(id) && id > 0).slice(0, 1_000);
    if (!ids.length) return;
    await this.db
      .getRepository(AccessTokenEntity)
      .update({ id: In(ids), revokedAt: IsNull() }, { lastUsedAt: () => 'now()' });
  }
}
