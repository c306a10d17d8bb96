import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { JobName, type JobPayloads, QueueName } from '../../../platform/queue/index.js';
import { RetentionService } from '../retention.service.js';

type RetentionJob = Job<JobPayloads[JobName.RetentionSweep]> | Job<JobPayloads[JobName.RetentionRun]>;

/** The daily sweep (start the day's run, re-queue a lost one) and the runs themselves, one at a time per worker. */
@Processor(QueueName.Retention, { concurrency: 1 })
export class RetentionProcessor extends WorkerHost {
  constructor(private readonly retention: RetentionService) {
    super();
  }

  async process(job: RetentionJob): Promise<{ runId: string | null }> {
    if (job.name === (JobName.RetentionSweep as string)) return { runId: await this.retention.sweep() };
    if (job.name !== (JobName.RetentionRun as string)) throw new Error(`no handler for job ${job.name}`);
    const { runId } = job.data as JobPayloads[JobName.RetentionRun];
    // Another worker holds the run lock: fail this attempt so that BullMQ tries again after a backoff.
    if (!(await this.retention.execute(runId))) throw new Error('retention run lock held elsewhere');
    return { runId };
  }
}
