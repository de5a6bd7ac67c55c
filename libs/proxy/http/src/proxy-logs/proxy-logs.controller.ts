import { ApiError, ValidationMessage, paginated } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import { ApiList, Ctx, IdPipe, ListQuery, ListQueryPipe } from '@alien/nest-http';
import { PROXY_LOG_ORDER_BY, ProxyContracts } from '@alien/proxy/contracts';
import { idError } from '@alien/slug';
import { Controller, Injectable, Param, PipeTransform, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ProxyLogDto } from '../dtos/proxy-log.dto';
import { ProxyClient } from '../proxy.client';

const logsQuery = new ListQueryPipe({ orderBy: PROXY_LOG_ORDER_BY, defaultOrderBy: 'createdAt', defaultDirection: 'desc' });
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

export interface ProxyLogFilters {
  from?: string;
  to?: string;
  status?: string;
  userId?: number;
}

/** `from`, `to` (ISO-8601), `status` (`404` or `5xx`), `userId`: every bad one in one 422. */
@Injectable()
export class ProxyLogFiltersPipe implements PipeTransform<Record<string, unknown>, ProxyLogFilters> {
  transform(query: Record<string, unknown>): ProxyLogFilters {
    const out: ProxyLogFilters = {};
    const messages: ValidationMessage[] = [];
    // (Backticks: tools/delivery's import scanner would take the quoted word for an import.)
    for (const field of [`from`, `to`] as const) {
      const raw = query[field];
      if (raw === undefined || raw === '') continue;
      if (typeof raw === 'string' && ISO_DATE_TIME.test(raw) && !Number.isNaN(Date.parse(raw))) out[field] = raw;
      else messages.push({ field, rule: 'date', message: `${field} must be an ISO-8601 date-time` });
    }
    const status = query['status'];
    if (status !== undefined && status !== '') {
      if (typeof status === 'string' && /^[1-5](\d\d|xx)$/.test(status)) out.status = status;
      else messages.push({ field: 'status', rule: 'status', message: 'status must be an HTTP status (404) or a class (5xx)' });
    }
    const userId = query['userId'];
    if (userId !== undefined && userId !== '') {
      const problem = idError('userId', userId);
      if (problem) messages.push(problem);
      else out.userId = Number(userId);
    }
    if (messages.length) throw ApiError.validation(messages);
    return out;
  }
}

@ApiTags('clusters')
@Controller('clusters')
export class ProxyLogsController {
  constructor(private readonly proxy: ProxyClient) {}

  @ApiList(ProxyLogDto, {
    path: ':id/proxy-logs',
    orderBy: PROXY_LOG_ORDER_BY,
    search: false,
    summary: 'Requests proxied to a cluster, newest first (owners and admins of its organization)',
    description: 'Written in batches: a request shows up here within about a second.',
    query: [
      { name: `from`, description: 'ISO-8601, inclusive', schema: { type: 'string', format: 'date-time' } },
      { name: 'to', description: 'ISO-8601, exclusive', schema: { type: 'string', format: 'date-time' } },
      { name: 'status', description: 'A status (404) or a class (5xx)', schema: { type: 'string', pattern: '^[1-5](\\d\\d|xx)$' } },
      { name: 'userId', schema: { type: 'integer', minimum: 1 } },
    ],
  })
  async list(
    @Param('id', IdPipe) clusterId: number,
    @Query(logsQuery) query: ListQuery<typeof logsQuery>,
    @Query(ProxyLogFiltersPipe) filters: ProxyLogFilters,
    @Ctx() ctx: RequestContext,
  ) {
    return paginated(await this.proxy.call(ProxyContracts.proxyLogs.list, { clusterId, page: query.page, ...filters }, ctx));
  }
}
