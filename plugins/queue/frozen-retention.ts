import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { BullFrozenQueue } from './frozen-queue.js';

export interface FrozenRetentionSettings {
  /** How long a frozen message is kept (ms); 0 keeps them until an administrator removes them. */
  retentionMs: number;
  /** How often the sweep runs across the whole cluster (ms). */
  periodMs: number;
  /** Redis key of the once-per-period claim; processes sharing a queue share it. */
  claimKey: string;
}

/**
 * Removes frozen messages older than the retention period. Every worker process runs the timer, but
 * a sweep needs the period's claim (SET NX with the period as its expiry), so the cluster sweeps
 * once per period whatever the number of workers, and a worker that dies mid-sweep is replaced by
 * whichever process claims the next period.
 */
export class FrozenRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly frozen: BullFrozenQueue,
    private readonly redis: Redis,
    private readonly settings: FrozenRetentionSettings,
    private readonly logger: Logger,
    private readonly onRemoved: (count: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    if (this.settings.retentionMs === 0) return;
    const tick = (): void => {
      this.running = this.sweepIfClaimed()
        .catch((err: unknown) => this.logger.error({ err }, 'removing expired frozen messages failed'))
        .finally(() => (this.running = undefined));
    };
    tick();
    this.timer = setInterval(tick, this.settings.periodMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One sweep, if no process of the cluster has run one in this period. Resolves with the count removed. */
  async sweepIfClaimed(): Promise<number> {
    const claimed = await this.redis.set(
      this.settings.claimKey,
      String(process.pid),
      'PX',
      this.settings.periodMs,
      'NX',
    );
    if (claimed !== 'OK') return 0;
    const removed = await this.frozen.removeFrozenBefore(new Date(this.now() - this.settings.retentionMs));
    if (removed > 0) {
      this.logger.info({ removed }, 'removed frozen messages past the retention period');
      this.onRemoved(removed);
    }
    return removed;
  }
}
