import { ApiError, Page, PageQuery, ValidationMessage } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import { findPage } from '@alien/persistence';
import { ENDPOINT_METHODS, ENDPOINT_ORDER_BY, EndpointFields, EndpointView, MAX_PRICE_CENTS, MAX_UNITS, OPERATION_ID_PATTERN } from '@alien/proxy/contracts';
import { fixedPathError } from '@alien/upstream';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ConnectorsService, requirePlatformAdmin } from './connectors.service';
import { EndpointEntity } from './entities/endpoint.entity';
import { toEndpointView } from './external-api-views';

const ORDER: Record<(typeof ENDPOINT_ORDER_BY)[number], string> = { id: 'id', operationId: 'operationId', createdAt: 'createdAt' };

/** A connector's endpoints: seen by whoever sees the connector, written by platform admins. */
@Injectable()
export class EndpointsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly connectors: ConnectorsService,
  ) {}

  async list(ctx: RequestContext, connectorId: number, page: PageQuery): Promise<Page<EndpointView>> {
    await this.connectors.find(ctx, { id: connectorId });
    const qb = this.db.getRepository(EndpointEntity).createQueryBuilder('e').where('e.connector_id = :connectorId', { connectorId });
    return findPage(qb, page, ORDER, toEndpointView);
  }

  async get(ctx: RequestContext, connectorId: number, id: number): Promise<EndpointView> {
    await this.connectors.find(ctx, { id: connectorId });
    return toEndpointView(await this.find(connectorId, id));
  }

  async create(ctx: RequestContext, connectorId: number, fields: EndpointFields): Promise<EndpointView> {
    requirePlatformAdmin(ctx);
    await this.connectors.find(ctx, { id: connectorId });
    validateEndpoint(fields, true);
    const repo = this.db.getRepository(EndpointEntity);
    if (await repo.existsBy({ connectorId, operationId: fields.operationId })) {
      throw ApiError.conflict(`This external API already has an endpoint "${fields.operationId}"`, 'operation_id_taken');
    }
    const saved = await repo.save(
      repo.create({
        connectorId,
        operationId: fields.operationId,
        description: fields.description ?? null,
        method: fields.method,
        path: fields.path,
        unitPriceCents: fields.unitPriceCents,
        billingMode: fields.billing.mode,
        billingUnits: fields.billing.mode === 'fixed' ? fields.billing.units : null,
      }),
    );
    return toEndpointView(await this.find(connectorId, saved.id));
  }

  async update(ctx: RequestContext, connectorId: number, id: number, patch: Partial<EndpointFields>): Promise<EndpointView> {
    requirePlatformAdmin(ctx);
    validateEndpoint(patch, false);
    const current = await this.find(connectorId, id);
    const repo = this.db.getRepository(EndpointEntity);
    const changes: Partial<EndpointEntity> = {};
    if (patch.operationId !== undefined && patch.operationId !== current.operationId) {
      if (await repo.existsBy({ connectorId, operationId: patch.operationId })) {
        throw ApiError.conflict(`This external API already has an endpoint "${patch.operationId}"`, 'operation_id_taken');
      }
      changes.operationId = patch.operationId;
    }
    if (patch.description !== undefined) changes.description = patch.description;
    if (patch.method !== undefined) changes.method = patch.method;
    if (patch.path !== undefined) changes.path = patch.path;
    if (patch.unitPriceCents !== undefined) changes.unitPriceCents = patch.unitPriceCents;
    if (patch.billing !== undefined) {
      changes.billingMode = patch.billing.mode;
      changes.billingUnits = patch.billing.mode === 'fixed' ? patch.billing.units : null;
    }
    if (Object.keys(changes).length) await repo.update({ id }, changes);
    return toEndpointView(await this.find(connectorId, id));
  }

  async remove(ctx: RequestContext, connectorId: number, id: number): Promise<{ id: number; deleted: true }> {
    requirePlatformAdmin(ctx);
    const result = await this.db.getRepository(EndpointEntity).delete({ connectorId, id });
    if (!result.affected) throw ApiError.notFound('Endpoint not found');
    return { id, deleted: true };
  }

  private async find(connectorId: number, id: number): Promise<EndpointEntity> {
    const row = await this.db.getRepository(EndpointEntity).findOneBy({ connectorId, id });
    if (!row) throw ApiError.notFound('Endpoint not found');
    return row;
  }
}

/** The service checks what the edge checked (422). */
export function validateEndpoint(req: Partial<EndpointFields>, creating: boolean): void {
  const messages: ValidationMessage[] = [];
  const bad = (field: string, rule: string, message: string) => messages.push({ field, rule, message });
  if ((creating || req.operationId !== undefined) && (typeof req.operationId !== 'string' || !OPERATION_ID_PATTERN.test(req.operationId))) {
    bad('operationId', 'regex', `operationId must match ${OPERATION_ID_PATTERN.source}`);
  }
  if ((creating || req.method !== undefined) && !(ENDPOINT_METHODS as readonly unknown[]).includes(req.method)) {
    bad('method', 'enum', `method must be one of: ${ENDPOINT_METHODS.join(', ')}`);
  }
  if (creating || req.path !== undefined) {
    const problem = fixedPathError(req.path, 'path');
    if (problem) bad('path', 'path', problem);
  }
  const price = req.unitPriceCents;
  if ((creating || price !== undefined) && (!Number.isInteger(price) || (price as number) < 0 || (price as number) > MAX_PRICE_CENTS)) {
    bad('unitPriceCents', 'number', `unitPriceCents must be an integer from 0 to ${MAX_PRICE_CENTS}`);
  }
  if (creating || req.billing !== undefined) {
    const billing = req.billing as { mode?: unknown; units?: unknown } | undefined;
    if (!billing || typeof billing !== 'object' || (billing.mode !== 'fixed' && billing.mode !== 'upstream')) {
      bad('billing.mode', 'enum', 'billing.mode must be fixed or upstream');
    } else if (billing.mode === 'fixed' && (!Number.isInteger(billing.units) || (billing.units as number) < 0 || (billing.units as number) > MAX_UNITS)) {
      bad('billing.units', 'number', `billing.units must be an integer from 0 to ${MAX_UNITS}`);
    } else if (billing.mode === 'upstream' && billing.units !== undefined) {
      bad('billing.units', 'unknownField', 'upstream billing takes its units from the answer');
    }
  }
  if (messages.length) throw ApiError.validation(messages);
}
