import { ApiError } from '@alien/envelope';
import { Identity, RequestContext } from '@alien/identity';
import { ServiceBus } from '@alien/nest-http';
import { RpcClient, natsCredentials } from '@alien/nest-rpc';
import { ClusterRef, ClusterRoute, OrchestrationContracts, OrchestrationEvents } from '@alien/orchestration/contracts';
import { KeyRing } from '@alien/secrets';
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { JSONCodec, NatsConnection, connect } from 'nats';
import { PinoLogger } from 'nestjs-pino';
import { PROXY_CONFIG, ProxyConfig } from '../config';

/** A cluster the caller may reach now, ready to forward to (credential opened, in memory only). */
export interface ResolvedRoute {
  cluster: ClusterRef;
  /** `http://host:port` */
  origin: string;
  /** The base URL's path without a trailing slash ('' for the root). */
  basePath: string;
  credential: string | null;
  /** `aud` of the identity assertion: the cluster id. */
  audience: string;
}

interface Entry {
  value: ResolvedRoute | ApiError;
  until: number;
}

/** Decisions worth remembering: the answer for this organization and cluster (not an outage). */
const CACHEABLE = new Set([404, 503]);
const codec = JSONCodec<{ clusterId?: unknown }>();

/**
 * The proxy's memory of orchestration's access decisions (`orchestration.cluster.route.v1`), per
 * (organization, cluster): the decision depends on nothing else (see ClusterAccessService). Every
 * replica listens to orchestration's cluster events on core NATS and evicts a cluster's entries the
 * moment it changes (shares, suspension, health flips, deletion); a NATS reconnect clears everything,
 * since events may have been missed; CLUSTER_ROUTE_CACHE_TTL_MS bounds the rest. A fetch that was in
 * flight while its cluster changed is answered but not remembered.
 */
@Injectable()
export class ClusterRoutes implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly entries = new Map<string, Entry>();
  private readonly keysByCluster = new Map<number, Set<string>>();
  /** Bumped by every eviction of a cluster (and by clear()): stale fetches are not cached. */
  private readonly generations = new Map<number, number>();
  private epoch = 0;
  private readonly inflight = new Map<string, Promise<ResolvedRoute>>();
  private readonly orchestration: RpcClient;
  private nc?: NatsConnection;
  private closed = false;

  constructor(
    bus: ServiceBus,
    private readonly secrets: KeyRing,
    @Inject(PROXY_CONFIG) private readonly config: ProxyConfig,
    private readonly logger: PinoLogger,
  ) {
    this.orchestration = bus.client('orchestration');
    logger.setContext(ClusterRoutes.name);
  }

  /** The cached decision, if any: a route, or the error to answer with. */
  cached(organizationId: number, clusterId: number): ResolvedRoute | ApiError | undefined {
    const key = `${organizationId}:${clusterId}`;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Asks orchestration (one request per key at a time) and remembers the answer. */
  fetch(identity: Identity, clusterId: number, requestId: string): Promise<ResolvedRoute> {
    const organizationId = identity.organizationId as number;
    const key = `${organizationId}:${clusterId}`;
    const running = this.inflight.get(key);
    if (running) return running;
    const generation = this.generations.get(clusterId) ?? 0;
    const epoch = this.epoch;
    const ctx: RequestContext = { requestId, identity };
    const promise = this.orchestration
      .call(OrchestrationContracts.clusters.route, { id: clusterId }, ctx)
      .then(
        (route) => {
          const resolved = this.open(route);
          this.remember(key, clusterId, resolved, generation, epoch);
          return resolved;
        },
        (error: unknown) => {
          if (error instanceof ApiError && CACHEABLE.has(error.status)) this.remember(key, clusterId, error, generation, epoch);
          throw error;
        },
      )
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, promise);
    return promise;
  }

  evictCluster(clusterId: number): void {
    this.generations.set(clusterId, (this.generations.get(clusterId) ?? 0) + 1);
    for (const key of this.keysByCluster.get(clusterId) ?? []) this.entries.delete(key);
    this.keysByCluster.delete(clusterId);
  }

  clear(): void {
    this.epoch++;
    this.entries.clear();
    this.keysByCluster.clear();
    this.generations.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private open(route: ClusterRoute): ResolvedRoute {
    const url = new URL(route.baseUrl);
    let credential: string | null = null;
    if (route.sealedCredential) {
      try {
        credential = this.secrets.open(route.sealedCredential, `cluster:${route.cluster.id}`);
      } catch (err) {
        // A ring that differs from orchestration's: an operator error, never the caller's.
        this.logger.error({ clusterId: route.cluster.id, err: { type: (err as Error).name, message: (err as Error).message } }, 'cluster credential does not open with SECRETS_KEY_RING');
        throw new ApiError(500, 'The cluster credential cannot be read', 'credential_unreadable');
      }
    }
    return {
      cluster: route.cluster,
      origin: url.origin,
      basePath: url.pathname.replace(/\/+$/, ''),
      credential,
      audience: String(route.cluster.id),
    };
  }

  private remember(key: string, clusterId: number, value: ResolvedRoute | ApiError, generation: number, epoch: number): void {
    const ttl = this.config.CLUSTER_ROUTE_CACHE_TTL_MS;
    if (ttl <= 0 || epoch !== this.epoch || (this.generations.get(clusterId) ?? 0) !== generation) return;
    if (this.entries.size >= this.config.CLUSTER_ROUTE_CACHE_MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { value, until: Date.now() + ttl });
    let keys = this.keysByCluster.get(clusterId);
    if (!keys) this.keysByCluster.set(clusterId, (keys = new Set()));
    keys.add(key);
  }

  onApplicationBootstrap(): void {
    // Not awaited: the proxy serves (asking orchestration each time) while NATS is away.
    void this.listen();
  }

  private async listen(): Promise<void> {
    const prefix = this.config.NATS_SUBJECT_PREFIX;
    this.nc = await connect({
      servers: this.config.NATS_URL.split(','),
      name: 'proxy-cluster-events',
      ...natsCredentials({ user: this.config.NATS_USER, password: this.config.NATS_PASSWORD }),
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      waitOnFirstConnect: true,
    });
    if (this.closed) return void (await this.nc.close());
    for (const event of Object.values(OrchestrationEvents)) {
      this.nc.subscribe(prefix + event.subject, {
        callback: (err, msg) => {
          if (err) return;
          try {
            const id = codec.decode(msg.data).clusterId;
            if (typeof id === 'number') this.evictCluster(id);
            else this.clear();
          } catch {
            this.clear();
          }
        },
      });
    }
    for await (const status of this.nc.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect') {
        this.clear();
        this.logger.info({ status: status.type }, 'cluster route cache cleared after NATS connection change');
      }
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    await this.nc?.close().catch(() => undefined);
  }
}
