import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JobName, type JobPayloads, QueueName } from '../../platform/queue/index.js';

/** Daily at 03:00 UTC, when sending and ingest are usually quiet. */
export const RETENTION_SCHEDULE = { pattern: '0 3 * * *', tz: 'UTC' } as const;

/** Registers the daily retention sweep. Idempotent: every scheduler process upserts the same job scheduler. */
@Injectable()
export class RetentionSchedulerService implements OnApplicationBootstrap {
  private readonly logger = new Logger(RetentionSchedulerService.name);

  constructor(@InjectQueue(QueueName.Retention) private readonly queue: Queue<JobPayloads[JobName.RetentionSweep]>) {}

  async onApplicationBootstrap() {
    await this.queue.upsertJobScheduler(JobName.RetentionSweep, RETENTION_SCHEDULE, {
      name: JobName.RetentionSweep,
      data: { scheduledAt: new Date().toISOString() },
      opts: { attempts: 3, backoff: { type: 'exponential', delay: 60_000 } },
    });
    this.logger.log({ job: JobName.RetentionSweep, pattern: RETENTION_SCHEDULE.pattern }, 'job scheduler registered');
  }
}
