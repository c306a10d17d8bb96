import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { JobName, type JobPayloads, QueueName } from '../../../platform/queue/index.js';
import { ImportRunner } from '../import-runner.js';

/** One import per job; the runner's lock keeps a second worker from running the same one. */
@Processor(QueueName.Imports, { concurrency: 1, lockDuration: 15_000, stalledInterval: 15_000 })
export class ImportRunProcessor extends WorkerHost {
  constructor(private readonly runner: ImportRunner) {
    super();
  }

  async process(job: Job<JobPayloads[JobName.ImportsRun]>): Promise<{ ran: boolean }> {
    if (job.name !== (JobName.ImportsRun as string)) throw new Error(`no handler for job ${job.name}`);
    return { ran: await this.runner.run(job.data.importId) };
  }
}
