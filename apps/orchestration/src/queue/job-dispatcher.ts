import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { OrchestrationConfig } from '../config';
import { JobStore } from '../jobs/job-store';
import { ORCHESTRATION_CONFIG } from '../shared/tokens';
import { JobBus } from './job-bus';

/**
 * Moves admitted jobs onto the JetStream work queue: right after the transaction that admitted them
 * commits, and again from the relay loop for any admitted job that never got there (the job row is
 * the outbox; the queue drops a second publish of the same job within its duplicate window, and the
 * worker's claim ignores a stale duplicate after it). The relay also admits waiting jobs of
 * organizations that have free slots again.
 */
@Injectable()
export class JobDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private sweeping = false;
  /**
   * Ids published since the last flush: marked in one UPDATE every 100 ms (the relay only republishes
   * jobs admitted more than 2 s ago, and by then most of these are claimed and need no mark).
   */
  private toMark: number[] = [];
  private flushing?: NodeJS.Timeout;

  constructor(
    private readonly bus: JobBus,
    private readonly store: JobStore,
    private readonly logger: PinoLogger,
    @Inject(ORCHESTRATION_CONFIG) private readonly config: OrchestrationConfig,
  ) {
    logger.setContext(JobDispatcher.name);
  }

  /** Publishes and marks; never throws (what fails is retried by the relay). */
  async dispatch(ids: number[]): Promise<void> {
    if (!ids.length) return;
    const published: number[] = [];
    await Promise.all(
      ids.map((id) =>
        this.bus.enqueue(id).then(
          () => void published.push(id),
          (err: unknown) => this.logger.warn({ err, jobId: id }, 'enqueue failed; the relay retries'),
        ),
      ),
    );
    this.toMark.push(...published);
    this.flushing ??= setTimeout(() => void this.flush(), 100);
  }

  private async flush(): Promise<void> {
    this.flushing = undefined;
    const ids = this.toMark;
    this.toMark = [];
    await this.store.markPublished(ids).catch((err: unknown) => this.logger.warn({ err }, 'marking jobs published failed'));
  }

  /** Admits what fits for an organization (own transaction) and publishes it. */
  async admitAndDispatch(organizationId: number): Promise<void> {
    const ids = await this.store.admit(organizationId);
    await this.dispatch(ids);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), this.config.OUTBOX_SWEEP_MS);
    this.timer.unref();
  }

  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const stale = await this.store.unpublished(Math.max(2_000, this.config.OUTBOX_SWEEP_MS));
      if (stale.length) {
        this.logger.info({ jobs: stale.length }, 'relaying admitted jobs that missed the queue');
        await this.dispatch(stale.map((r) => r.id));
      }
      for (const organizationId of await this.store.waitingOrganizations()) await this.admitAndDispatch(organizationId);
    } catch (err) {
      this.logger.warn({ err }, 'outbox sweep failed');
    } finally {
      this.sweeping = false;
    }
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.flushing);
    await this.flush();
  }
}
