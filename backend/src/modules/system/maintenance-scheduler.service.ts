import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JobName, type JobPayloads, QueueName } from '../../platform/queue/index.js';

export const SWEEP_EVERY_MS = 60_000;

/** Registers the repeatable jobs. Idempotent: several schedulers upsert the same job scheduler. */
@Injectable()
export class MaintenanceSchedulerService implements OnApplicationBootstrap {
  private readonly logger = new Logger(MaintenanceSchedulerService.name);

  constructor(@InjectQueue(QueueName.Maintenance) private readonly queue: Queue<JobPayloads[JobName.MaintenanceSweep]>) {}

  async onApplicationBootstrap() {
    await this.queue.upsertJobScheduler(
      JobName.MaintenanceSweep,
      { every: SWEEP_EVERY_MS },
      { name: JobName.MaintenanceSweep, data: { scheduledAt: new Date().toISOString() } },
    );
    this.logger.log({ job: JobName.MaintenanceSweep, everyMs: SWEEP_EVERY_MS }, 'job scheduler registered');
  }
}
