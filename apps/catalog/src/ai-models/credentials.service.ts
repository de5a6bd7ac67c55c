import { CredentialReadView, CredentialsStatus, ModelCredentials } from '@alien/catalog/contracts';
import { ApiError, Page, PageQuery } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import { KeyRing } from '@alien/secrets';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { KEY_RING } from '../shared/key-ring';
import { isAdminRole, isWriterRole } from '../shared/access';
import { iso, returning, sqlDirection } from '../shared/sql';
import { AiModelRow, modelUsableBy } from './ai-model-view';
import { AiModelsService } from './ai-models.service';

/** Associated data binding a sealed key to its model: a ciphertext copied to another row does not open. */
export const credentialBinding = (modelId: number) => `ai-model:${modelId}`;

interface CredentialRow {
  sealed_api_key: string;
  expires_at: Date | null;
  updated_at: Date;
}

interface ReadRow {
  id: number;
  model_id: number;
  user_id: number | null;
  organization_id: number | null;
  token_id: number | null;
  via: 'http' | 'worker';
  request_id: string | null;
  created_at: Date;
}

/**
 * Provisioned API keys of AI models: sealed with AES-256-GCM under the catalog's key ring (the key id
 * travels in each ciphertext, so keys rotate without downtime), returned only by the credentials route
 * and the workers' NATS contract, and every read is audited. Never in a view, never in a log line.
 */
@Injectable()
export class CredentialsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly models: AiModelsService,
    @Inject(KEY_RING) private readonly ring: KeyRing,
  ) {}

  async put(ctx: RequestContext, req: { id: number; apiKey: string; expiresAt?: string | null }): Promise<CredentialsStatus> {
    const model = await this.models.writableRow(ctx, req.id);
    const expiresAt = req.expiresAt ? new Date(req.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) throw ApiError.invalid('expiresAt', 'future', 'expiresAt must be in the future');
    const sealed = this.ring.seal(req.apiKey, credentialBinding(model.id));
    const rows: CredentialRow[] = await this.db.query(
      `INSERT INTO "catalog"."ai_model_credentials" ("model_id", "sealed_api_key", "key_id", "expires_at", "created_by")
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT ("model_id") DO UPDATE SET "sealed_api_key" = EXCLUDED."sealed_api_key", "key_id" = EXCLUDED."key_id",
         "expires_at" = EXCLUDED."expires_at", "created_by" = EXCLUDED."created_by", "updated_at" = now()
       RETURNING "sealed_api_key", "expires_at", "updated_at"`,
      [model.id, sealed, this.ring.currentKeyId, expiresAt, ctx.identity.userId],
    );
    const row = rows[0] as CredentialRow;
    return { modelId: model.id, provisioned: true, expiresAt: row.expires_at ? iso(row.expires_at) : null, updatedAt: iso(row.updated_at) };
  }

  /** `GET /ai-models/{id}/credentials`: writers (and up) of an organization that may use the model. */
  async get(ctx: RequestContext, id: number): Promise<ModelCredentials> {
    const model = await this.models.visibleRow(ctx, id);
    const platformAdminOwnModel = model.organization_id === null && ctx.identity.isPlatformAdmin;
    if (!platformAdminOwnModel) {
      // Another organization's model, even a public one: its key is not for you (and not confirmed).
      if (!modelUsableBy(model, ctx.identity.organizationId)) throw ApiError.notFound('AI model not found');
      if (!isWriterRole(ctx.identity.role)) throw ApiError.forbidden('Reading model credentials needs the writer role or higher');
    }
    return this.reveal(ctx, model, 'http');
  }

  /** For orchestration's workers (NATS only): the job's identity must act in `organizationId`. */
  async forWorker(ctx: RequestContext, req: { modelId: number; organizationId: number }): Promise<ModelCredentials & { modelId: number }> {
    if (ctx.identity.userId === null || ctx.identity.organizationId !== req.organizationId || ctx.identity.role === null) {
      throw ApiError.forbidden('The job identity does not act in that organization', 'organization_mismatch');
    }
    const model = await this.models.visibleRow(ctx, req.modelId);
    if (!modelUsableBy(model, req.organizationId)) throw ApiError.notFound('AI model not found');
    return { modelId: model.id, ...(await this.reveal(ctx, model, 'worker')) };
  }

  async revoke(ctx: RequestContext, id: number): Promise<{ id: number; revoked: true }> {
    const model = await this.models.writableRow(ctx, id);
    const deleted = await returning(this.db, `DELETE FROM "catalog"."ai_model_credentials" WHERE "model_id" = $1 RETURNING 1`, [model.id]);
    if (!deleted.length) throw ApiError.notFound('No credentials are provisioned for this model', 'no_credentials');
    return { id: model.id, revoked: true };
  }

  /**
   * The audit of credential reads. An organization's model: its admins see every read. A platform
   * model: platform admins see every read, an organization's admins see their organization's.
   */
  async reads(ctx: RequestContext, req: { id: number; page: PageQuery<'createdAt'> }): Promise<Page<CredentialReadView>> {
    const model = await this.models.visibleRow(ctx, req.id);
    let scope: number | null = null;
    if (model.organization_id === null) {
      if (!ctx.identity.isPlatformAdmin) {
        if (!isAdminRole(ctx.identity.role) || ctx.identity.organizationId === null) throw ApiError.forbidden('Credential reads are for admins');
        scope = ctx.identity.organizationId;
      }
    } else if (model.organization_id !== ctx.identity.organizationId || !isAdminRole(ctx.identity.role)) {
      throw ApiError.forbidden('Credential reads are for admins of the organization that owns the model');
    }
    const params: unknown[] = [model.id];
    let where = `"model_id" = $1`;
    if (scope !== null) {
      params.push(scope);
      where += ` AND "organization_id" = $2`;
    }
    const dir = sqlDirection(req.page.direction);
    const rows: ReadRow[] = await this.db.query(
      `SELECT * FROM "catalog"."ai_model_credential_reads" WHERE ${where} ORDER BY "created_at" ${dir}, "id" ${dir}
       LIMIT ${req.page.perPage} OFFSET ${(req.page.page - 1) * req.page.perPage}`,
      params,
    );
    const counted: { n: string }[] = await this.db.query(`SELECT count(*) AS "n" FROM "catalog"."ai_model_credential_reads" WHERE ${where}`, params);
    return {
      items: rows.map((r) => ({
        id: r.id,
        modelId: r.model_id,
        userId: r.user_id,
        organizationId: r.organization_id,
        tokenId: r.token_id,
        via: r.via,
        requestId: r.request_id,
        createdAt: iso(r.created_at),
      })),
      total: Number(counted[0]?.n ?? 0),
      page: req.page.page,
      perPage: req.page.perPage,
    };
  }

  /** Opens the key and records the read in one transaction: no key leaves without its audit row. */
  private async reveal(ctx: RequestContext, model: AiModelRow, via: 'http' | 'worker'): Promise<ModelCredentials> {
    return this.db.transaction(async (m) => {
      const rows: CredentialRow[] = await m.query(
        `SELECT "sealed_api_key", "expires_at", "updated_at" FROM "catalog"."ai_model_credentials" WHERE "model_id" = $1`,
        [model.id],
      );
      const row = rows[0];
      if (!row) throw ApiError.notFound('No credentials are provisioned for this model', 'no_credentials');
      if (row.expires_at && row.expires_at.getTime() <= Date.now()) {
        throw ApiError.notFound('The credentials of this model have expired', 'credentials_expired');
      }
      const apiKey = this.ring.open(row.sealed_api_key, credentialBinding(model.id));
      await m.query(
        `INSERT INTO "catalog"."ai_model_credential_reads" ("model_id", "user_id", "organization_id", "token_id", "via", "request_id")
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [model.id, ctx.identity.userId, ctx.identity.organizationId, ctx.identity.tokenId, via, ctx.requestId.slice(0, 128)],
      );
      return { apiUrl: model.api_url, apiKey, expiresAt: row.expires_at ? iso(row.expires_at) : null };
    });
  }
}

/**
 * Re-seals every credential that is not under the newest key of the ring (the `reencrypt-credentials`
 * command). A row changed meanwhile (a new key PUT) is left alone: it is already under the newest key.
 */
export async function reencryptCredentials(db: DataSource, ring: KeyRing): Promise<{ reencrypted: number; total: number; currentKeyId: string }> {
  const total = Number(((await db.query(`SELECT count(*) AS "n" FROM "catalog"."ai_model_credentials"`)) as { n: string }[])[0]?.n ?? 0);
  let reencrypted = 0;
  for (;;) {
    const stale: { model_id: number; sealed_api_key: string }[] = await db.query(
      `SELECT "model_id", "sealed_api_key" FROM "catalog"."ai_model_credentials" WHERE "key_id" <> $1 ORDER BY "model_id" LIMIT 100`,
      [ring.currentKeyId],
    );
    if (!stale.length) break;
    for (const row of stale) {
      const binding = credentialBinding(row.model_id);
      const resealed = ring.seal(ring.open(row.sealed_api_key, binding), binding);
      const updated = await returning(
        db,
        `UPDATE "catalog"."ai_model_credentials" SET "sealed_api_key" = $1, "key_id" = $2
         WHERE "model_id" = $3 AND "sealed_api_key" = $4 RETURNING 1`,
        [resealed, ring.currentKeyId, row.model_id, row.sealed_api_key],
      );
      reencrypted += updated.length;
    }
  }
  return { reencrypted, total, currentKeyId: ring.currentKeyId };
}
