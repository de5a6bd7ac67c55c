import { EventBus } from '@alien/nest-service';
import { OrchestrationEvents } from '@alien/orchestration/contracts';
import { KeyRing } from '@alien/secrets';
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { PinoLogger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import { DataSource, In, QueryRunner } from 'typeorm';
import { guardedConnector } from '@alien/upstream';
import { Agent, request } from 'undici';
import { ORCHESTRATION_CONFIG, OrchestrationConfig } from '../config';
import { clusterStatus, credentialAad, returnedRows } from './cluster-views';
import { ClusterEntity, HealthStatus } from './entities/cluster.entity';

/** Session advisory lock held by the one replica that runs the health loop (per database). */
const LEADER_LOCK = 'alien.orchestration.cluster-health';
/** Clusters checked at once by the loop, and claimed per tick. */
const CONCURRENCY = 16;
const CLAIM_BATCH = 200;
/** A health answer is read up to this many bytes, then dropped: only the status matters. */
const MAX_BODY_BYTES = 64 * 1024;

export interface CheckResult {
  cluster: ClusterEntity;
  previous: HealthStatus;
}

/**
 * Health of the registered clusters: `GET baseUrl + healthPath` with the cluster's credential, 2xx →
 * online, anything else (status, refusal, timeout) → offline. A loop checks every cluster once per
 * CLUSTER_HEALTH_INTERVAL_MS (the first one interval after registration; `POST /clusters/{id}/check`
 * checks at once), run by one replica at a time: the holder of a Postgres session advisory lock. When
 * that replica dies its session ends, the lock frees, and another replica takes over at its next tick.
 * Due clusters are claimed by moving `next_check_at` on, so even two loops would not double up.
 */
@Injectable()
export class ClusterHealthService implements OnApplicationBootstrap, OnModuleDestroy {
  /** Never towards link-local (cloud metadata) or unspecified addresses, written or resolved. */
  private readonly agent = new Agent({ connections: 64, keepAliveTimeout: 1_000, connect: guardedConnector() });
  private timer?: NodeJS.Timeout;
  private ticking = false;
  private leader?: QueryRunner;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(ORCHESTRATION_CONFIG) private readonly config: OrchestrationConfig,
    private readonly events: EventBus,
    private readonly secrets: KeyRing,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(ClusterHealthService.name);
  }

  onApplicationBootstrap(): void {
    const interval = this.config.CLUSTER_HEALTH_INTERVAL_MS;
    // Ticks come a few times per interval, so a cluster is checked at most a quarter interval late.
    const tickMs = Math.max(50, Math.min(5_000, Math.floor(interval / 4)));
    this.timer = setInterval(() => void this.tick(), tickMs);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.resign();
    await this.agent.close().catch(() => undefined);
  }

  /** The next check is one interval after a check, a creation or a change of target. */
  get intervalSec(): number {
    return this.config.CLUSTER_HEALTH_INTERVAL_MS / 1000;
  }

  nextCheckAt(): Date {
    return new Date(Date.now() + this.config.CLUSTER_HEALTH_INTERVAL_MS);
  }

  /** Whether this replica runs the loop: it holds the lock, or takes it now if it is free. */
  get isLeader(): boolean {
    return this.leader !== undefined;
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      const runner = await this.lead();
      if (!runner) return;
      let due: number[];
      try {
        due = await this.claimDue(runner);
      } catch (err) {
        // The lock's session is gone (Postgres restarted, connection cut): someone else may lead now.
        this.logger.warn({ err }, 'health loop lost its database session');
        await this.resign();
        return;
      }
      if (!due.length) return;
      const clusters = await this.db.getRepository(ClusterEntity).findBy({ id: In(due) });
      await mapLimit(clusters, CONCURRENCY, (c) => this.checkAndRecord(c).catch((err: unknown) => this.logger.error({ err, clusterId: c.id }, 'health check failed')));
    } catch (err) {
      this.logger.error({ err }, 'health loop tick failed');
    } finally {
      this.ticking = false;
    }
  }

  private async lead(): Promise<QueryRunner | undefined> {
    if (this.leader) return this.leader;
    const runner = this.db.createQueryRunner();
    try {
      await runner.connect();
      const [row] = (await runner.query('SELECT pg_try_advisory_lock(hashtext($1)) AS "locked"', [LEADER_LOCK])) as { locked: boolean }[];
      if (row?.locked) {
        this.leader = runner;
        this.logger.info('this replica now runs the cluster health loop');
        return runner;
      }
    } catch (err) {
      this.logger.warn({ err }, 'could not ask for the health loop lock');
    }
    await runner.release().catch(() => undefined);
    return undefined;
  }

  private async resign(): Promise<void> {
    const runner = this.leader;
    this.leader = undefined;
    if (!runner) return;
    await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [LEADER_LOCK]).catch(() => undefined);
    await runner.release().catch(() => undefined);
  }

  /** Claims the clusters whose check is due by moving their next check one interval on. */
  private async claimDue(runner: QueryRunner): Promise<number[]> {
    const result: unknown = await runner.query(
      `UPDATE "orchestration"."clusters" SET "next_check_at" = now() + make_interval(secs => $1::double precision)
        WHERE "id" IN (
          SELECT "id" FROM "orchestration"."clusters"
           WHERE "next_check_at" <= now()
           ORDER BY "next_check_at"
           LIMIT $2
             FOR UPDATE SKIP LOCKED)
      RETURNING "id"`,
      [this.intervalSec, CLAIM_BATCH],
    );
    return returnedRows<{ id: number }>(result).map((r) => r.id);
  }

  /** Checks one cluster now, stores the outcome, announces a flip. */
  async checkAndRecord(cluster: ClusterEntity): Promise<CheckResult> {
    const outcome = await this.probe(cluster);
    const result: unknown = await this.db.query(
      `UPDATE "orchestration"."clusters" c
          SET "health_status" = $2::varchar,
              "last_checked_at" = now(),
              "next_check_at" = now() + make_interval(secs => $4::double precision),
              "last_seen_at" = CASE WHEN $2::varchar = 'online' THEN now() ELSE c."last_seen_at" END,
              "last_check_error" = $3
         FROM (SELECT "id", "health_status" AS "previous" FROM "orchestration"."clusters" WHERE "id" = $1 FOR UPDATE) p
        WHERE c."id" = p."id"
      RETURNING p."previous"`,
      [cluster.id, outcome.status, outcome.error, this.intervalSec],
    );
    const previous = returnedRows<{ previous: HealthStatus }>(result)[0]?.previous ?? cluster.healthStatus;
    const updated = (await this.db.getRepository(ClusterEntity).findOneBy({ id: cluster.id })) ?? cluster;
    if (previous !== outcome.status) {
      this.logger.info({ clusterId: cluster.id, previous, status: outcome.status, error: outcome.error ?? undefined }, 'cluster health changed');
      await this.events.publish(OrchestrationEvents.clusterStatusChanged, {
        clusterId: cluster.id,
        organizationId: cluster.organizationId,
        status: clusterStatus(updated),
        previous,
      });
    }
    return { cluster: updated, previous };
  }

  private async probe(cluster: ClusterEntity): Promise<{ status: 'online' | 'offline'; error: string | null }> {
    const headers: Record<string, string> = { 'x-request-id': `health-${randomUUID()}`, 'user-agent': 'alien-platform-health/1' };
    if (cluster.sealedCredential) {
      headers['authorization'] = `Bearer ${this.secrets.open(cluster.sealedCredential, credentialAad(cluster.id))}`;
    }
    try {
      const res = await request(`${cluster.baseUrl}${cluster.healthPath}`, {
        method: 'GET',
        headers,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.config.CLUSTER_HEALTH_TIMEOUT_MS),
      });
      await res.body.dump({ limit: MAX_BODY_BYTES }).catch(() => undefined);
      if (res.statusCode >= 200 && res.statusCode < 300) return { status: 'online', error: null };
      return { status: 'offline', error: `health path answered ${res.statusCode}` };
    } catch (e) {
      const err = e as Error & { code?: string };
      const reason = err.name === 'TimeoutError' || err.name === 'AbortError' ? `no answer within ${this.config.CLUSTER_HEALTH_TIMEOUT_MS} ms` : (err.code ?? err.message);
      return { status: 'offline', error: reason.slice(0, 500) };
    }
  }
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
