import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { JobName, type JobPayloads, QueueName } from '../../../platform/queue/index.js';
import { HeartbeatService } from '../heartbeat.service.js';

/** Periodic housekeeping. Later modules add their sweepers (re-enqueue due work from Postgres) here. */
@Processor(QueueName.Maintenance)
export class MaintenanceSweepProcessor extends WorkerHost {
  private readonly logger = new Logger(MaintenanceSweepProcessor.name);

  constructor(private readonly heartbeats: HeartbeatService) {
    super();
  }

  async process(job: Job<JobPayloads[JobName.MaintenanceSweep]>): Promise<{ prunedProcesses: number }> {
    if (job.name !== (JobName.MaintenanceSweep as string)) throw new Error(`no handler for job ${job.name}`);
    const prunedProcesses = await this.heartbeats.pruneStale();
    if (prunedProcesses > 0) this.logger.log({ prunedProcesses }, 'maintenance sweep');
    return { prunedProcesses };
  }
}
