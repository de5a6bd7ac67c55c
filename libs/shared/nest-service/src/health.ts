import { HealthReply, ServiceName, healthContract } from '@alien/contracts';
import { RpcHandler } from '@alien/nest-rpc';
import { ApiError } from '@alien/envelope';
import { Controller, Get, HttpException, Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Server } from '@nestjs/microservices';
import {
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { Subscription } from 'rxjs';

export const NATS_SERVER = Symbol('NATS_SERVER');
export const SERVICE_NAME = Symbol('SERVICE_NAME');

/** Tracks the service's own NATS connection through the transport's status stream. */
@Injectable()
export class NatsHealthIndicator implements OnModuleDestroy {
  private connected = false;
  private readonly subscription: Subscription;

  constructor(
    @Inject(NATS_SERVER) server: Server,
    private readonly indicators: HealthIndicatorService,
  ) {
    this.subscription = server.status.subscribe((status) => {
      this.connected = status === 'connected';
    });
  }

  check(): HealthIndicatorResult {
    const session = this.indicators.check('nats');
    return this.connected ? session.up() : session.down({ message: 'not connected' });
  }

  onModuleDestroy(): void {
    this.subscription.unsubscribe();
  }
}

@Injectable()
export class ReadinessService {
  /** Set when the service starts to shut down: it is no longer ready. */
  stopping = false;

  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly nats: NatsHealthIndicator,
  ) {}

  /** Never throws: a failing check comes back as `status: 'error'` with its details. */
  async ready(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => this.db.pingCheck('database', { timeout: 1_000 }),
        () => this.nats.check(),
      ]);
    } catch (e) {
      if (e instanceof HttpException) return e.getResponse() as HealthCheckResult;
      throw e;
    }
  }
}

/** Kubernetes probes: `/health/live` (the process answers) and `/health/ready` (Postgres + NATS). */
@Controller('health')
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  @Get('live')
  live() {
    return { success: true, data: { status: 'ok' } };
  }

  @Get('ready')
  async ready() {
    // Shutting down: not ready (Kubernetes stops routing), though NATS requests already here are answered.
    if (this.readiness.stopping) throw new ApiError(503, 'Not ready: shutting down', 'not_ready');
    const result = await this.readiness.ready();
    if (result.status !== 'ok') {
      const down = Object.entries(result.details)
        .filter(([, v]) => v.status !== 'up')
        .map(([k]) => k);
      throw new ApiError(503, `Not ready: ${down.join(', ')} down`, 'not_ready');
    }
    return { success: true, data: result };
  }
}

/** `<service>.health.check.v1`: the gateway's `GET /health` asks every service through NATS. */
export function createHealthHandler(service: ServiceName) {
  @Controller()
  class HealthRpcHandler {
    constructor(private readonly readiness: ReadinessService) {}

    @RpcHandler(healthContract(service))
    async check(): Promise<HealthReply> {
      const result = await this.readiness.ready();
      return { service, status: result.status === 'ok' ? 'ok' : 'error', details: mapDetails(result.details) };
    }
  }
  return HealthRpcHandler;
}

function mapDetails(details: Record<string, unknown>): HealthReply['details'] {
  const out: HealthReply['details'] = {};
  for (const [key, value] of Object.entries(details ?? {})) {
    const v = value as { status?: string; message?: string };
    out[key] = { status: v.status === 'up' ? 'up' : 'down', ...(v.message ? { message: v.message } : {}) };
  }
  return out;
}
