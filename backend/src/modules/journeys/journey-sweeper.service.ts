import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { JourneyRunner } from './journey-runner.js';
import { JourneyTriggers } from './journey-triggers.js';

const EVERY_MS = 15_000;
const TRIGGERS_EVERY_MS = 60_000;

/**
 * Scheduler side: queues a wake-up when enrollments are overdue (their job was lost with Redis, or a worker died
 * with it), and runs the periodic triggers: segment entry (every minute) and date attributes (daily per journey).
 */
@Injectable()
export class JourneySweeperService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(JourneySweeperService.name);
  private timer?: NodeJS.Timeout;
  private lastTriggers = 0;
  private running = false;

  constructor(
    private readonly runner: JourneyRunner,
    private readonly triggers: JourneyTriggers,
  ) {}

  onApplicationBootstrap() {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = true;
      this.sweep()
        .catch((err: unknown) => {
          this.logger.warn({ code: (err as { code?: string }).code }, 'journey sweep failed');
        })
        .finally(() => (this.running = false));
    }, EVERY_MS);
    this.timer.unref();
  }

  async sweep(): Promise<{ overdue: number; segmentEntries: number; dateEntries: number }> {
    const overdue = await this.runner.requeueOverdue();
    let segmentEntries = 0;
    let dateEntries = 0;
    if (Date.now() - this.lastTriggers >= TRIGGERS_EVERY_MS) {
      this.lastTriggers = Date.now();
      segmentEntries = await this.triggers.checkSegmentTriggers();
      dateEntries = await this.triggers.checkDateTriggers();
    }
    if (overdue || segmentEntries || dateEntries) this.logger.log({ overdue, segmentEntries, dateEntries }, 'journey sweep');
    return { overdue, segmentEntries, dateEntries };
  }

  onApplicationShutdown() {
    clearInterval(this.timer);
  }
}
