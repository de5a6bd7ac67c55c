import { HealthReply, SERVICES, ServiceName, healthContract } from '@alien/contracts';
import { ApiError, success } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import { Controller, Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { Subscription } from 'rxjs';
import { ApiEnvelope, ApiRoute, Ctx } from '@alien/nest-http';
import { GATEWAY_LIFECYCLE, GatewayLifecycle } from '../http/http-hooks';
import { ServiceClients } from '../rpc/service-clients';

const HEALTH_TIMEOUT_MS = 2_000;

export interface PlatformHealth {
  status: 'ok' | 'error';
  gateway: { nats: 'up' | 'down' };
  services: Record<ServiceName, HealthReply | { service: ServiceName; status: 'error'; error: string }>;
}

class HealthCheckDetailDto {
  @ApiProperty({ enum: ['up', 'down'] }) status: 'up' | 'down';
  @ApiPropertyOptional() message?: string;
}

class ServiceHealthDto {
  @ApiProperty({ example: 'catalog' }) service: string;
  @ApiProperty({ enum: ['ok', 'error'] }) status: 'ok' | 'error';
  @ApiPropertyOptional({
    description: 'Per dependency (database, nats); absent when the service did not answer',
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(HealthCheckDetailDto) },
  })
  details?: Record<string, HealthCheckDetailDto>;
  @ApiPropertyOptional({ description: 'Why the service could not be asked' }) error?: string;
}

class PlatformHealthDto {
  @ApiProperty({ enum: ['ok', 'error'] }) status: 'ok' | 'error';
  @ApiProperty({ type: 'object', properties: { nats: { type: 'string', enum: ['up', 'down'] } }, required: ['nats'] })
  gateway: { nats: 'up' | 'down' };
  @ApiProperty({ type: 'object', additionalProperties: { $ref: getSchemaPath(ServiceHealthDto) }, description: 'By service name' })
  services: Record<string, ServiceHealthDto>;
}

class ProbeDto {
  @ApiProperty({ example: 'ok' }) status: string;
  @ApiPropertyOptional({ enum: ['up', 'down'] }) nats?: string;
}

@Injectable()
export class GatewayHealth implements OnModuleDestroy {
  private natsConnected = false;
  private readonly subscription: Subscription;

  constructor(
    private readonly clients: ServiceClients,
    @Inject(GATEWAY_LIFECYCLE) private readonly lifecycle: GatewayLifecycle,
  ) {
    this.subscription = clients.proxy.status.subscribe((status) => {
      this.natsConnected = status === 'connected';
    });
  }

  /** Shutting down: /health/ready answers 503 so load balancers move on. */
  get stopping(): boolean {
    return this.lifecycle.stopping;
  }

  set stopping(value: boolean) {
    this.lifecycle.stopping = value;
  }

  get nats(): 'up' | 'down' {
    return this.natsConnected ? 'up' : 'down';
  }

  async platform(ctx: RequestContext): Promise<PlatformHealth> {
    const replies = await Promise.all(
      SERVICES.map(async (service) => {
        try {
          return await this.clients.client(service).call(healthContract(service), {}, ctx, { timeoutMs: HEALTH_TIMEOUT_MS });
        } catch (e) {
          return { service, status: 'error' as const, error: (e as Error).message };
        }
      }),
    );
    const services = Object.fromEntries(replies.map((r) => [r.service, r])) as PlatformHealth['services'];
    const ok = this.nats === 'up' && replies.every((r) => r.status === 'ok');
    return { status: ok ? 'ok' : 'error', gateway: { nats: this.nats }, services };
  }

  onModuleDestroy(): void {
    this.subscription.unsubscribe();
  }
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: GatewayHealth) {}

  @ApiRoute('get', '', { public: true, errors: [503], summary: 'Health of the whole platform: the gateway and every service (asked over NATS)' }, [], ApiEnvelope(PlatformHealthDto))
  @ApiExtraModels(HealthCheckDetailDto, ServiceHealthDto)
  async platform(@Ctx() ctx: RequestContext) {
    const report = await this.health.platform(ctx);
    if (report.status !== 'ok') {
      const down = Object.values(report.services)
        .filter((s) => s.status !== 'ok')
        .map((s) => s.service);
      const parts = [...(report.gateway.nats === 'down' ? ['nats'] : []), ...down];
      throw new ApiError(503, `Unavailable: ${parts.join(', ')}`, 'unhealthy');
    }
    return success(report);
  }

  @ApiRoute('get', 'live', { public: true, summary: 'Liveness probe: the gateway process answers' }, [], ApiEnvelope(ProbeDto))
  live() {
    return success({ status: 'ok' });
  }

  @ApiRoute('get', 'ready', { public: true, errors: [503], summary: 'Readiness probe: the gateway is connected to NATS' }, [], ApiEnvelope(ProbeDto))
  ready() {
    if (this.health.stopping) throw new ApiError(503, 'Not ready: shutting down', 'not_ready');
    if (this.health.nats !== 'up') throw new ApiError(503, 'Not ready: nats down', 'not_ready');
    return success({ status: 'ok', nats: 'up' });
  }
}
