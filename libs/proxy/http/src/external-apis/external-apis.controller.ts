import { ApiError, ValidationMessage, paginated, success } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import {
  ApiCreate,
  ApiDelete,
  ApiEnvelope,
  ApiGetById,
  ApiGetBySlug,
  ApiList,
  ApiRoute,
  ApiUpdate,
  Ctx,
  IdPipe,
  ListQuery,
  ListQueryPipe,
  SlugPipe,
  nonEmptyPatch,
} from '@alien/nest-http';
import { CONNECTOR_ORDER_BY, ENDPOINT_ORDER_BY, ExternalApiContracts, UsageRequest } from '@alien/proxy/contracts';
import { idError } from '@alien/slug';
import { Body, Controller, Injectable, Param, PipeTransform, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  ConnectorDto,
  CreateConnectorDto,
  CreateEndpointDto,
  EndpointDto,
  UpdateConnectorDto,
  UpdateEndpointDto,
  UsageSummaryDto,
} from '../dtos/external-api.dto';
import { ProxyClient } from '../proxy.client';

const connectorsQuery = new ListQueryPipe({ orderBy: CONNECTOR_ORDER_BY, defaultOrderBy: 'name' });
const endpointsQuery = new ListQueryPipe({ orderBy: ENDPOINT_ORDER_BY, defaultOrderBy: 'operationId' });
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const C = ExternalApiContracts;

/** `?from&to` (ISO-8601) and `userId`, `tokenId`, `jobId`: every bad one in one 422. */
@Injectable()
export class UsageQueryPipe implements PipeTransform<Record<string, unknown>, UsageRequest> {
  transform(query: Record<string, unknown>): UsageRequest {
    const out: UsageRequest = {};
    const messages: ValidationMessage[] = [];
    // (Backticks: tools/delivery's import scanner would take the quoted word for an import.)
    for (const field of [`from`, `to`] as const) {
      const raw = query[field];
      if (raw === undefined || raw === '') continue;
      if (typeof raw === 'string' && ISO_DATE_TIME.test(raw) && !Number.isNaN(Date.parse(raw))) out[field] = raw;
      else messages.push({ field, rule: 'date', message: `${field} must be an ISO-8601 date-time` });
    }
    for (const field of ['userId', 'tokenId', 'jobId'] as const) {
      const raw = query[field];
      if (raw === undefined || raw === '') continue;
      const problem = idError(field, raw);
      if (problem) messages.push(problem);
      else out[field] = Number(raw);
    }
    if (messages.length) throw ApiError.validation(messages);
    return out;
  }
}

@ApiTags('external APIs')
@Controller('external-apis')
export class ExternalApisController {
  constructor(private readonly proxy: ProxyClient) {}

  @ApiList(ConnectorDto, { orderBy: CONNECTOR_ORDER_BY, summary: 'Third-party APIs your organization may call (platform admins: all)' })
  async list(@Query(connectorsQuery) query: ListQuery<typeof connectorsQuery>, @Ctx() ctx: RequestContext) {
    return paginated(await this.proxy.call(C.connectors.list, query, ctx));
  }

  @ApiRoute(
    'get',
    'usage',
    {
      summary: 'External-API usage of your organization: calls, units and cost by connector and endpoint (owner, admin)',
      description: 'Window [from, to): default the 30 days before now. Only completed answers carry units.',
      query: [
        { name: `from`, schema: { type: 'string', format: 'date-time' } },
        { name: 'to', schema: { type: 'string', format: 'date-time' } },
        { name: 'userId', schema: { type: 'integer', minimum: 1 } },
        { name: 'tokenId', schema: { type: 'integer', minimum: 1 } },
        { name: 'jobId', schema: { type: 'integer', minimum: 1 } },
      ],
    },
    [403, 422],
    ApiEnvelope(UsageSummaryDto),
  )
  async usage(@Query(UsageQueryPipe) query: UsageRequest, @Ctx() ctx: RequestContext) {
    return success(await this.proxy.call(C.usage, query, ctx));
  }

  @ApiGetBySlug(ConnectorDto, { summary: 'A third-party API by slug' })
  async bySlug(@Param('slug', SlugPipe) slug: string, @Ctx() ctx: RequestContext) {
    return success(await this.proxy.call(C.connectors.get, { slug }, ctx));
  }

  @ApiGetById(ConnectorDto, { summary: 'A third-party API (404 when your organization may not use it)' })
  async byId(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.proxy.call(C.connectors.get, { id }, ctx));
  }

  @ApiCreate(ConnectorDto, { platformAdmin: true, summary: 'Register a third-party API (platform admins); the secret is write-only' })
  async create(@Body() body: CreateConnectorDto, @Ctx() ctx: RequestContext) {
    return success(await this.proxy.call(C.connectors.create, body, ctx));
  }

  @ApiUpdate(ConnectorDto, { platformAdmin: true, summary: 'Change a third-party API (platform admins)' })
  async update(@Param('id', IdPipe) id: number, @Body() body: UpdateConnectorDto, @Ctx() ctx: RequestContext) {
    return success(await this.proxy.call(C.connectors.update, { id, patch: nonEmptyPatch(body) }, ctx));
  }

  @ApiDelete({ platformAdmin: true, summary: 'Remove a third-party API and its endpoints (platform admins); usage stays' })
  async remove(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.proxy.call(C.connectors.remove, { id }, ctx));
  }

  @ApiList(EndpointDto, { path: ':id/endpoints', orderBy: ENDPOINT_ORDER_BY, search: false, summary: 'Endpoints of a third-party API' })
  async endpoints(@Param('id', IdPipe) connectorId: number, @Query(endpointsQuery) query: ListQuery<typeof endpointsQuery>, @Ctx() ctx: RequestContext) {
    return paginated(await this.proxy.call(C.endpoints.list, { connectorId, page: query.page }, ctx));
  }

  @ApiGetById(EndpointDto, { path: ':id/endpoints/:endpointId', summary: 'One endpoint of a third-party API' })
  async endpoint(@Param('id', IdPipe) connectorId: number, @Param('endpointId', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.proxy.call(C.endpoints.get, { connectorId, id }, ctx));
  }

  @ApiCreate(EndpointDto, { path: ':id/endpoints', platformAdmin: true, summary: 'Add an endpoint with its price (platform admins)' })
  async createEndpoint(@Param('id', IdPipe) connectorId: number, @Body() body: CreateEndpointDto, @Ctx() ctx: RequestContext) {
    return success(await this.proxy.call(C.endpoints.create, { connectorId, fields: body }, ctx));
  }

  @ApiUpdate(EndpointDto, { path: ':id/endpoints/:endpointId', platformAdmin: true, summary: 'Change an endpoint (platform admins)' })
  async updateEndpoint(
    @Param('id', IdPipe) connectorId: number,
    @Param('endpointId', IdPipe) id: number,
    @Body() body: UpdateEndpointDto,
    @Ctx() ctx: RequestContext,
  ) {
    return success(await this.proxy.call(C.endpoints.update, { connectorId, id, patch: nonEmptyPatch(body) }, ctx));
  }

  @ApiDelete({ path: ':id/endpoints/:endpointId', platformAdmin: true, summary: 'Remove an endpoint (platform admins)' })
  async removeEndpoint(@Param('id', IdPipe) connectorId: number, @Param('endpointId', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.proxy.call(C.endpoints.remove, { connectorId, id }, ctx));
  }

  /**
   * Documentation of the metered call. The proxy app serves it: the gateway streams this path to the
   * proxy before routing (DataPlanePassthrough), so this method runs only if that wiring is missing.
   */
  @ApiRoute(
    'post',
    ':id/endpoints/:endpointId/proxy',
    {
      summary: 'Call the endpoint: the body and query string go to the third party, its answer streams back with x-billed-units',
      description:
        'Any body (not only JSON), up to EXTERNAL_API_MAX_REQUEST_BYTES (10 MB). The connector secret is added, your credentials and ' +
        'identity headers removed. The answer is the third party’s own (not an envelope), with `x-billed-units`: what a completed ' +
        'answer costs (2xx only; 0 otherwise). Answers over 50 MB: 413 when Content-Length says so, else the connection is cut. ' +
        'Failed, aborted and cut calls cost nothing. `read` tokens get 403.',
    },
    [400, 413, 502, 503, 504],
  )
  notRoutedHere(): never {
    throw new ApiError(503, 'The proxy route is not reachable through this gateway', 'proxy_unavailable');
  }
}
