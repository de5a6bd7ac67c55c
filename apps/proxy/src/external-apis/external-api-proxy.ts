import { ApiError } from '@alien/envelope';
import { Identity } from '@alien/identity';
import { AssertionKeyRing, CLIENT_IDENTITY_HEADERS, PLATFORM_CALL_HEADER, verifyPlatformCall } from '@alien/identity-assertion';
import { ROOT_LOGGER } from '@alien/logging';
import { requestIdOf } from '@alien/nest-http';
import { IdentityService } from '@alien/nest-identity';
import { ForwardResult, forward, writeErrorEnvelope } from '@alien/proxy/streaming';
import { KeyRing } from '@alien/secrets';
import { ValidationMessage } from '@alien/envelope';
import { idError } from '@alien/slug';
import { endToEndHeaders, guardedConnector } from '@alien/upstream';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { Agent } from 'undici';
import { PROXY_CONFIG, ProxyConfig } from '../config';
import { logDataPlaneRequest } from '../data-plane/access-log';
import { connectorVisibility } from './connectors.service';
import { BillingMode, EndpointMethod } from './entities/endpoint.entity';
import { ConnectorAuthType } from './entities/connector.entity';
import { secretAad } from './external-api-views';
import { UsageRecord, UsageService } from './usage.service';

/** The header the platform bills in, towards the client; the third party's own is read, never passed on. */
export const BILLED_UNITS_HEADER = 'x-billed-units';
const UNITS = /^\d{1,9}$/;
const NOT_FOR_THIRD_PARTIES = ['host', 'expect', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'forwarded', 'via', BILLED_UNITS_HEADER, PLATFORM_CALL_HEADER];

interface Target {
  connectorId: number;
  baseUrl: string;
  authType: ConnectorAuthType;
  authName: string | null;
  sealedSecret: string | null;
  endpointId: number;
  operationId: string;
  method: EndpointMethod;
  path: string;
  unitPriceCents: number;
  billingMode: BillingMode;
  billingUnits: number | null;
}

const TARGET_SQL = (visibility: string) => `
  SELECT c.id AS "connectorId", c.base_url AS "baseUrl", c.auth_type AS "authType", c.auth_name AS "authName",
         c.secret_sealed AS "sealedSecret", e.id AS "endpointId", e.operation_id AS "operationId", e.method, e.path,
         e.unit_price_cents AS "unitPriceCents", e.billing_mode AS "billingMode", e.billing_units AS "billingUnits"
    FROM "proxy"."endpoints" e JOIN "proxy"."connectors" c ON c.id = e.connector_id
   WHERE c.id = $1 AND e.id = $2 AND ${visibility}`;

/** Units a third party's answer costs: only 2xx answers are billed; `upstream` mode trusts a non-negative integer only. */
export function billedUnits(target: Pick<Target, 'billingMode' | 'billingUnits'>, status: number, headers: IncomingHttpHeaders): { units: number; refused?: string } {
  if (status < 200 || status >= 300) return { units: 0 };
  if (target.billingMode === 'fixed') return { units: target.billingUnits ?? 0 };
  const raw = headers[BILLED_UNITS_HEADER];
  const value = Array.isArray(raw) ? raw.join(',') : raw;
  if (value !== undefined && UNITS.test(value.trim())) return { units: Number(value.trim()) };
  return { units: 0, refused: value === undefined ? '(missing)' : value.slice(0, 100) };
}

/** The client's query string without the connector's auth parameter (a client never sets the secret). */
function clientQuery(query: string, drop: string | null): string[] {
  if (!query || query === '?') return [];
  return query
    .slice(1)
    .split('&')
    .filter((pair) => {
      if (!pair) return false;
      if (drop === null) return true;
      const name = pair.split('=', 1)[0] as string;
      try {
        return decodeURIComponent(name.replace(/\+/g, ' ')) !== drop;
      } catch {
        return true;
      }
    });
}

/**
 * `POST /external-apis/{connectorId}/endpoints/{endpointId}/proxy`: a metered call to a third-party API
 * on behalf of the caller (and `/internal/…` for platform services with a platform call assertion).
 * The connector's secret is injected, the client's credentials and identity removed, the answer
 * streamed back with `x-billed-units`. Billing: see UsageService (durable before the last byte).
 */
@Injectable()
export class ExternalApiProxy implements OnModuleDestroy {
  /** Never towards link-local (cloud metadata) or unspecified addresses, written or resolved. */
  readonly agent = new Agent({ keepAliveTimeout: 4_000, connect: guardedConnector({ timeout: 10_000 }) });

  constructor(
    private readonly identities: IdentityService,
    @InjectDataSource() private readonly db: DataSource,
    private readonly secrets: KeyRing,
    private readonly assertionKeys: AssertionKeyRing,
    private readonly usage: UsageService,
    @Inject(PROXY_CONFIG) private readonly config: ProxyConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse, internal: boolean, rawConnector: string, rawEndpoint: string, query: string): Promise<void> {
    const startedAt = performance.now();
    const requestId = requestIdOf(req, res);
    let identity: Identity | null = null;
    let status = 500;
    try {
      if (req.method !== 'POST') {
        res.setHeader('allow', 'POST');
        throw new ApiError(405, 'Call an external API endpoint with POST', 'method_not_allowed');
      }
      const messages = [idError('connectorId', rawConnector), idError('endpointId', rawEndpoint)].filter((m): m is ValidationMessage => m !== null);
      if (messages.length) throw ApiError.validation(messages);
      const caller = internal ? await this.platformCaller(req) : await this.clientCaller(req, requestId);
      identity = caller.identity;
      if (identity.organizationId === null) throw ApiError.forbidden('Act in an organization to call external APIs (they are billed to it)', 'organization_required');
      const target = await this.target(identity, Number(rawConnector), Number(rawEndpoint));
      status = await this.call(req, res, requestId, identity, caller.jobId, target, query, startedAt);
    } catch (e) {
      const error = e instanceof ApiError ? e : this.unexpected(e, requestId);
      status = error.status;
      writeErrorEnvelope(req, res, error, requestId);
    } finally {
      logDataPlaneRequest(this.logger, req, requestId, status, startedAt, identity, internal ? { internal: true } : undefined);
    }
  }

  /** A client: authenticated like everywhere (401), and a call costs money, so `read` tokens are refused. */
  private async clientCaller(req: IncomingMessage, requestId: string): Promise<{ identity: Identity; jobId: null }> {
    const identity = await this.identities.resolve(req, requestId);
    if (identity.userId === null) throw ApiError.unauthenticated('Authentication required');
    if (!identity.abilities.includes('write')) throw ApiError.forbidden('This token is read-only', 'read_only_token');
    return { identity, jobId: null };
  }

  /** A platform service (an orchestration worker): the identity and job come from its signed assertion only. */
  private async platformCaller(req: IncomingMessage): Promise<{ identity: Identity; jobId: number | null }> {
    const raw = req.headers[PLATFORM_CALL_HEADER];
    if (typeof raw !== 'string' || !raw) throw ApiError.unauthenticated('A platform call assertion is required', 'invalid_platform_call');
    try {
      return await verifyPlatformCall(this.assertionKeys, raw, { audience: 'proxy', issuer: this.config.IDENTITY_ASSERTION_ISSUER });
    } catch {
      throw ApiError.unauthenticated('The platform call assertion is not valid', 'invalid_platform_call');
    }
  }

  private async target(identity: Identity, connectorId: number, endpointId: number): Promise<Target> {
    // The same visibility rule as the registry's lists; its one named parameter becomes $3 here.
    const rule = connectorVisibility(identity, 'c', 'org');
    const sql = TARGET_SQL(rule.sql.replace(':org', '$3'));
    const params: unknown[] = [connectorId, endpointId];
    if ('org' in rule.params) params.push(rule.params['org']);
    const rows: Target[] = await this.db.query(sql, params);
    const target = rows[0];
    if (!target) throw ApiError.notFound('External API endpoint not found');
    return target;
  }

  private async call(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    identity: Identity,
    jobId: number | null,
    target: Target,
    query: string,
    startedAt: number,
  ): Promise<number> {
    const maxRequest = this.config.EXTERNAL_API_MAX_REQUEST_BYTES;
    const length = req.headers['content-length'];
    if (length !== undefined && !/^\d{1,16}$/.test(length)) throw new ApiError(400, 'Content-Length is not a number', 'bad_request');
    if (length !== undefined && Number(length) > maxRequest) throw new ApiError(413, `The request body is larger than ${maxRequest} bytes`, 'payload_too_large');
    if (/[^\x21-\x7e]/.test(query)) throw ApiError.invalid('query', 'string', 'The query string must be ASCII without spaces');

    const secret = target.sealedSecret ? this.openSecret(target) : null;
    const url = new URL(target.baseUrl);
    const params = clientQuery(query, target.authType === 'query' ? target.authName : null);
    if (target.authType === 'query' && secret) params.push(`${encodeURIComponent(target.authName as string)}=${encodeURIComponent(secret)}`);
    // Third parties learn nothing about the caller or the platform's edge (addresses, host names).
    const drop = new Set([...CLIENT_IDENTITY_HEADERS, ...NOT_FOR_THIRD_PARTIES]);
    if (target.authType === 'header') drop.add((target.authName as string).toLowerCase());
    const headers = endToEndHeaders(req.headers, drop);
    headers['x-request-id'] = requestId;
    if (secret && target.authType === 'header') headers[(target.authName as string).toLowerCase()] = secret;
    if (secret && target.authType === 'bearer') headers['authorization'] = `Bearer ${secret}`;
    const upstreamHasBody = target.method !== 'GET';
    const clientHasBody = (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;

    const record: UsageRecord = {
      id: randomUUID(),
      organizationId: identity.organizationId as number,
      userId: identity.userId as number,
      tokenId: identity.tokenId,
      jobId,
      connectorId: target.connectorId,
      endpointId: target.endpointId,
      operationId: target.operationId,
      requestId,
      status: 0,
      outcome: 'completed',
      units: 0,
      unitPriceCents: target.unitPriceCents,
      bytesIn: 0,
      bytesOut: 0,
      durationMs: 0,
    };
    let written = false;
    const maxResponse = this.config.EXTERNAL_API_MAX_RESPONSE_BYTES;
    const result: ForwardResult = await forward(req, res, {
      dispatcher: this.agent,
      origin: url.origin,
      path: `${url.pathname.replace(/\/+$/, '')}${target.path}${params.length ? `?${params.join('&')}` : ''}`,
      method: target.method,
      headers,
      withBody: upstreamHasBody && clientHasBody,
      maxRequestBytes: maxRequest,
      budgetMs: target.method === 'POST' ? this.config.EXTERNAL_API_POST_TIMEOUT_MS : this.config.EXTERNAL_API_TIMEOUT_MS,
      maxDurationMs: this.config.CLUSTER_PROXY_MAX_DURATION_MS,
      maxResponseBytes: maxResponse,
      dropResponseHeaders: new Set([BILLED_UNITS_HEADER, 'x-request-id']),
      requestId,
      upstreamName: 'The external API',
      onResponse: (upstreamStatus, upstreamHeaders) => {
        const declared = upstreamHeaders['content-length'];
        if (typeof declared === 'string' && Number(declared) > maxResponse) {
          return new ApiError(413, `The external API's answer is larger than ${maxResponse} bytes`, 'response_too_large');
        }
        const billed = billedUnits(target, upstreamStatus, upstreamHeaders);
        if (billed.refused !== undefined) {
          this.logger.warn({ requestId, connectorId: target.connectorId, endpointId: target.endpointId, value: billed.refused }, 'x-billed-units from the external API is not a non-negative integer: billed as 0');
        }
        record.units = billed.units;
        return { [BILLED_UNITS_HEADER]: String(billed.units) };
      },
      // The record is committed before the caller gets the last byte: a completed answer is always billed.
      beforeEnd: async (progress) => {
        await this.usage.write({ ...record, status: progress.status, bytesIn: progress.bytesIn, bytesOut: progress.bytesOut, durationMs: performance.now() - startedAt });
        written = true;
      },
    });
    if (result.outcome !== 'completed') {
      const unbilled = { ...record, units: 0, outcome: result.outcome, status: result.status, bytesIn: result.bytesIn, bytesOut: result.bytesOut, durationMs: performance.now() - startedAt };
      if (written) await this.usage.unbill(record.id, result.outcome, result.status).catch((err: unknown) => this.logger.error({ requestId, err }, 'could not unbill a call the client did not receive'));
      else await this.usage.writeUnbilled(unbilled);
      if (result.outcome !== 'client_aborted') {
        this.logger.warn({ requestId, connectorId: target.connectorId, endpointId: target.endpointId, outcome: result.outcome, error: result.error }, 'external API call failed');
      }
    }
    return result.status;
  }

  private openSecret(target: Target): string {
    try {
      return this.secrets.open(target.sealedSecret as string, secretAad(target.connectorId));
    } catch (err) {
      this.logger.error({ connectorId: target.connectorId, err: { type: (err as Error).name, message: (err as Error).message } }, 'connector secret does not open with SECRETS_KEY_RING');
      throw new ApiError(500, 'The external API credential cannot be read', 'credential_unreadable');
    }
  }

  private unexpected(e: unknown, requestId: string): ApiError {
    this.logger.error({ requestId, err: e }, 'external API proxy failed unexpectedly');
    return new ApiError(500, 'Internal server error', 'internal');
  }

  async onModuleDestroy(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }
}
